"""The ScannerError tree and the one place that turns errors into exit codes.

Exit codes: 0 clean · 1 findings at or above --fail-on · 2 usage or config error ·
3 internal error (never reported as findings) · 130 interrupted.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import traceback
from collections.abc import Iterator
from pathlib import Path

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


class ScannerError(Exception):
    """Base of every error credscope raises on purpose. Carries where and why."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ConfigError(ScannerError):
    """A bad configuration or policy file or option."""


class RuleError(ScannerError):
    """A rule file that does not load: names file, rule id and field."""

    def __init__(
        self, message: str, *, path: str | None = None, rule_id: str | None = None,
        field: str | None = None,
    ) -> None:
        where = " ".join(p for p in (f"rule {rule_id}" if rule_id else "",
                                     f"field {field!r}" if field else "") if p)
        super().__init__(f"{where}: {message}" if where else message, path=path)
        self.rule_id = rule_id
        self.field = field


class SourceError(ScannerError):
    """The thing to scan cannot be opened at all (not a directory, not a repository)."""


class BaselineError(ScannerError):
    """A baseline file that cannot be read or written."""


class ReportError(ScannerError):
    """A report that cannot be written."""


class InternalError(ScannerError):
    exit_code = EXIT_INTERNAL


def debug_log_path() -> Path:
    """Where tracebacks go; users see one line pointing here."""
    base = os.environ.get("CREDSCOPE_DEBUG_LOG")
    if base:
        return Path(base)
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"credscope-debug-{uid}.log"


def _write_debug_log(exc: BaseException) -> Path | None:
    path = debug_log_path()
    try:
        with path.open("a", encoding="utf-8") as log:
            log.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
            log.write("\n")
    except OSError:
        return None
    return path


def report_internal_error(exc: BaseException) -> int:
    """Log the traceback and tell the user in one line; return the internal-error code."""
    from scanner.paths import printable  # noqa: PLC0415 - paths imports this module

    log = _write_debug_log(exc)
    where = f" (traceback in {log})" if log else ""
    print(
        f"credscope: internal error: {type(exc).__name__}: {printable(str(exc))}{where}. "
        "This is a bug in credscope, not a finding.",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


class ExitCode(Exception):
    """Raised inside error_handler() to finish with a specific exit code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@contextlib.contextmanager
def error_handler() -> Iterator[None]:
    """Map every way out of a command to its exit code. Used by the CLI and the hook."""
    try:
        yield
    except ExitCode as done:
        raise SystemExit(done.code) from None
    except KeyboardInterrupt:
        print("credscope: interrupted", file=sys.stderr)
        raise SystemExit(EXIT_INTERRUPTED) from None
    except ScannerError as err:
        from scanner.paths import printable  # noqa: PLC0415 - paths imports this module

        print(f"credscope: error: {printable(str(err))}", file=sys.stderr)  # names repo files
        raise SystemExit(err.exit_code) from None
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the one place every unexpected error lands
        raise SystemExit(report_internal_error(exc)) from None
