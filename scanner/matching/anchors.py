"""Anchors: where a code detector (a plugin rule) starts looking, found in the engine's pass.

A plugin is Python code, slow next to hyperscan, so it never walks a whole blob: it starts
from anchors, short regexes over lower-cased bytes (`password` then a separator, `://`, a
`-p` flag, the tail of a UUID) whose hits are the only places worth a closer look.

With the `re` engine an anchor's hits come from `regex.finditer` over the whole lower-cased
blob. With hyperscan, the engine compiles every registered anchor into the same database as
the rules, so its single pass over the blob also reports which lines hold an anchor match;
the very same `regex.finditer` then runs over those lines only. No anchor may match across a
newline (a line feed never matches any part of it), so both ways give exactly the same hits:
hyperscan only saves `re` from reading lines where nothing can match. On trees of ordinary
source code this is most of the generic detectors' cost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache


class Anchor:
    """`pattern` is a `re` pattern over lower-cased bytes that never matches a line feed.
    `hyperscan` is the pattern hyperscan compiles (caseless, on the raw bytes) when `pattern`
    uses what hyperscan lacks (lookaround, possessive repeats); it must match wherever
    `pattern` does, ending on the same line. Equal patterns make equal anchors; the hash is
    computed once (anchors are dictionary keys on every blob)."""

    __slots__ = ("_hash", "hyperscan", "pattern", "regex")

    def __init__(self, pattern: bytes, hyperscan: bytes | None = None) -> None:
        self.pattern = pattern
        self.hyperscan = hyperscan
        self.regex = re.compile(pattern)
        self._hash = hash((pattern, hyperscan))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Anchor) and (self.pattern, self.hyperscan) == (
            other.pattern, other.hyperscan)

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"Anchor({self.pattern!r})"

    @property
    def hyperscan_expression(self) -> bytes:
        return self.pattern if self.hyperscan is None else self.hyperscan


@lru_cache(maxsize=256)
def literal(keyword: str) -> Anchor:
    """An anchor on a literal keyword (matched case-insensitively)."""
    return Anchor(re.escape(keyword.lower().encode()))


_LOWERED: list[tuple[bytes, bytes]] = []  # (blob, blob.lower()) of the blob in hand


def lowered(data: bytes) -> bytes:
    """data.lower(), computed once per blob however many plugins look at it."""
    if _LOWERED and _LOWERED[0][0] is data:
        return _LOWERED[0][1]
    _LOWERED[:] = [(data, data.lower())]
    return _LOWERED[0][1]


# What the engine's pass reported for the blob in hand: (blob, {anchor: match ends, in
# order}). Empty: no pass, plugins search whole blobs.
_REGIONS: list[tuple[bytes, dict[Anchor, list[int]]]] = []


class anchor_regions:  # noqa: N801 - a context manager, named like one
    """While the engine extracts from `data`, plugins look only at the lines the engine's pass
    reported for each anchor (`ends`: match end offsets, in order, for every anchor it
    compiled). An anchor the engine did not compile is searched in the whole blob."""

    def __init__(self, data: bytes, ends: dict[Anchor, list[int]]) -> None:
        self._entry = (data, ends)

    def __enter__(self) -> None:
        _REGIONS[:] = [self._entry]

    def __exit__(self, *_: object) -> None:
        _REGIONS.clear()


def _reported_ends(anchor: Anchor, data: bytes) -> list[int] | None:
    """The match ends the engine's pass reported for the anchor in this blob; None when there
    was no pass over it, or the engine did not compile the anchor (search the whole blob)."""
    if _REGIONS and _REGIONS[0][0] is data:
        return _REGIONS[0][1].get(anchor)
    return None


def lines_of(data: bytes, ends: Iterable[int]) -> Iterator[tuple[int, int]]:
    """The distinct lines, (start, end), holding the last byte of each match (a match holds
    no line feed, so the whole match lies on that line). `ends` is in increasing order."""
    line_end = -1
    for end in ends:
        if end <= line_end:
            continue  # this line is already listed
        line_start = data.rfind(b"\n", 0, max(end - 1, 0)) + 1
        line_end = data.find(b"\n", end - 1)
        if line_end < 0:
            line_end = len(data)
        yield line_start, line_end


def line_starts(anchors: Iterable[Anchor], data: bytes, lo: int, hi: int) -> set[int]:
    """Start offsets of the anchors' matches on the line data[lo:hi], lower-cased and searched
    on its own: the same search as in the whole blob, since no anchor looks past its line."""
    line = data[lo:hi].lower()
    return {m.start() + lo for anchor in anchors for m in anchor.regex.finditer(line)}


def finditer(anchor: Anchor, data: bytes) -> Iterator[re.Match[bytes]]:
    """Every match of the anchor in the lower-cased blob, in order."""
    low = lowered(data)
    ends = _reported_ends(anchor, data)
    if ends is None:
        yield from anchor.regex.finditer(low)
        return
    for lo, hi in lines_of(data, ends):
        yield from anchor.regex.finditer(low, lo, hi)


def match_lines(anchors: Iterable[Anchor], data: bytes
                ) -> list[tuple[int, int, list[Anchor]]]:
    """The distinct lines, (start, end, the anchors found there) in order, that may hold a
    match of one of the anchors: the lines the engine's pass reported (a superset), else the
    lines of a whole-blob search. A plugin that works line by line runs those anchors on
    each of these lines itself, so both give the same hits."""
    lines: dict[tuple[int, int], list[Anchor]] = {}
    for anchor in anchors:
        ends = _reported_ends(anchor, data)
        if ends is None:
            ends = [m.end() for m in anchor.regex.finditer(lowered(data))]
        for line in lines_of(data, ends):
            lines.setdefault(line, []).append(anchor)
    return [(lo, hi, found) for (lo, hi), found in sorted(lines.items())]


def starts(anchors: Iterable[Anchor], data: bytes) -> list[int]:
    """Sorted distinct start offsets of every anchor match (finditer: with the engine's pass,
    each reported line searched on its own)."""
    return sorted({m.start() for anchor in anchors for m in finditer(anchor, data)})


def keyword_hits(keywords: Sequence[str], data: bytes) -> list[int]:
    """Sorted offsets of every case-insensitive occurrence of each keyword, overlapping ones
    included (one literal `find` loop per keyword, at memchr speed)."""
    low = lowered(data)
    hits: set[int] = set()
    for keyword in keywords:
        needle = keyword.lower().encode()
        ends = _reported_ends(literal(keyword), data)
        for lo, hi in [(0, len(low))] if ends is None else lines_of(data, ends):
            pos = low.find(needle, lo, hi)
            while pos >= 0:
                hits.add(pos)
                pos = low.find(needle, pos + 1, hi)
    return sorted(hits)
