"""The `credscope` command's entry point: `credscope guard claude-code|cursor` is a hook,
run once for every tool call an agent makes, so it goes straight to the guard's lean entry
(scanner/guard/main.py) instead of loading the typer command line and everything it
imports first (five times its whole decision). Every other command, and `--help`, is the
command line's.
"""

from __future__ import annotations

import sys

_HOOKS = ("claude-code", "cursor")


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["guard"] and args[1:2] and args[1] in _HOOKS and not (
            {"--help", "-h"} & set(args)):
        from scanner.guard.cachedir import keep_bytecode  # noqa: PLC0415

        keep_bytecode()  # before the guard's modules are imported (see cachedir.py)
        from scanner.guard.main import console  # noqa: PLC0415

        console(args[1:])
    from scanner.cli import main as cli  # noqa: PLC0415

    cli()
