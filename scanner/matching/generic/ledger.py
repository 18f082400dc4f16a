"""What the generic detectors concluded about each candidate of the blob in hand.

A generic detector finds candidates (a literal assigned to a credential-like name, a password
on a command line, a tagged UUID) and judges each one. The engine only takes the spans it
accepts; the ledger keeps the judgement of every candidate, accepted or not, so that:

- the classifier reads the confidence and reason of an accepted span (`assessment`);
- the pipeline turns every rejected candidate into a suppressed finding with its reason
  (`rejected_matches`): a filter never drops a candidate silently.

One blob at a time, like `anchors.lowered`: the pipeline analyses a blob (engine, then
classifier) before it reads the next, in whatever process it runs.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from scanner.model import Confidence, Match


@dataclass(frozen=True, slots=True)
class Assessment:
    """A detector's judgement of one candidate. `confidence` None: not a secret, and
    `reason` says why (`kind` is the suppression kind: placeholder or not-a-secret)."""

    confidence: Confidence | None
    reason: str = ""
    kind: str = "placeholder"

    @property
    def accepted(self) -> bool:
        return self.confidence is not None


MEDIUM = Assessment(Confidence.MEDIUM, "a keyed assignment whose value looks generated")
HIGH = Assessment(Confidence.HIGH, "a decoded structure")


def low(reason: str) -> Assessment:
    return Assessment(Confidence.LOW, reason)


def rejected(reason: str, kind: str = "placeholder") -> Assessment:
    return Assessment(None, reason, kind)


Key = tuple[str, int, int]  # rule id, start, end (byte offsets in the blob)
_LEDGER: list[tuple[bytes, dict[Key, Assessment]]] = []


def _entries(data: bytes) -> dict[Key, Assessment]:
    if not _LEDGER or _LEDGER[0][0] is not data:
        _LEDGER[:] = [(data, {})]
    return _LEDGER[0][1]


def record(data: bytes, rule_id: str, start: int, end: int, assessment: Assessment) -> None:
    """Note the judgement of the candidate at data[start:end] found by the rule."""
    _entries(data).setdefault((rule_id, start, end), assessment)


def assessment(data: bytes, rule_id: str, start: int, end: int) -> Assessment | None:
    """The judgement recorded for this span of this blob, if a generic detector made one."""
    if not _LEDGER or _LEDGER[0][0] is not data:
        return None
    return _LEDGER[0][1].get((rule_id, start, end))


def rejected_matches(data: bytes, accepted: list[Match]) -> list[Match]:
    """The rejected candidates of the blob the engine just scanned, as matches: one per rule
    and distinct value (a blob of hostile repetition holds the same rejected value at every
    turn; a secret found in many places is one finding too), none overlapping an accepted
    match or an earlier rejected one."""
    if not _LEDGER or _LEDGER[0][0] is not data:
        return []
    taken = sorted((m.start, m.end) for m in accepted)
    spans = sorted((start, end, rule_id) for (rule_id, start, end), a in _LEDGER[0][1].items()
                   if not a.accepted)
    seen: set[tuple[str, bytes]] = set()
    out: list[tuple[int, int, str]] = []
    for start, end, rule_id in spans:
        value = data[start:end]
        if (rule_id, value) in seen or _overlaps(taken, start, end) or (
                out and start < out[-1][1]):
            continue
        seen.add((rule_id, value))
        out.append((start, end, rule_id))
    return _to_matches(data, out)


def _overlaps(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    # `taken` is sorted and its spans never overlap (the engine resolved them): bisect.
    i = bisect_left(taken, (start, start))
    return any(s < end and start < e for s, e in taken[max(0, i - 1):i + 1])


def _to_matches(data: bytes, spans: list[tuple[int, int, str]]) -> list[Match]:
    """Line and column of each span, counted incrementally (the spans are in order)."""
    matches = []
    line, counted, column = 1, 0, 1
    for start, end, rule_id in spans:
        newlines = data.count(b"\n", counted, start)
        if newlines:
            line += newlines
            counted, column = data.rfind(b"\n", counted, start) + 1, 1
        column += len(data[counted:start].decode("utf-8", "replace"))
        counted = start
        secret = data[start:end].decode("utf-8", "replace")
        end_line = line + data.count(b"\n", start, end)
        end_column = column + len(secret) if end_line == line else len(
            data[data.rfind(b"\n", start, end) + 1:end].decode("utf-8", "replace")) + 1
        matches.append(Match(rule_id, start, end, secret, line, column, end_column, end_line))
    return matches
