"""Files larger than credscope holds in memory, read in overlapping windows.

A file up to worktree.MEMORY_CAP is read whole. A larger one (allowed by a raised max-file-size) is
read as consecutive windows of WINDOW bytes, each overlapping the next by 2 * OVERLAP:

    window i:    [ lead-in | owned ........................ | tail ]
    window i+1:                               [ lead-in | owned ......... | tail ]

A window owns the matches that start in its owned part; the owned parts tile the file, so
each match is reported once. The tail (OVERLAP bytes past the owned part) holds the rest of
any match that starts in it, and the lead-in (OVERLAP bytes before) gives matches near the
start the same context (the line before, a keyword above) as in the whole file. OVERLAP is
larger than any match a shipped rule can make with a bounded pattern (18 KiB today); a
pattern with an unbounded repeat matching more than OVERLAP bytes across a cut is the one
case a window can miss. Owned parts end at a line start where there is one, so a match's
line is whole in its window. Memory stays at about two windows whatever the file's size.

Each window's Blob carries its place in the file (model.Window); the pipeline drops the
matches it does not own (owned) and moves lines and columns to the file's numbering (placed).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import replace

from scanner.model import Blob, Finding, Flag, Match, Skipped, Window

WINDOW = 64 * 1024 * 1024
OVERLAP = 1024 * 1024
_CHUNK = 4 * 1024 * 1024
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
_NOT_CONTINUATION = bytes(range(0x00, 0x80)) + bytes(range(0xC0, 0x100))


def read_windows(path: str, rel: str, limit: int, flags: frozenset[Flag] = frozenset()
                 ) -> Iterator[Blob | Skipped]:
    """The windows of one regular file of at most `limit` bytes, as Blobs; a Skipped when it
    cannot be read (also part-way: the windows before it were scanned, the reason says so)."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as err:
        yield Skipped(rel, f"unreadable: {err.strerror or err}", "unreadable")
        return
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            yield Skipped(rel, "not a regular file", "unreadable")
            return
        if st.st_size > limit:
            yield Skipped(rel, f"larger than max-file-size ({st.st_size:,} bytes)",
                          "too-large")
            return
        try:
            for data, window in windows(fd, st.st_size, WINDOW, OVERLAP):
                yield Blob(path=rel, data=data, flags=flags, window=window)
        except OSError as err:
            yield Skipped(rel, f"unreadable part-way (the part before was scanned): "
                          f"{err.strerror or err}", "unreadable")
    finally:
        os.close(fd)


def windows(fd: int, size: int, window: int, overlap: int) -> Iterator[tuple[bytes, Window]]:
    """Read `size` bytes from `fd` as (data, Window) pairs (see the module docstring)."""
    buf = bytearray()
    remaining = size
    line = column = 1  # the file position of buf[0]
    own_start = index = 0
    while True:
        while len(buf) < window and remaining > 0:
            chunk = os.read(fd, min(_CHUNK, window - len(buf), remaining))
            if not chunk:  # the file shrank while being read
                remaining = 0
                break
            buf += chunk
            remaining -= len(chunk)
        last = remaining == 0
        own_end = len(buf) if last else _cut(buf, own_start, len(buf) - overlap)
        yield bytes(buf), Window(index, line, column, own_start, own_end)
        if last:
            return
        start = own_end - overlap  # the next window's lead-in starts here
        line, column = _advance(buf, start, line, column)
        del buf[:start]
        own_start, index = overlap, index + 1


def _cut(buf: bytearray, own_start: int, limit: int) -> int:
    """Where this window's owned part ends: just after the last line feed in the second half
    of what it could own, else at `limit` (a line longer than half a window is cut)."""
    floor = own_start + (limit - own_start) // 2
    newline = buf.rfind(b"\n", floor, limit)
    return newline + 1 if newline >= 0 else limit


def _advance(buf: bytearray, start: int, line: int, column: int) -> tuple[int, int]:
    """The (line, column) of buf[start], given those of buf[0]; columns count characters."""
    newlines = buf.count(b"\n", 0, start)
    if newlines:
        line += newlines
        column = 1 + _chars(buf[buf.rfind(b"\n", 0, start) + 1:start])
    else:
        column += _chars(buf[:start])
    return line, column


def _chars(data: bytes | bytearray) -> int:
    """UTF-8 characters: every byte that does not continue a multi-byte sequence."""
    return len(data) - len(bytes(data).translate(None, _NOT_CONTINUATION))


def owned(blob: Blob, matches: list[Match]) -> list[Match]:
    """The matches this blob reports: all of a whole file's, a window's own ones."""
    w = blob.window
    if w is None:
        return matches
    return [m for m in matches if w.own_start <= m.start < w.own_end]


def placed(blob: Blob, findings: Iterable[Finding]) -> list[Finding]:
    """Findings of a window moved to the file's line and column numbers (done after the
    filters, which read lines of the window's own data)."""
    w = blob.window
    if w is None:
        return list(findings)
    shift = w.column - 1  # only the window's first line starts mid-line
    out = []
    for f in findings:
        loc = f.location
        out.append(replace(f, location=replace(
            loc, line=loc.line + w.line - 1, end_line=loc.end_line + w.line - 1,
            column=loc.column + (shift if loc.line == 1 else 0),
            end_column=loc.end_column + (shift if loc.end_line == 1 else 0))))
    return out
