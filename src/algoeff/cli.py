"""The `algoeff` command line: a thin Click layer over the library.

Commands that need optional extras (torch, plotly) live in their own modules and
are imported only when run, so `algoeff --help` and the core never import torch.
"""

from __future__ import annotations

import gc
import importlib
from typing import Any

import click

from algoeff.errors import AlgoeffError

# name -> "module:attribute"; imported on first use.
LAZY_COMMANDS: dict[str, str] = {
    "estimate": "algoeff.cli_estimate:estimate",
    "check": "algoeff.cli_dataset:check",
    "render": "algoeff.cli_dataset:render",
    "show": "algoeff.cli_dataset:show",
    "schema": "algoeff.cli_dataset:schema",
    "trend": "algoeff.trend_cli:trend",
    "site": "algoeff.site.cli:site",
    "flops": "algoeff.measure.cli_flops:flops",
    "measure": "algoeff.measure.cli_measure:measure",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when listed or invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(LAZY_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = LAZY_COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """User mistakes raised as AlgoeffError become one line and exit status 1."""
        try:
            return super().invoke(ctx)
        except AlgoeffError as exc:
            raise UserError(str(exc)) from None


class UserError(click.ClickException):
    """An AlgoeffError shown as `error: ...`, exit status 1, never a traceback."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="algoeff")
def cli() -> None:
    """Track the training compute it takes to reach a fixed level of performance.

    \b
    Example:
        algoeff check && algoeff render && algoeff show imagenet-alexnet-level
    """


def main(argv: list[str] | None = None) -> Any:
    """Console entry point."""
    # A command is a short-lived process that builds many small objects and frees them all at
    # exit; Python's cycle collector would only rescan them (a third of the CPU time of loading
    # 10,000 entries). Reference counting still frees everything that is not in a cycle.
    gc.disable()
    return cli.main(args=argv, prog_name="algoeff")
