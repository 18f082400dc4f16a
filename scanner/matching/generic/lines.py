"""Where generic detectors look: only the lines around a rule's keyword hits.

Generic detectors are Python code and slow next to hyperscan, so they never walk a whole blob:
the engine's prefilter has already said the blob holds one of the rule's keywords, and here a
single C-speed regex search finds each keyword occurrence and hands out its line once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

MAX_LINE = 4096  # minified bundles: look at a window around the hit, not a megabyte line


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a blob (without its newline) and the byte offset where it starts."""

    start: int
    text: bytes


_LOWERED: list[tuple[bytes, bytes]] = []  # (blob, blob.lower()) of the blob in hand


def lowered(data: bytes) -> bytes:
    """data.lower(), computed once per blob however many generic rules look at it."""
    if _LOWERED and _LOWERED[0][0] is data:
        return _LOWERED[0][1]
    _LOWERED[:] = [(data, data.lower())]
    return _LOWERED[0][1]


def keyword_hits(keywords: tuple[str, ...], data: bytes) -> list[int]:
    """Sorted offsets of every case-insensitive keyword occurrence. One literal search per
    keyword over the lowered blob: many times faster than one (?i) alternation."""
    low = lowered(data)
    hits: set[int] = set()
    for keyword in keywords:
        needle = keyword.encode()
        pos = low.find(needle)
        while pos >= 0:
            hits.add(pos)
            pos = low.find(needle, pos + 1)
    return sorted(hits)


@lru_cache(maxsize=512)
def _anchor(keyword: str, tail: bytes) -> re.Pattern[bytes]:
    return re.compile(re.escape(keyword.encode()) + tail)


def anchored_hits(keywords: tuple[str, ...], data: bytes, tail: bytes) -> list[int]:
    """Offsets of keywords followed by `tail` (a regex over lower-cased bytes). Each pattern
    starts with a literal, which `re` finds at memchr speed: only hits that can lead to a
    match ever reach Python code."""
    low = lowered(data)
    hits: set[int] = set()
    for keyword in keywords:
        hits.update(m.start() for m in _anchor(keyword, tail).finditer(low))
    return sorted(hits)


def keyword_lines(keywords: tuple[str, ...], data: bytes, around: int = 0) -> Iterator[Line]:
    """Each line holding a keyword (plus `around` lines either side), once, in order. An
    overlong line (minified code) is cut to a window around each hit instead."""
    done = 0  # everything before this offset has been handed out
    for hit in keyword_hits(keywords, data):
        if hit < done:
            continue
        lo, hi = _line_bounds(data, hit)
        if hi - lo > MAX_LINE:
            w_lo = max(lo, done, hit - MAX_LINE // 2)
            w_hi = min(hi, w_lo + MAX_LINE)
            yield Line(w_lo, data[w_lo:w_hi])
            done = w_hi
            continue
        for _ in range(around):
            if lo > 0:
                lo = _line_bounds(data, lo - 1)[0]
            if hi < len(data):
                hi = _line_bounds(data, hi + 1)[1]
        lo = max(lo, done)
        while lo <= hi and lo < len(data):
            end = data.find(b"\n", lo, hi)
            end = hi if end < 0 else end
            yield Line(lo, data[lo:end][:MAX_LINE])
            lo = end + 1
        done = hi + 1


def _line_bounds(data: bytes, offset: int) -> tuple[int, int]:
    lo = data.rfind(b"\n", 0, offset) + 1
    hi = data.find(b"\n", offset)
    return lo, len(data) if hi < 0 else hi
