"""The public static website: a home page of headlines, a page per benchmark and per entry.

Build with `algoeff site build` (needs the ``site`` extra for Plotly's bundled
JavaScript); preview with `algoeff site serve`. See docs/site.md.

- ``build_site(root, out, repo_url=...)``: load and check the dataset at ``root``, then write;
- ``write_site(dataset, views, out, repo_url=...)``: write a dataset already loaded and
  derived (``algoeff.dataset.checks.clean_audit(root)``: ``.dataset`` and ``.views``).
"""

from __future__ import annotations

from algoeff.outputs.site.build import (
    DEFAULT_OUT,
    DEFAULT_REPO_URL,
    SiteResult,
    build_site,
    write_site,
)

__all__ = ["DEFAULT_OUT", "DEFAULT_REPO_URL", "SiteResult", "build_site", "write_site"]
