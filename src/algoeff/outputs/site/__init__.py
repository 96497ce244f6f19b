"""The public static website: a home page of headlines, a page per benchmark and per entry.

Build with `algoeff site build` (needs the ``site`` extra for Plotly's bundled
JavaScript); preview with `algoeff site serve`. See docs/site.md.
"""

from __future__ import annotations

from algoeff.outputs.site.build import DEFAULT_OUT, DEFAULT_REPO_URL, SiteResult, build_site

__all__ = ["DEFAULT_OUT", "DEFAULT_REPO_URL", "SiteResult", "build_site"]
