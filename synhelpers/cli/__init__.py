"""The ``synhelpers`` command: one subcommand per notebook step, parsing and printing only.

Exit codes: 0 success; 1 a step ran and failed (a failed pipeline activity, a parity failure,
out-of-date artifacts); 2 bad input (a parameter, a missing table or model) -- the message names
it and says what to do. Errors and JSON summaries are printed with secure values and SAS
signatures masked (:mod:`synhelpers.runtime.secrets`).
"""
from __future__ import annotations

import argparse
import sys

from ..exceptions import ConfigError, ModelRegistryError, SynHelpersError
from ..runtime.secrets import mask

OK, FAILED, BAD_INPUT = 0, 1, 2

_COMMANDS = ("table", "train", "sqlpool", "score", "pipeline", "artifacts", "demo", "kernel")


def build_parser() -> argparse.ArgumentParser:
    from importlib import import_module
    parser = argparse.ArgumentParser(
        prog="synhelpers", description="The Synapse AutoML + SQL PREDICT tutorial, step by step, "
        "locally or in Synapse. Each command is a notebook step.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in _COMMANDS:
        import_module(f".{name}_cmd", __name__).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or OK)
    except (ConfigError, ModelRegistryError) as exc:
        print(f"error: {mask(str(exc))}", file=sys.stderr)
        return BAD_INPUT
    except SynHelpersError as exc:
        print(f"error: {type(exc).__name__}: {mask(str(exc))}", file=sys.stderr)
        return FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def print_json(value) -> None:
    """``value`` as JSON, secure values and SAS signatures masked."""
    import json
    print(json.dumps(mask(value), indent=2, default=str))
