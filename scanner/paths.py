"""Path helpers shared by sources and filters: gitignore patterns and display-safe text."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from scanner.errors import ConfigError

if TYPE_CHECKING:
    import pathspec

# What a hostile name, label or value could use to drive a terminal or forge output lines:
# every C0 and C1 control and DEL (ESC starts escape sequences, CR and LF forge lines, BEL,
# OSC ...), the Unicode line and paragraph separators, and every bidi control (embeddings,
# overrides, isolates, marks), which reorder what a reader sees (CVE-2021-42574).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def printable(text: str) -> str:
    """The one sanitiser for text from a scanned repository on its way to a terminal: each
    unsafe character becomes a visible escape (`\\x1b`, `\\u202e`), the rest is unchanged."""
    return _UNSAFE.sub(_escape, text)


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@lru_cache(maxsize=256)
def _spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    import pathspec  # noqa: PLC0415 - 20 ms a hook without patterns need not pay

    try:
        return pathspec.GitIgnoreSpec.from_lines(patterns)
    except (ValueError, TypeError) as err:  # GitWildMatchPatternError is a ValueError
        raise ConfigError(f"invalid path pattern: {err}") from None


def check_patterns(patterns: Iterable[str], *, source: str) -> None:
    """Raise ConfigError naming `source` when a pattern is not a valid gitignore pattern."""
    for pattern in patterns:
        try:
            _spec((pattern,))
        except ConfigError as err:
            raise ConfigError(f"{err.message} {pattern!r}", path=source) from None


def matches_any(path: str, patterns: Iterable[str]) -> bool:
    """Does `path` (POSIX, relative to the root; a trailing `/` marks a directory) match the
    patterns, read as the lines of a .gitignore file? The full gitignore syntax: `*`, `?`,
    `[a-z]` classes and `**` (`*` and `?` never cross a `/`); a pattern without an inner slash
    matches at any depth, one with a slash is anchored to the root; `dir/` matches a directory
    and everything below it; `!pattern` re-includes what an earlier pattern matched (the last
    matching pattern wins); `#` starts a comment and `\\` escapes."""
    if not isinstance(patterns, tuple):
        patterns = tuple(patterns)
    return bool(patterns) and _spec(patterns).match_file(path)
