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


@lru_cache(maxsize=256)
def keyword_regex(keywords: tuple[str, ...]) -> re.Pattern[bytes]:
    alternatives = sorted((re.escape(k.encode()) for k in keywords), key=len, reverse=True)
    return re.compile(b"(?i)" + b"|".join(alternatives))


def keyword_lines(keywords: tuple[str, ...], data: bytes, around: int = 0) -> Iterator[Line]:
    """Each line holding a keyword (plus `around` lines either side), once, in order. An
    overlong line (minified code) is cut to a window around each hit instead."""
    done = 0  # everything before this offset has been handed out
    rx = keyword_regex(keywords)
    while (m := rx.search(data, done)) is not None:
        lo, hi = _line_bounds(data, m.start())
        if hi - lo > MAX_LINE:
            w_lo = max(lo, done, m.start() - MAX_LINE // 2)
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
