"""The `terraquota` command line: `commands` declares the options, one module per command does the work."""

from scenarios.cli.commands import app, main

__all__ = ["app", "main"]
