"""What a content search (grep, rg, Claude Code's Grep) would print: the lines matching its
pattern in the files it names or finds under the directories it names. The guard looks only
where a credential could be: it finds the credentials in each file first (the prefilter
makes that nearly free), then asks whether their lines match the pattern.

The pattern is the agent's text, hostile input: a line longer than `MAX_LINE` or a pattern
with a quantified group (the shape of catastrophic backtracking, `(a+)+$`) is taken to match,
the cautious reading, and is never run. The walk opens at most `max_files` files, skipping
dependency and tool caches, binary files and, for ripgrep-style tools, hidden files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from scanner.guard.commands import FileUse

MAX_LINE = 2000
_SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox",
                        ".nox", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
                        "dist", "build", ".next", "target", ".terraform"})
# Basic and extended grep syntax that Python's `re` reads differently.
_BRE = (("\\|", "|"), ("\\(", "("), ("\\)", ")"), ("\\+", "+"), ("\\?", "?"),
        ("\\<", r"\b"), ("\\>", r"\b"), ("[[:alnum:]]", "[A-Za-z0-9]"),
        ("[[:alpha:]]", "[A-Za-z]"), ("[[:digit:]]", "[0-9]"), ("[[:space:]]", r"\s"),
        ("[[:upper:]]", "[A-Z]"), ("[[:lower:]]", "[a-z]"))
_QUANTIFIED_GROUP = re.compile(r"\)(?:[*+]|\{\d*,)")


def line_filter(use: FileUse) -> Callable[[bytes], bool]:
    """Whether the search prints a given line."""
    if use.pattern is None:
        return lambda line: True
    text = re.escape(use.pattern) if use.fixed else use.pattern
    if not use.fixed:
        for grep, python in _BRE:
            text = text.replace(grep, python)
    try:
        rx = None if _QUANTIFIED_GROUP.search(text) else re.compile(
            text.encode("utf-8", "replace"), re.IGNORECASE if use.ignore_case else 0)
    except re.error:
        rx = None
    if rx is None:
        return lambda line: True

    def shows(line: bytes) -> bool:
        if len(line) > MAX_LINE:
            return True
        return bool(rx.search(line)) != use.invert

    return shows


def files(use: FileUse, max_files: int) -> Iterator[str]:
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
