"""The command line: main(argv) -> int and one module per subcommand."""

from qualscore.cli.app import main

__all__ = ["main"]
