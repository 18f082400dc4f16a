"""The ScannerError tree and the one place that turns errors into exit codes.

Exit codes: 0 clean · 1 findings at or above --fail-on · 2 usage or config error ·
3 internal error (never reported as findings) · 130 interrupted (SIGINT, Ctrl-C) ·
129 hung up (SIGHUP) · 143 terminated (SIGTERM).
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
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
# The shell's convention for a process ended by a signal: 128 + the signal's number.
EXIT_HANGUP = 128 + signal.SIGHUP
EXIT_TERMINATED = 128 + signal.SIGTERM


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
    """Where tracebacks go; users see one line pointing here. $CREDSCOPE_DEBUG_LOG, else
    debug.log in credscope's own state directory ($XDG_STATE_HOME/credscope, or
    ~/.local/state/credscope), which only the user may enter: never a predictable name in
    a shared temporary directory, where another user could plant a link or read it."""
    explicit = os.environ.get("CREDSCOPE_DEBUG_LOG")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME")
    try:
        state = Path(base) if base else Path.home() / ".local" / "state"
    except RuntimeError:
        state = Path(tempfile.mkdtemp(prefix="credscope-"))
    return state / "credscope" / "debug.log"


def _private_dir(directory: Path) -> bool:
    """Create `directory` (0700) or accept it only if it is a real directory of ours that no
    one else may write to."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(directory)
    except OSError:
        return False
    uid = os.getuid() if hasattr(os, "getuid") else st.st_uid
    return stat.S_ISDIR(st.st_mode) and st.st_uid == uid and not st.st_mode & 0o022


def _open_log(path: Path) -> tuple[int, Path] | None:
    """The log opened for appending: never through a symlink, created 0600, ours. Where the
    usual place is unsafe (a planted link, a directory others may write), a fresh private
    directory of mkdtemp's takes it."""
    if os.environ.get("CREDSCOPE_DEBUG_LOG") or _private_dir(path.parent):
        opened = _open_private(path)
        if opened is not None:
            return opened, path
    try:
        path = Path(tempfile.mkdtemp(prefix="credscope-")) / "debug.log"
    except OSError:
        return None
    opened = _open_private(path)
    return (opened, path) if opened is not None else None


def _open_private(path: Path) -> int | None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError:
        return None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or (hasattr(os, "getuid") and st.st_uid != os.getuid()):
        os.close(fd)
        return None
    return fd


def write_debug_log(exc: BaseException) -> Path | None:
    """Append the traceback to the private debug log; where it went, or None."""
    opened = _open_log(debug_log_path())
    if opened is None:
        return None
    fd, path = opened
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)) + "\n"
    try:
        with os.fdopen(fd, "a", encoding="utf-8", errors="replace") as log:
            log.write(text)
    except OSError:
        return None
    return path


def report_internal_error(exc: BaseException) -> int:
    """Log the traceback and tell the user in one line; return the internal-error code."""
    from scanner.paths import printable  # noqa: PLC0415 - paths imports this module

    log = write_debug_log(exc)
    where = f" (traceback in {log})" if log else ""
    print(
        f"credscope: internal error: {type(exc).__name__}: {printable(str(exc))}{where}. "
        "This is a bug in credscope, not a finding.",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwind like Ctrl-C (workers and git reaped, no partial
    report left behind), then exit 128 + the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def raise_terminated(signum: int, _frame: object) -> None:
    """A signal handler: SIGTERM or SIGHUP unwinds as Terminated."""
    raise Terminated(signum)


def handle_termination() -> None:
    """SIGTERM and SIGHUP unwind the way SIGINT does (a CI runner cancelling a job sends
    SIGTERM; a closed terminal, SIGHUP). Only the main thread may set handlers."""
    import threading  # noqa: PLC0415

    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            signal.signal(sig, raise_terminated)


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
    except Terminated as stop:
        name = signal.Signals(stop.signum).name
        print(f"credscope: stopped by {name}", file=sys.stderr)
        raise SystemExit(128 + stop.signum) from None
    except ScannerError as err:
        from scanner.paths import printable  # noqa: PLC0415 - paths imports this module

        print(f"credscope: error: {printable(str(err))}", file=sys.stderr)  # names repo files
        raise SystemExit(err.exit_code) from None
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the one place every unexpected error lands
        raise SystemExit(report_internal_error(exc)) from None
