"""Reelsmith's entry point: a subcommand runs headless (core.cli), anything else opens the app."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from core.cli import COMMANDS

    if argv and (argv[0] in COMMANDS or argv[0] in ("-h", "--help", "--version")):
        from core.cli import main as cli_main

        return cli_main(argv)
    from desktop.app import run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
