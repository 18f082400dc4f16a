"""Which results a SARIF log holds: GitHub code scanning's limits, met by choice, not by luck.

Code scanning rejects a run with more than 25,000 results or a result with more than 1,000
locations, and a file over 10 MB gzipped (docs/reports.md cites the pages). A history holds
more: one secret in 5,000 blobs, 30,000 secrets in one generated file. So the log is planned
before it is written:
- every distinct place of a secret (path, line, columns) is a candidate result, up to
  --max-occurrences places per secret;
- candidates are ranked: active before suppressed, then by level (error first), then a
  secret's first place before its other places (every credential gets its alert before any
  gets a second one), then by security-severity, then in report order;
- the first MAX_RESULTS are written, in that order; the rest are counted, by level, in
  `run.properties.limits` and in a note for the terminal (the JSON report lists them all).
Planning holds one small record per written result, whatever the number of occurrences.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from scanner.model import DESTRUCTIVE, Finding, Location, ScanResult, Severity, Tier, Verdict

MAX_RESULTS = 25_000  # results per run code scanning accepts
MAX_LOCATIONS = 1_000  # locations + relatedLocations per result code scanning accepts
RELATED = 9  # other places a secret's first result links to (its other places are results)

# GitHub reads security-severity as CVSS-like bands: >= 9 critical, 7-8.9 high, 4-6.9 medium.
_TIER_SCORE = {Tier.ADMIN: 8.5, Tier.WRITE: 7.0, Tier.UNKNOWN: 6.5, Tier.READ: 5.0,
               Tier.LIMITED: 3.0, Tier.PUBLIC: 1.0}
_VERDICT_ADJUST = {Verdict.EXPOSED: 1.5, Verdict.MISPLACED: 1.0, Verdict.AGENT_REACHABLE: 1.0,
                   Verdict.OVERPRIVILEGED: 1.0, Verdict.UNVERIFIED_SCOPE: 0.0, Verdict.OK: -1.0}


def security_severity(f: Finding) -> float:
    """0-10 danger of one finding: its effective tier, moved by the policy's verdict, plus a
    little for destructive capabilities (delete data or backups)."""
    c = f.classification
    score = _TIER_SCORE[c.effective_tier] + _VERDICT_ADJUST[c.verdict]
    if DESTRUCTIVE.intersection(c.capabilities):
        score += 0.5
    return round(min(10.0, max(0.1, score)), 1)


@dataclass(frozen=True, slots=True)
class Planned:
    """One result to write: a place of a secret."""

    finding: Finding
    place: Location
    ordinal: int  # this is the secret's ordinal-th place in this file (0 first)
    primary: bool  # the secret's first place (the one that speaks for it)
    places: tuple[Location, ...]  # primary only: the secret's places, for relatedLocations
    total_places: int  # distinct places of the secret (before --max-occurrences)


@dataclass
class SarifPlan:
    results: list[Planned]
    candidates: int = 0  # results there would be without the per-run limit
    omitted_by_level: Counter[str] = field(default_factory=Counter)
    places_beyond_max: int = 0  # places not even candidates (--max-occurrences)
    secrets: int = 0
    secrets_without_result: int = 0

    @property
    def omitted(self) -> int:
        return self.candidates - len(self.results)


def plan(result: ScanResult, max_occurrences: int, max_results: int = MAX_RESULTS
         ) -> SarifPlan:
    """The results of the log, most severe first, within code scanning's limits."""
    counts = SarifPlan([])
    ranked = heapq.nsmallest(max_results, _candidates(result, max_occurrences, counts))
    counts.results = [planned for *_, planned in ranked]
    for key in ranked:
        counts.omitted_by_level[str(_LEVELS[-key[1]])] -= 1
    counts.omitted_by_level += Counter()  # drops the levels nothing was left out of
    counts.secrets_without_result = counts.secrets - sum(p.primary for p in counts.results)
    return counts


_LEVELS = {s.rank: s for s in Severity}
Candidate = tuple[int, int, int, float, int, int, Planned]


def _candidates(result: ScanResult, max_occurrences: int, counts: SarifPlan
                ) -> Iterator[Candidate]:
    for index, (f, locations, suppressed) in enumerate(_secrets(result)):
        counts.secrets += 1
        places = distinct_places(locations)
        total = len(places)
        if 0 < max_occurrences < total:
            counts.places_beyond_max += total - max_occurrences
            places = places[:max_occurrences]
        level, score = f.severity.rank, security_severity(f)
        counts.candidates += len(places)
        counts.omitted_by_level[str(f.severity)] += len(places)
        per_file: Counter[str] = Counter()
        for k, place in enumerate(places):
            ordinal = per_file[place.path]
            per_file[place.path] += 1
            planned = Planned(f, place, ordinal, k == 0, tuple(places) if k == 0 else (), total)
            yield (suppressed, -level, k > 0, -score, index, k, planned)


def _secrets(result: ScanResult) -> Iterator[tuple[Finding, Sequence[Location], bool]]:
    """Each secret once with its locations: active findings are grouped already; suppressed
    ones arrive once per occurrence (a history repeats them per blob) and are grouped here by
    secret and suppression kind, the first in report order speaking for the group."""
    for f in result.findings:
        yield f, f.occurrences or (f.location,), False
    groups: dict[tuple[str, str], tuple[Finding, list[Location]]] = {}
    for f in result.suppressed:
        key = (f.fingerprint, str(f.suppression.kind) if f.suppression else "")
        group = groups.setdefault(key, (f, []))
        group[1].extend(f.occurrences or (f.location,))
    for f, locations in groups.values():
        yield f, locations, True


def distinct_places(locations: Sequence[Location]) -> list[Location]:
    """Distinct places, in the order given (history repeats a place once per commit)."""
    seen: dict[tuple[str, int, int, int, int], Location] = {}
    for loc in locations:
        seen.setdefault((loc.path, loc.line, loc.column, loc.end_line, loc.end_column), loc)
    return list(seen.values())
