"""The GitHub workflows parse, pin their actions by version, run the contributor's checks,
and call only `algoeff` commands and options that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import click
import pytest

from algoeff.cli import COMMANDS
from algoeff.core.parsing import parse_yaml

WORKFLOWS = Path(__file__).resolve().parents[1] / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
# An exact release (v4.2.2) or a full commit hash; never a moving tag or branch.
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$")
SHELL_ENDS = frozenset({">>", ">", "|", "&&", "||", ";"})


def _load(path: Path) -> dict[str, Any]:
    data = parse_yaml(path.read_text(), path.name)
    assert isinstance(data, dict)
    return data


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def _algoeff_calls(workflow: dict[str, Any]) -> list[list[str]]:
    """The arguments of every `algoeff` call in the workflow's run scripts."""
    calls = []
    for step in _steps(workflow):
        for line in str(step.get("run", "")).splitlines():
            words = shlex.split(line, comments=True)
            for i, word in enumerate(words):
                if word == "algoeff":
                    args = []
                    for arg in words[i + 1 :]:
                        if arg in SHELL_ENDS:
                            break
                        args.append(arg)
                    calls.append(args)
    return calls


def _parse(args: list[str]) -> None:
    """Parse ``args`` as the CLI would, without running the command."""
    command: click.Command = click.Group(commands=COMMANDS)
    while isinstance(command, click.Group):
        name, *args = args
        assert name in command.commands, f"algoeff has no command {name!r}"
        command = command.commands[name]
    command.make_context(command.name or "", args)


def test_there_are_workflows() -> None:
    assert [f.name for f in FILES] == ["pages.yml", "pull-request.yml"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_actions_are_pinned(path: Path) -> None:
    uses = [s["uses"] for s in _steps(_load(path)) if "uses" in s]
    assert uses
    assert [u for u in uses if not PINNED.match(u)] == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_algoeff_call_exists(path: Path) -> None:
    """Each `algoeff ...` call names a command of the CLI and options it accepts."""
    calls = _algoeff_calls(_load(path))
    assert calls
    for args in calls:
        _parse(args)


def test_an_unknown_option_is_caught() -> None:
    """The parse above is strict: a misspelt option fails it."""
    with pytest.raises(click.UsageError):
        _parse(["check", "--fromat", "github"])
    with pytest.raises(AssertionError):
        _parse(["chek"])


def test_pull_request_runs_the_contributor_checks() -> None:
    workflow = _load(WORKFLOWS / "pull-request.yml")
    assert list(workflow["on"]) == ["pull_request"]
    calls = _algoeff_calls(workflow)
    assert ["check", "--format", "github"] in calls
    assert ["render", "--check"] in calls
    assert any(c[0] == "diff" for c in calls)
    runs = [str(s.get("run", "")) for s in _steps(workflow)]
    assert any('>> "$GITHUB_STEP_SUMMARY"' in r and "algoeff diff" in r for r in runs)
    assert any("pytest" in r for r in runs)
    # Untrusted refs reach the script through the environment, never as ${{ }} in it.
    assert not any("${{" in r for r in runs)


def test_main_builds_and_deploys_the_site() -> None:
    workflow = _load(WORKFLOWS / "pages.yml")
    assert workflow["on"]["push"] == {"branches": ["main"]}
    assert ["build", "--out", "_site"] in _algoeff_calls(workflow)
    uses = [s["uses"].split("@")[0] for s in _steps(workflow) if "uses" in s]
    assert "actions/upload-pages-artifact" in uses
    assert "actions/deploy-pages" in uses
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
