"""The main job from one load: check the dataset, write every derived file, build the site.

`algoeff check`, `render` and `site build` each load the dataset for themselves, as a
contributor or CI runs them one at a time; `algoeff build` (and `make run`) does all
three from a single load and a single derivation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from algoeff.core.errors import Problem, ProblemsError
from algoeff.dataset.checks import audit_dataset
from algoeff.dataset.trend import fit_trends
from algoeff.outputs.render import write_outputs
from algoeff.outputs.site.build import (
    DEFAULT_OUT,
    DEFAULT_REPO_URL,
    SiteResult,
    check_out,
    check_repo_url,
    plotly_js,
    write_site,
)


@dataclass(frozen=True)
class BuildResult:
    """What a build did: the warnings it found, the generated files it changed, the site."""

    warnings: list[Problem]
    written: list[Path]
    site: SiteResult


def build_all(
    root: Path,
    out: Path = DEFAULT_OUT,
    *,
    repo_url: str = DEFAULT_REPO_URL,
    today: dt.date | None = None,
) -> BuildResult:
    """Load and check the dataset at ``root`` once, write its derived files, build its site.

    Raises ProblemsError with every error `algoeff check` would report, and writes
    nothing then. The site's options (``out``, ``repo_url``, the `site` extra) are
    checked before the dataset is loaded, so a mistake there fails at once.
    """
    check_repo_url(repo_url)
    plotly_js()
    check_out(out)
    audit = audit_dataset(root, today=today)
    if audit.errors:
        raise ProblemsError(audit.errors)
    # Fitted once for both outputs: the README's halving table and the site's pages.
    trends = fit_trends(audit.views)
    written, render_warnings = write_outputs(audit.dataset, audit.views, trends)
    site = write_site(audit.dataset, audit.views, out, repo_url=repo_url, trends=trends)
    return BuildResult([*audit.problems, *render_warnings], written, site)
