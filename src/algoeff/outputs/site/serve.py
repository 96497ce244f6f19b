"""`algoeff site serve`: preview a built site on 127.0.0.1 with the standard library's server.

For looking at the site before publishing it, not for production: it binds to
the loopback address only and serves the folder as files.
"""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from algoeff.core.errors import InputError
from algoeff.core.files import display_path

HOST = "127.0.0.1"


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without logging each request (for tests and embedding)."""

    def log_message(self, format: str, *args: Any) -> None:
        return


def make_server(out: Path, port: int = 0, *, quiet: bool = False) -> ThreadingHTTPServer:
    """A server for the site in ``out`` on 127.0.0.1:``port`` (0: any free port), not started."""
    if not (out / "index.html").is_file():
        raise InputError(
            f"{display_path(out)}: no site here (expected index.html); "
            "run `algoeff site build` first or pass --out"
        )
    handler_class = _QuietHandler if quiet else SimpleHTTPRequestHandler
    handler = functools.partial(handler_class, directory=str(out))
    try:
        return ThreadingHTTPServer((HOST, port), handler)
    except OSError as exc:
        raise InputError(
            f"--port {port}: cannot listen on {HOST} ({exc.strerror}); "
            "choose another port or 0 for any free one"
        ) from None


def url_of(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}/"
