"""The `algoeff` command line, the top layer: one module per command group, each thin.

A command parses its options, calls one library function that returns data, and
prints it. Nothing below this package imports from it.
"""

from algoeff.cli.main import COMMANDS, cli, main

__all__ = ["COMMANDS", "cli", "main"]
