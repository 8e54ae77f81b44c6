"""The ``nhsip-desktop policy`` commands (wired into ``cli.py``; keep heavy imports inside run)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``policy`` command and its subcommands to the top-level parser."""
    sub.add_parser("policy", help="(not yet built)")


def run(args: argparse.Namespace) -> int:
    """Run a ``policy`` subcommand; return the exit code (see cli.EXIT_*)."""
    raise NotImplementedError
