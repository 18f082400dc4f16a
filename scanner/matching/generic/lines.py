"""Where generic detectors look: only the lines around a rule's keyword hits.

Generic detectors are Python code and slow next to hyperscan, so they never walk a whole blob:
the engine's prefilter has already said the blob holds one of the rule's keywords, its anchors
(anchors.py) say on which lines, and here a C-speed search finds each keyword occurrence on
those lines and hands out its line once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from scanner.matching.anchors import Anchor, keyword_hits, literal, lowered

__all__ = ["MAX_LINE", "Line", "keyword_anchors", "keyword_hits", "keyword_lines", "lowered"]

MAX_LINE = 4096  # minified bundles: look at a window around the hit, not a megabyte line


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a blob (without its newline) and the byte offset where it starts."""

    start: int
    text: bytes


def keyword_anchors(keywords: tuple[str, ...], tail: bytes = b"",
                    hyperscan_tail: bytes | None = None) -> tuple[Anchor, ...]:
    """One anchor per keyword: the keyword followed by `tail` (a regex over lower-cased bytes
    that never matches a line feed; `hyperscan_tail` is its hyperscan form, if different)."""
    return tuple(_keyword_anchor(k, tail, hyperscan_tail) for k in keywords)


@lru_cache(maxsize=512)
def _keyword_anchor(keyword: str, tail: bytes, hyperscan_tail: bytes | None) -> Anchor:
    head = re.escape(keyword.lower().encode())
    if not tail:
        return literal(keyword)
    return Anchor(head + tail, None if hyperscan_tail is None else head + hyperscan_tail)


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
