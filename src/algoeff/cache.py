"""A cache of parsed analysis files, so that check, render and site build parse each file once.

Parsing YAML is most of the cost of loading a large dataset (about 0.2 ms per
analysis with libyaml). The cache maps a hash of a file's bytes to the plain data
parsed from them, so a changed file is always parsed again and an unchanged one
never is. It lives outside the repository (``$ALGOEFF_CACHE_DIR``, else
``$XDG_CACHE_HOME/algoeff``, else ``~/.cache/algoeff``), one JSON file per dataset
folder, holding only the files seen in the last run; a file committed to a
repository can therefore never feed data to a check. ``ALGOEFF_CACHE=0`` turns it
off. A cache that cannot be read or written is ignored: it only ever saves time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from algoeff.atomic import write_atomic

# Bump when the parser's output for the same bytes changes (loading.py).
PARSER_VERSION = 1


def cache_dir() -> Path:
    if explicit := os.environ.get("ALGOEFF_CACHE_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "algoeff"


def enabled() -> bool:
    return os.environ.get("ALGOEFF_CACHE", "1") not in ("0", "false", "no", "off")


def content_key(raw: bytes) -> str:
    """The cache key of a file's bytes."""
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


class ParseCache:
    """Parsed data by content hash for one dataset folder; save() keeps what was used."""

    def __init__(self, root: Path) -> None:
        name = hashlib.blake2b(str(root).encode(), digest_size=8).hexdigest()
        self.path = cache_dir() / f"parsed-v{PARSER_VERSION}-{name}.json"
        self.active = enabled()
        self._stored: dict[str, Any] = self._read() if self.active else {}
        self._used: dict[str, Any] = {}

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str) -> Any:
        """The data parsed from bytes with this key, or None."""
        value = self._stored.get(key)
        if value is not None:
            self._used[key] = value
        return value

    def put(self, key: str, value: Any) -> None:
        self._used[key] = value

    def save(self) -> None:
        """Write the entries used in this run, when they differ from what is stored."""
        if not self.active or self._used.keys() == self._stored.keys():
            return
        with contextlib.suppress(OSError):
            write_atomic(self.path, json.dumps(self._used, separators=(",", ":")).encode())
