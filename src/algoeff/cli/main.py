"""The `algoeff` group: every command, and the one place user mistakes become one line.

Command modules import torch (the `flops` and `measure` commands) only inside the
command that needs it, so `algoeff --help` and the dataset commands never import it.
"""

from __future__ import annotations

from typing import Any

import click

from algoeff.cli.dataset import build, check, render, schema, show
from algoeff.cli.diff import diff
from algoeff.cli.estimate import estimate
from algoeff.cli.flops import flops
from algoeff.cli.measure import measure
from algoeff.cli.new import new
from algoeff.cli.sensitivity import sensitivity_command
from algoeff.cli.site import site
from algoeff.cli.trend import trend
from algoeff.core.errors import AlgoeffError

COMMANDS: dict[str, click.Command] = {
    command.name or "": command
    for command in (
        build,
        check,
        render,
        show,
        schema,
        new,
        diff,
        estimate,
        trend,
        sensitivity_command,
        site,
        flops,
        measure,
    )
}


class Group(click.Group):
    """The top-level group: an AlgoeffError from any command is one line, exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AlgoeffError as exc:
            raise UserError(str(exc)) from None


class UserError(click.ClickException):
    """An AlgoeffError shown as `error: ...`, exit status 1, never a traceback."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


@click.group(cls=Group, commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="algoeff")
def cli() -> None:
    """Track the training compute it takes to reach a fixed level of performance.

    \b
    Example:
        algoeff check && algoeff render && algoeff show imagenet-alexnet-level
    """


def main(argv: list[str] | None = None) -> Any:
    """Console entry point."""
    return cli.main(args=argv, prog_name="algoeff")
