"""Fixtures of the site tests: built sites (synthetic and bundled) and a guarded Chromium page.

The browser is Debian's Chromium driven by Playwright (Playwright cannot fetch
its own browser here). Without it the browser tests skip, unless the CI
environment variable is set: there a missing browser fails the run, so that
CI can never pass by skipping them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from site_fixtures import (
    SYNTHETIC_BUILD,
    BuiltSite,
    Watch,
    browser_unavailable,
    is_local,
    serving,
    write_dataset,
)

from algoeff.outputs.site import build_site

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Belt and braces beside the request listener: no other host name resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


def _built(name: str, root: Path, out: Path, **build: str) -> BuiltSite:
    build_site(root, out, **build)
    data = json.loads((out / "downloads" / "algoeff.json").read_text(encoding="utf-8"))
    return BuiltSite(name, out, data)


@pytest.fixture(scope="session")
def synthetic_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The synthetic dataset of site_fixtures.py (with its hostile entry), built once, with the
    version, commit and date of SYNTHETIC_BUILD."""
    base = tmp_path_factory.mktemp("synthetic")
    return _built("synthetic", write_dataset(base / "data-set"), base / "site", **SYNTHETIC_BUILD)


@pytest.fixture(scope="session")
def bundled_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The repository's own dataset, built once; skipped while the repository has none."""
    if not (REPO / "data" / "benchmarks.yaml").is_file():
        pytest.skip("the repository has no dataset yet (data/benchmarks.yaml)")
    return _built("bundled", REPO, tmp_path_factory.mktemp("bundled") / "site")


@pytest.fixture(params=["synthetic", "bundled"])
def any_site(request: pytest.FixtureRequest) -> BuiltSite:
    site: BuiltSite = request.getfixturevalue(f"{request.param}_site")
    return site


@pytest.fixture(scope="session")
def serve() -> Iterator[Callable[[BuiltSite], str]]:
    """``serve(site)``: the base URL of a local server for ``site``, one server per site."""
    urls: dict[Path, str] = {}
    with ExitStack() as stack:

        def start(site: BuiltSite) -> str:
            if site.out not in urls:
                urls[site.out] = stack.enter_context(serving(site.out))
            return urls[site.out]

        yield start


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Chromium for the whole session; host names other than localhost never resolve."""
    if not CHROMIUM.is_file():
        browser_unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("playwright is not installed (pip install 'algoeff[test]')")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def browser_context(browser: Any) -> Iterator[Any]:
    """One context for the session, so that Plotly's 1.2 MB bundle is fetched and compiled once.

    No request routing here: Playwright turns the HTTP cache off while a route is
    installed. Outside requests are caught by each page's request listener
    instead, and cannot succeed anyway (the resolver knows only localhost).
    """
    context = browser.new_context(viewport={"width": 1200, "height": 900}, service_workers="block")
    yield context
    context.close()


@pytest.fixture
def watched(browser_context: Any) -> Iterator[tuple[Any, Watch]]:
    """A fresh page whose console errors, page errors, dialogs and requests are recorded."""
    watch = Watch()

    def on_request(request: Any) -> None:
        watch.requests.append(request.url)
        if not is_local(request.url):
            watch.outside_requests.append(request.url)

    def on_dialog(dialog: Any) -> None:
        watch.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(message: Any) -> None:
        if message.type == "error":
            watch.console_errors.append(message.text)

    page = browser_context.new_page()
    page.on("request", on_request)
    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    yield page, watch
    page.close()
