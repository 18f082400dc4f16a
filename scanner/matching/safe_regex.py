"""Regular expressions from users run under a linear-time engine (RE2).

The built-in rules are reviewed, and tests/test_resources.py holds each to linear time on long
runs of what it repeats. A regex from a user's rule pack, rules directory or allowlist is not:
one `(a+)+b` or `^(a|a)+$` would make every scan hang on a crafted file. So such a regex must
compile in RE2, whose matching time is linear in the input whatever the pattern; a pattern that
needs what RE2 lacks (lookaround, backreferences, possessive repeats) is refused with RE2's
reason, and the error says how to write it instead. RE2 matches `^` and word boundaries at a
search's start position with the text before it as context, like Python's `re` with `pos`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

import re2

# Logged to stderr by RE2 otherwise, for every pattern it refuses.
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
_OPTIONS.max_mem = 64 << 20  # RE2's default (8 MiB) is too small for long alternations
_CASELESS = re2.Options()
_CASELESS.log_errors = False
_CASELESS.max_mem = 64 << 20
_CASELESS.case_sensitive = False

HOW_TO = ("write it without lookaround or backreferences, e.g. `(?:^|[^A-Za-z0-9])(?P<secret>"
          "...)` instead of a lookbehind (the secret group marks what is reported)")


class PatternMatch(Protocol):
    def span(self, group: int | str = 0) -> tuple[int, int]: ...


class BytesPattern(Protocol):
    """What the engine needs of a compiled rule pattern: Python's re.Pattern[bytes] and
    LinearPattern both provide it."""

    @property
    def groupindex(self) -> Mapping[str, int]: ...

    @property
    def groups(self) -> int: ...

    def finditer(self, string: bytes, pos: int = ..., endpos: int = ...
                 ) -> Iterator[Any]: ...

    def search(self, string: bytes, pos: int = ..., endpos: int = ...) -> Any: ...


class LinearError(ValueError):
    """RE2 cannot compile the pattern; the message says why."""


class _Match:
    __slots__ = ("_m", "_names")

    def __init__(self, m: Any, names: Mapping[str, int]) -> None:
        self._m = m
        self._names = names

    def span(self, group: int | str = 0) -> tuple[int, int]:
        index = self._names[group] if isinstance(group, str) else group
        span: tuple[int, int] = self._m.span(index)
        return span


class LinearPattern:
    """A compiled RE2 pattern with the slice of re.Pattern's interface credscope uses."""

    def __init__(self, pattern: str | bytes, *, caseless: bool = False) -> None:
        self.pattern = pattern
        try:
            self._rx = re2.compile(pattern, options=_CASELESS if caseless else _OPTIONS)
        except re2.error as err:
            reason = err.args[0] if err.args else err
            if isinstance(reason, bytes):
                reason = reason.decode("utf-8", "replace")
            raise LinearError(str(reason)) from None
        self.groupindex: Mapping[str, int] = {
            (k.decode() if isinstance(k, bytes) else k): v for k, v in self._rx.groupindex.items()}
        self.groups: int = self._rx.groups

    def finditer(self, string: Any, pos: int = 0, endpos: int = sys.maxsize
                 ) -> Iterator[_Match]:
        end = min(endpos, len(string))
        for m in self._rx.finditer(string, pos, end):
            yield _Match(m, self.groupindex)

    def search(self, string: Any, pos: int = 0, endpos: int = sys.maxsize) -> _Match | None:
        m = self._rx.search(string, pos, min(endpos, len(string)))
        return _Match(m, self.groupindex) if m is not None else None


def compile_linear(pattern: str | bytes, *, caseless: bool = False) -> LinearPattern:
    """Compile under RE2 or raise LinearError with RE2's reason."""
    return LinearPattern(pattern, caseless=caseless)
