"""Where a report goes: stdout, a special file written in place, or a regular file replaced
atomically. Reports are written as a stream, so this is a context manager giving a text
stream.

- `-` (or no path) is stdout; `/dev/stdout`, `/dev/stderr` and `/dev/fd/N` are those
  descriptors (they are symlinks, see below, and used as shell idioms).
- A device, FIFO or socket at the path is written in place, as `> PATH` would: `-o /dev/null`
  run as root must not replace the device with a regular file.
- Anything else is written to a temporary file in the same directory (`.NAME.XXXX.partial`)
  and renamed over the path once complete, so a reader never sees half a report. The rename
  replaces only a regular file (or nothing): a symlink at the path is refused, never followed
  (a repository can plant `credscope.sarif -> ~/.bashrc` where CI writes its report) and
  never replaced (it is not a report file).
- Whatever ends the write early, an error or any BaseException (Ctrl-C; SIGTERM or SIGHUP,
  which unwind like Ctrl-C, exit 143 or 129), the temporary file is removed. Signals are
  held for the few instructions that create it, so no interrupt lands between creating the
  file and knowing its name.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO, cast

from scanner.errors import ReportError, raise_terminated

BUFFER = 1 << 20
_FD_ALIASES = {"/dev/stdout": 1, "/dev/stderr": 2}
_STOP = (signal.SIGINT, signal.SIGTERM, *((signal.SIGHUP,) if hasattr(signal, "SIGHUP") else ()))


def _replacement(err: UnicodeError) -> tuple[bytes, int]:
    """Reports are UTF-8: a file name that is not (kept as surrogate escapes since it was
    read) shows U+FFFD; SARIF URIs keep its exact bytes, percent-encoded. (Bytes: the UTF-8
    encoder takes only ASCII text from an error handler.)"""
    if not isinstance(err, UnicodeEncodeError):
        raise err
    return "\ufffd".encode() * (err.end - err.start), err.end


codecs.register_error("credscope-replace", _replacement)


@contextlib.contextmanager
def report_stream(output: Path | None) -> Iterator[TextIO]:
    if output is None or str(output) == "-":
        yield from _descriptor(sys.stdout.fileno() if _has_fd(sys.stdout) else None)
        return
    if (fd := _fd_alias(str(output))) is not None:
        yield from _descriptor(fd)
        return
    try:
        st = os.lstat(output)
    except FileNotFoundError:
        st = None
    except OSError as err:
        raise _error(err, output) from None
    if st is not None and stat.S_ISLNK(st.st_mode):
        raise ReportError("is a symbolic link: credscope neither follows nor replaces one "
                          "(remove it, or name the file it points to)", path=str(output))
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise ReportError("is a directory", path=str(output))
    with _signals_raise():
        if st is not None and not stat.S_ISREG(st.st_mode):
            with _special(output) as fh:
                yield fh
        else:
            with _atomic(output) as fh:
                yield fh


def _fd_alias(name: str) -> int | None:
    if name in _FD_ALIASES:
        return _FD_ALIASES[name]
    number = name.removeprefix("/dev/fd/")
    return int(number) if number != name and number.isdigit() else None


def _has_fd(stream: TextIO) -> bool:
    try:
        stream.fileno()
    except (AttributeError, OSError, ValueError):  # captured (pytest, CliRunner)
        return False
    return True


def _descriptor(fd: int | None) -> Iterator[TextIO]:
    """stdout (or another open descriptor) without closing it. Captured output (tests) has
    no descriptor: the text goes through sys.stdout itself."""
    sys.stdout.flush()
    if fd is None:
        yield cast(TextIO, _SafeText(sys.stdout))
        sys.stdout.flush()
        return
    try:
        raw = open(fd, "wb", buffering=0, closefd=False)  # noqa: SIM115 - closed below
    except OSError as err:
        raise ReportError(f"cannot write report: {err.strerror or err}",
                          path=f"descriptor {fd}") from None
    with io.TextIOWrapper(io.BufferedWriter(raw, BUFFER), encoding="utf-8",
                          errors="credscope-replace", newline="\n") as fh:
        yield fh
        fh.flush()


class _SafeText(io.TextIOBase):
    """A text stream that cannot raise on lone surrogates (see _replacement)."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "credscope-replace").decode("utf-8")
        return self._inner.write(text)


@contextlib.contextmanager
def _special(output: Path) -> Iterator[TextIO]:
    """A device, FIFO or socket: written in place (no O_CREAT: if it was swapped away since
    it was looked at, nothing is created; O_NOFOLLOW: nor is a symlink in its place followed)."""
    flags = os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(output, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        raise _error(err, output) from None
    try:
        with _text(fd) as fh:
            yield fh
    except OSError as err:
        raise _error(err, output) from None


@contextlib.contextmanager
def _atomic(output: Path) -> Iterator[TextIO]:
    directory = output.parent if str(output.parent) else Path()
    tmp: str | None = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with _signals_held():
            fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".partial",
                                       dir=directory)
        try:
            with _text(fd) as fh:
                yield fh
            Path(tmp).replace(output)  # a rename replaces the entry, never follows a link
            tmp = None
        finally:
            if tmp is not None:
                with _signals_held():
                    Path(tmp).unlink(missing_ok=True)
    except OSError as err:
        raise _error(err, output) from None


def _text(fd: int) -> TextIO:
    return os.fdopen(fd, "w", encoding="utf-8", errors="credscope-replace", newline="\n",
                     buffering=BUFFER)


def _error(err: OSError, output: Path) -> ReportError:
    return ReportError(f"cannot write report: {err.strerror or err}", path=str(output))


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Delay SIGINT/SIGTERM/SIGHUP for a few instructions (their handlers run right after)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """While a report is written, SIGTERM and SIGHUP raise (so the temporary file is removed)
    instead of killing the process; handlers someone else installed are left alone."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for sig in _STOP[1:]:
        if signal.getsignal(sig) is signal.SIG_DFL:
            previous[sig] = signal.signal(sig, raise_terminated)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
