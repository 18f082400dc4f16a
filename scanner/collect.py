"""The parent's side of a scan: findings are grouped by secret as they arrive, and what repeats
is shared, so memory grows by a small constant per occurrence.

A history holds the same secret in thousands of blobs, and a generated file can hold 100,000
secrets; each finding arrives with its own copy of every string (from a worker process, freshly
unpickled). Two things keep the parent small:
- grouping on arrival: of a secret's occurrences only the one that will speak for it (the most
  severe, in history the earliest) stays a whole Finding; the others keep their Location and
  their severity rank (one byte);
- sharing: equal classifications, commits and path strings are kept once (a secret's
  classification is the same in every version of its file; a reason or remediation text is
  the same for every finding of a rule in one file).
The grouped result is the one group_by_fingerprint gave: same primaries, same occurrence order.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TypeVar

from scanner.model import Classification, Finding, Location

T = TypeVar("T")


class Shared:
    """One copy of each equal value seen: classifications, commits, path and other strings.
    Cheap when nothing is new (dictionary look-ups, no copy), so it can run on every finding."""

    def __init__(self) -> None:
        self._values: dict[object, object] = {}

    def __len__(self) -> int:
        return len(self._values)

    def _one(self, value: T) -> T:
        return self._values.setdefault(value, value)  # type: ignore[return-value]

    def text(self, value: str) -> str:
        return self._one(value)

    def classification(self, c: Classification) -> Classification:
        known = self._values.get(c)
        if known is not None:
            return known  # type: ignore[return-value]
        text = self.text
        c = replace(c, reason=text(c.reason), remediation=text(c.remediation),
                    evidence=tuple(text(e) for e in c.evidence),
                    details=tuple((text(k), text(v)) for k, v in c.details))
        return self._one(c)

    def location(self, loc: Location) -> Location:
        path = self.text(loc.path)
        commit = None if loc.commit is None else self._one(loc.commit)
        label = None if loc.label is None else self.text(loc.label)
        if path is loc.path and commit is loc.commit and label is loc.label:
            return loc
        return Location(path, loc.line, loc.column, loc.end_column, loc.end_line, commit,
                        loc.blob_id, label)

    def finding(self, f: Finding) -> Finding:
        loc = self.location(f.location)
        c = self.classification(f.classification)
        if loc is f.location and c is f.classification:
            return f
        return replace(f, rule_id=self.text(f.rule_id), provider=self.text(f.provider),
                       title=self.text(f.title), location=loc, classification=c)


class _Group:
    """One secret: the finding that speaks for it and every place it was seen."""

    __slots__ = ("locations", "primary", "ranks")

    def __init__(self, primary: Finding) -> None:
        self.primary = primary
        self.locations = [primary.location]
        self.ranks = bytearray((primary.severity.rank,))


class Groups:
    """Active findings grouped by fingerprint as they arrive (see the module docstring)."""

    def __init__(self) -> None:
        self._groups: dict[str, _Group] = {}

    def __len__(self) -> int:
        return len(self._groups)

    def add(self, f: Finding) -> None:
        group = self._groups.get(f.fingerprint)
        if group is None:
            self._groups[f.fingerprint] = _Group(f)
            return
        group.locations.append(f.location)
        group.ranks.append(f.severity.rank)
        if primary_order(f) < primary_order(group.primary):
            group.primary = f

    def merged(self) -> list[Finding]:
        """One finding per secret, its occurrences most severe first (in history, earliest)."""
        out = []
        for group in self._groups.values():
            order = sorted(range(len(group.locations)),
                           key=lambda i: _place_order(group.ranks[i], group.locations[i]))
            out.append(replace(group.primary,
                               occurrences=tuple(group.locations[i] for i in order)))
        return out


def primary_order(f: Finding) -> tuple[object, ...]:
    """History: among equally severe occurrences the first-seen commit speaks (commit dates
    are UTC ISO 8601, so text order is time order); without commits, path order."""
    return _place_order(f.severity.rank, f.location)


def _place_order(rank: int, loc: Location) -> tuple[object, ...]:
    date, sha, blob = commit_and_blob(loc)
    return (-rank, date, loc.path, loc.line, loc.column, loc.end_line, loc.end_column, sha, blob)


def commit_and_blob(loc: Location) -> tuple[str, str, str]:
    """(commit date, commit sha, blob id) of a place, "" where it has none."""
    date, sha = (loc.commit.date, loc.commit.sha) if loc.commit else ("", "")
    return date, sha, loc.blob_id or ""
