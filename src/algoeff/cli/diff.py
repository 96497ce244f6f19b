"""`algoeff diff`: what the working tree changes against a git revision, in Markdown.

A thin layer over algoeff.outputs.diff, which reads the old revision with git and
compares the two datasets.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from algoeff.cli.common import resolve_root, root_option
from algoeff.outputs.diff import (
    default_base,
    diff_markdown,
    export_revision,
    load_side,
    resolve_revision,
)


@click.command()
@click.option(
    "--base",
    metavar="REF",
    help="The git revision to compare with (a branch, tag or commit). "
    "Default: the merge base of HEAD with main (or origin/main).",
)
@root_option
def diff(base: str | None, root: Path | None) -> None:
    """Print, in Markdown, what the working tree changes against a git revision: entries
    added, removed and changed (fields, compute before and after), each benchmark's
    frontier (a new state of the art, its reduction against the baseline and the previous
    best) and the fitted halving time with its interval.

    The old revision is read with git (the working tree is not touched). Nothing changed:
    one line says so. In CI, append the output to $GITHUB_STEP_SUMMARY.

    \b
    Examples:
        algoeff diff
        algoeff diff --base HEAD~1 >> "$GITHUB_STEP_SUMMARY"
    """
    path = resolve_root(root)
    if base is None:
        label, commit = default_base(path)
    else:
        label, commit = base, resolve_revision(path, base)
    shown = f"`{label}` ({commit[:7]})" if label != commit else f"`{commit[:7]}`"
    with tempfile.TemporaryDirectory(prefix="algoeff-diff-") as tmp:
        old = load_side(export_revision(path, commit, Path(tmp)))
        new = load_side(path)
        assert new is not None
        click.echo(diff_markdown(old, new, shown), nl=False)
