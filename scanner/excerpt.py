"""The source line of each match, for reports to show under a finding: the text before and
after the secret on its line, bounded, with every other match on that stretch redacted.

The secret itself is left out (a reporter puts the redacted or, when asked, the full form
between the two parts), so no excerpt ever holds a secret whole. Lines are cut to a bounded
window around the secret, so a finding on a 4 MB minified line costs a few hundred bytes.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from scanner.model import Match

EXCERPT_CHARS = 160  # kept on each side of the secret; a terminal line shows less
_MAX_BYTES = EXCERPT_CHARS * 4  # UTF-8: at most 4 bytes a character
ELLIPSIS = "…"


def excerpts(data: bytes, matches: Sequence[Match], shown: Sequence[str]
             ) -> list[tuple[str, str]]:
    """(before, after) for each match, in order; `shown[i]` is how match i appears when it
    sits on another match's line (its redacted form, as its own finding shows it)."""
    starts = sorted(range(len(matches)), key=lambda i: matches[i].start)
    ordered = [matches[i].start for i in starts]
    redacted: dict[int, bytes] = {}

    def other_secrets(lo: int, hi: int, skip: int) -> list[tuple[int, int, bytes]]:
        found = []
        # Matches never overlap (the engine resolves overlaps), so one that reaches into
        # [lo, hi) starts at most one match before the first start at or after lo.
        first = max(bisect.bisect_left(ordered, lo) - 1, 0)
        for k in starts[first:bisect.bisect_left(ordered, hi)]:
            m = matches[k]
            if k != skip and m.end > lo and m.start < hi:
                if k not in redacted:
                    redacted[k] = shown[k].encode("utf-8")
                found.append((max(m.start, lo), min(m.end, hi), redacted[k]))
        return found

    out = []
    for i, m in enumerate(matches):
        lo, cut_before = _line_start(data, m.start)
        hi, cut_after = _line_end(data, m.end) if m.end_line == m.line else (m.end, False)
        before = _text(data, lo, m.start, other_secrets(lo, m.start, i))
        after = _text(data, m.end, hi, other_secrets(m.end, hi, i))
        if len(before) > EXCERPT_CHARS or cut_before:
            before = ELLIPSIS + before[-EXCERPT_CHARS:]
        after = after.rstrip("\r")
        if len(after) > EXCERPT_CHARS or cut_after:
            after = after[:EXCERPT_CHARS] + ELLIPSIS
        out.append((before, after))
    return out


def _line_start(data: bytes, pos: int) -> tuple[int, bool]:
    floor = max(pos - _MAX_BYTES, 0)
    newline = data.rfind(b"\n", floor, pos)
    if newline >= 0:
        return newline + 1, False
    return floor, floor > 0


def _line_end(data: bytes, pos: int) -> tuple[int, bool]:
    ceiling = min(pos + _MAX_BYTES, len(data))
    newline = data.find(b"\n", pos, ceiling)
    if newline >= 0:
        return newline, False
    return ceiling, ceiling < len(data)


def _text(data: bytes, lo: int, hi: int, secrets: list[tuple[int, int, bytes]]) -> str:
    parts, at = [], lo
    for start, end, shown in secrets:
        parts += [data[at:start], shown]
        at = end
    parts.append(data[at:hi])
    return b"".join(parts).decode("utf-8", "replace")
