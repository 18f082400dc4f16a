"""What a content search would print: the lines of the named files (or of every file under a
named directory) that match its pattern. Bounded: a recursive search opens at most
`max_files` files of at most `max_size` bytes each, skipping dependency and tool caches,
binary files and, for ripgrep-style tools, hidden files; what it could not open it counts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scanner.guard.commands import FileUse
from scanner.guard.lookup import read_capped

_SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox",
                        ".nox", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
                        "dist", "build", ".next", "target", ".terraform"})
# Basic and extended grep syntax that Python's `re` reads differently.
_BRE = (("\\|", "|"), ("\\(", "("), ("\\)", ")"), ("\\+", "+"), ("\\?", "?"),
        ("\\<", r"\b"), ("\\>", r"\b"), ("[[:alnum:]]", "[A-Za-z0-9]"),
        ("[[:alpha:]]", "[A-Za-z]"), ("[[:digit:]]", "[0-9]"), ("[[:space:]]", r"\s"),
        ("[[:upper:]]", "[A-Z]"), ("[[:lower:]]", "[a-z]"))


@dataclass
class Printed:
    path: str
    data: bytes  # the lines the search shows, each ending in a newline


def matcher(use: FileUse) -> re.Pattern[bytes] | None:
    """The search's pattern as a Python regex; None means every line (no pattern, or one
    Python cannot read: the guard then judges the whole file, the cautious reading)."""
    if use.pattern is None:
        return None
    text = re.escape(use.pattern) if use.fixed else use.pattern
    if not use.fixed:
        for grep, python in _BRE:
            text = text.replace(grep, python)
    try:
        return re.compile(text.encode("utf-8", "replace"), re.IGNORECASE if use.ignore_case
                          else 0)
    except re.error:
        return None


def printed(use: FileUse, max_files: int, max_size: int) -> Iterator[Printed]:
    rx = matcher(use)
    for path in _files(use, max_files):
        data = read_capped(path, max_size)
        if data is None:
            continue
        if rx is None:
            yield Printed(path, data)
            continue
        if not use.invert and not rx.search(data):
            continue
        lines = [line for line in data.splitlines(keepends=True)
                 if bool(rx.search(line)) != use.invert]
        if lines:
            yield Printed(path, b"".join(lines))


def _files(use: FileUse, max_files: int) -> Iterator[str]:
    if not Path(use.path).is_dir():
        yield use.path
        return
    if not use.recursive:
        return
    opened = 0
    for directory, dirs, names in os.walk(use.path):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and
                         not (use.respects_ignores and d.startswith(".")))
        for name in sorted(names):
            if use.respects_ignores and name.startswith("."):
                continue
            opened += 1
            if opened > max_files:
                return
            yield str(Path(directory) / name)
