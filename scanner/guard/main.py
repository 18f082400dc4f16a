"""The hook process: `python -m scanner.guard AGENT [--config FILE] [--fail-closed]`.

Reads one event on stdin, prints the agent's answer on stdout, exits 0. It imports neither
typer nor the scanner's pipeline (a hook is a new process for every tool call), and it
never prints a secret. When the guard itself fails (an unreadable event, a broken config, a
bug), it fails open, leaving the call to the agent's own permission flow, with one line on
stderr, unless fail-closed is set (`--fail-closed`, or `fail-closed = true` in the guard
config): then it answers deny (block, for prompts) and says why.
"""

from __future__ import annotations

import json
import sys
from types import ModuleType
from typing import IO, Any

MAX_EVENT = 32 * 1024 * 1024
USAGE = "usage: python -m scanner.guard claude-code|cursor [--config FILE] [--fail-closed]"


def _adapter(agent: str) -> ModuleType | None:
    if agent == "claude-code":
        from scanner.guard import claude_code  # noqa: PLC0415

        return claude_code
    if agent == "cursor":
        from scanner.guard import cursor  # noqa: PLC0415

        return cursor
    return None


def run(argv: list[str], stdin: IO[str], stdout: IO[str], stderr: IO[str]) -> int:
    agent = argv[0] if argv else ""
    adapter = _adapter(agent)
    options = argv[1:]
    config_file = options[options.index("--config") + 1] if "--config" in options[:-1] else None
    fail_closed = "--fail-closed" in options
    if adapter is None or any(o not in ("--config", "--fail-closed", config_file)
                              for o in options):
        print(USAGE, file=stderr)
        return 2
    event: dict[str, Any] = {}
    try:
        from scanner.guard import settings  # noqa: PLC0415

        raw = json.loads(stdin.read(MAX_EVENT) or "{}")
        event = raw if isinstance(raw, dict) else {}
        config = settings.load(config_file)
        fail_closed = fail_closed or config.fail_closed
        from scanner.guard.core import decide  # noqa: PLC0415

        decision = decide(adapter.actions(event), adapter.cwd(event), config)
        answer = adapter.render(decision, event)
        for note in decision.notes:
            print(f"credscope guard: note: {note}", file=stderr)
    except Exception as err:  # noqa: BLE001 - a hook must answer whatever went wrong
        message = f"credscope guard could not judge this call ({_describe(err)})"
        if not fail_closed:
            print(f"{message}; failing open (set fail-closed to block instead)", file=stderr)
            return 0
        answer = adapter.failure(event, f"{message}; fail-closed is set")
    if answer is not None:
        stdout.write(json.dumps(answer) + "\n")
    return 0


def _describe(err: Exception) -> str:
    """A configuration or rule error says what is wrong (its message is the guard's own
    words); anything else is named by its type only, its traceback going to the debug log:
    an unexpected exception's text could hold what the tool call handed over."""
    from scanner.errors import ScannerError, write_debug_log  # noqa: PLC0415

    if isinstance(err, ScannerError):
        return str(err)
    if isinstance(err, ValueError) and type(err).__name__ == "JSONDecodeError":
        return "the event is not JSON"
    log = write_debug_log(err)  # private, never through a link (errors.py)
    if log is None:
        return f"{type(err).__name__}; a bug in credscope"
    return f"{type(err).__name__}; a bug in credscope, traceback in {log}"


def console(argv: list[str]) -> None:
    """Run as a process: bytecode kept (cachedir.keep_bytecode), then exit with the code."""
    from scanner.guard.cachedir import keep_bytecode  # noqa: PLC0415

    keep_bytecode()
    sys.exit(run(argv, sys.stdin, sys.stdout, sys.stderr))


def console_main() -> None:
    """`credscope-guard AGENT ...`"""
    console(sys.argv[1:])
