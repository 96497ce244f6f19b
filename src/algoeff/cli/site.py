"""`algoeff site`: build the static website and preview it locally."""

from __future__ import annotations

from pathlib import Path

import click

from algoeff.cli.common import repo_url_option, resolve_root, root_option, site_out_option
from algoeff.core.files import display_path
from algoeff.outputs.site.build import DEFAULT_OUT, build_site
from algoeff.outputs.site.serve import make_server, url_of


@click.group()
def site() -> None:
    """Build the public static website and preview it locally.

    \b
    Examples:
        algoeff site build
        algoeff site serve
    """


@site.command()
@root_option
@site_out_option
@repo_url_option
def build(root: Path | None, out: Path, repo_url: str) -> None:
    """Write the site: home, a page per benchmark and per entry, downloads.

    Every link is relative and every asset is local, so the folder can be
    published as is (GitHub Pages) or opened from the disk. Rebuilding from the
    same dataset gives identical bytes. Needs the 'site' extra (Plotly's bundled
    JavaScript).

    \b
    Examples:
        algoeff site build
        algoeff site build --root . --out _site
        algoeff site build --repo-url https://github.com/me/algoeff/blob/main/
    """
    result = build_site(resolve_root(root), out, repo_url=repo_url)
    click.echo(
        f"wrote {result.files} files ({result.benchmarks} benchmarks, {result.entries} entries) "
        f"to {display_path(result.out)}/; open {display_path(result.out / 'index.html')} "
        "or run `algoeff site serve`"
    )


@site.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=DEFAULT_OUT,
    show_default=True,
    help="Folder holding a built site.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1; 0 picks a free one.",
)
def serve(out: Path, port: int) -> None:
    """Serve a built site on http://127.0.0.1:PORT/ until Ctrl-C.

    \b
    Examples:
        algoeff site serve
        algoeff site serve --out _site --port 8080
    """
    server = make_server(out, port)
    click.echo(f"serving {display_path(out)}/ at {url_of(server)} (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.server_close()
