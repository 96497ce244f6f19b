"""What a build is, for citing it: the dataset's version, the commit built and its date.

    build_info(dataset, repo_url) -> BuildInfo
    cite_block(info, base, entry=None) -> str     the "Cite this" block of every page

The commit is ``git rev-parse HEAD`` in the dataset's folder when that folder is
a git checkout, else 'unknown'; the build date is that commit's date (``git log
-1 --format=%cI``), never the wall clock, so the same commit always builds the
same bytes. ``ALGOEFF_DATA_VERSION``, ``ALGOEFF_BUILD_COMMIT`` and
``ALGOEFF_BUILD_DATE`` (or the arguments of the same names) override each part,
e.g. for a build from an exported tarball.

Links to the repository are pinned to the commit: a ``repo_url`` of the form
``https://host/owner/name/blob/<ref>/`` becomes ``.../blob/<commit>/``, so a
permalink keeps pointing at the file as it was built, not at a moving branch.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from algoeff.core.errors import InputError
from algoeff.dataset.load import Dataset
from algoeff.outputs.site.templates import METHODS, esc, ext_link

UNKNOWN = "unknown"
UNVERSIONED = "unversioned"
ENV_VERSION = "ALGOEFF_DATA_VERSION"
ENV_COMMIT = "ALGOEFF_BUILD_COMMIT"
ENV_DATE = "ALGOEFF_BUILD_DATE"
TITLE = "algoeff: a recomputable tracker of algorithmic efficiency in machine learning"
AUTHOR = "algoeff contributors"
DATA_LICENCE = "CC BY 4.0"
DATA_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
DATA_LICENCE_FILE = "LICENSE-DATA.md"
GIT_TIMEOUT_S = 60

_SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
_COMMIT = re.compile(r"^[0-9a-f]{7,64}$")
_BLOB = re.compile(r"^(?P<repo>https?://[^?#]+?)/blob/[^/?#]+/$")
# A URL in BibTeX sits between braces: its own braces (a file name may hold them) could close
# the field or the entry, and a backslash start a command; percent-encoded, they cannot.
_BIBTEX_URL = str.maketrans({"{": "%7B", "}": "%7D", "\\": "%5C"})


@dataclass(frozen=True)
class BuildInfo:
    """The dataset version, the commit built and its date, and where the repository is."""

    version: str  # semantic, from data/dataset.yaml; 'unversioned' without it
    commit: str  # the full hash, or 'unknown' outside a git checkout
    committed: str  # the commit's date as ISO 8601 with its offset, or 'unknown'
    repo_url: str  # base of the links to files, pinned to ``commit`` where it can be
    repository: str  # the repository's own page

    @property
    def date(self) -> str:
        """The build date, YYYY-MM-DD (the commit's), or 'unknown'."""
        return self.committed[:10] if self.committed != UNKNOWN else UNKNOWN

    @property
    def short_commit(self) -> str:
        return self.commit[:12]

    def as_dict(self) -> dict[str, str]:
        """The fields the downloads carry."""
        return {
            "dataset_version": self.version,
            "build_commit": self.commit,
            "build_date": self.date,
            "data_licence": DATA_LICENCE,
        }


def git(root: Path, *args: str) -> str | None:
    """``git -C root args``'s output, stripped; None when git is missing, fails or says nothing."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    out = done.stdout.strip()
    return out if done.returncode == 0 and out else None


def pin(repo_url: str, commit: str) -> str:
    """``.../blob/<ref>/`` with the ref replaced by ``commit``; ``repo_url`` as it is otherwise."""
    match = _BLOB.match(repo_url)
    if match is None or commit == UNKNOWN:
        return repo_url
    return f"{match['repo']}/blob/{commit}/"


def repository_of(repo_url: str) -> str:
    """The repository's page: ``repo_url`` without its ``/blob/<ref>/`` tail."""
    match = _BLOB.match(repo_url)
    return match["repo"] if match else repo_url.rstrip("/")


def _checked(value: str, pattern: re.Pattern[str], what: str, example: str) -> str:
    if value != UNKNOWN and not pattern.match(value):
        raise InputError(f"{what}: {value!r} is not valid (expected e.g. {example})")
    return value


def build_info(
    dataset: Dataset,
    repo_url: str,
    *,
    version: str | None = None,
    commit: str | None = None,
    date: str | None = None,
) -> BuildInfo:
    """The build's version, commit and date: the arguments, else the environment, else the
    dataset (data/dataset.yaml) and its git checkout. InputError for a malformed override."""
    version = version or os.environ.get(ENV_VERSION) or dataset.version or UNVERSIONED
    if version != UNVERSIONED:
        _checked(version, _SEMVER, f"dataset version ({ENV_VERSION})", "1.2.0")
    commit = commit or os.environ.get(ENV_COMMIT) or git(dataset.root, "rev-parse", "HEAD")
    commit = _checked((commit or UNKNOWN).lower(), _COMMIT, f"commit ({ENV_COMMIT})", "a1b2c3d")
    committed = date or os.environ.get(ENV_DATE)
    if committed is None and commit != UNKNOWN:
        committed = git(dataset.root, "log", "-1", "--format=%cI", commit)
    committed = committed or UNKNOWN
    if committed != UNKNOWN:
        try:
            dt.datetime.fromisoformat(committed)
        except ValueError:
            raise InputError(
                f"build date ({ENV_DATE}): {committed!r} is not an ISO 8601 date "
                "(expected e.g. 2026-01-31 or 2026-01-31T12:00:00+00:00)"
            ) from None
    return BuildInfo(version, commit, committed, pin(repo_url, commit), repository_of(repo_url))


# -- the block on every page -------------------------------------------------------


def citation_text(info: BuildInfo) -> str:
    """The citation as one line of plain text."""
    year = info.date[:4] if info.date != UNKNOWN else "n.d."
    return (
        f"{AUTHOR} ({year}). {TITLE}. Dataset version {info.version}, built {info.date} "
        f"from commit {info.short_commit}. {info.repository}. Data licence: {DATA_LICENCE}."
    )


def bibtex(info: BuildInfo, permalink: str | None = None, key_suffix: str = "") -> str:
    """A BibTeX @misc entry with the version and build date (``permalink`` as its url)."""
    key = "algoeff_" + info.version.replace(".", "_") + key_suffix
    fields = [
        ("author", "{" + AUTHOR + "}"),
        ("title", TITLE),
        ("version", info.version),
        ("note", f"Dataset version {info.version}, built {info.date} from commit {info.commit}"),
        ("howpublished", f"\\url{{{(permalink or info.repository).translate(_BIBTEX_URL)}}}"),
    ]
    if info.date != UNKNOWN:
        fields.insert(2, ("year", info.date[:4]))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}"


def cite_block(info: BuildInfo, base: str, entry: tuple[str, str, str] | None = None) -> str:
    """The "Cite this" block: the citation as text and as BibTeX, the data licence, and for
    an entry page (``entry`` = benchmark id, entry id, file path in the repository) a
    permalink to the analysis file at the built commit."""
    permalink = None
    pinned = ""
    suffix = ""
    if entry is not None:
        bench_id, entry_id, rel = entry
        permalink = info.repo_url + rel
        suffix = "_" + re.sub(r"[^A-Za-z0-9]+", "_", f"{bench_id}_{entry_id}")
        at = f"{rel} at commit {info.short_commit}" if info.commit != UNKNOWN else rel
        pinned = f"<p>Permalink to this entry: {ext_link(permalink, at)}</p>\n"
    licence = ext_link(info.repo_url + DATA_LICENCE_FILE, DATA_LICENCE_FILE)
    return f"""<section class="cite" id="cite" aria-labelledby="cite-title">
<h2 id="cite-title">Cite this</h2>
<p class="cite-text">{esc(citation_text(info))}</p>
{pinned}<pre class="bibtex"><code>{esc(bibtex(info, permalink, suffix))}</code></pre>
<p>The data are licensed under {ext_link(DATA_LICENCE_URL, DATA_LICENCE)} ({licence}); the code
under MIT. How every number is computed: <a href="{esc(base + METHODS)}">methods</a>.</p>
</section>
"""
