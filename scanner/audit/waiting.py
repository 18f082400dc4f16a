"""Which repositories wait for which place, and under which fingerprint schemes a shard is
analysing it: the driver's book of work in flight.

A place (analysis key, blob id, path) is analysed under one fingerprint scheme at a time
(identity.RepoScheme: the owner's salt). Every repository that needs it waits on that one
analysis, whatever its own scheme: an outcome without findings serves them all; one with
findings serves those of its scheme, and each other scheme waiting gets one analysis of its
own (its fingerprints need the secret), which later repositories of that scheme wait on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

PlaceKey = tuple[str, str, str]  # (analysis key, blob id, path)


class Waiter(Protocol):
    failed: bool


W = TypeVar("W", bound=Waiter)


@dataclass
class _Place(Generic[W]):
    analysing: set[str]  # schemes a shard in flight analyses it under
    runs: dict[str, list[W]] = field(default_factory=dict)  # by scheme


class Waiting(Generic[W]):
    def __init__(self) -> None:
        self._places: dict[PlaceKey, _Place[W]] = {}

    def __contains__(self, key: PlaceKey) -> bool:
        return key in self._places

    def wait(self, key: PlaceKey, scheme: str, run: W, analysing: str | None = None) -> None:
        """`run`, of `scheme`, waits for the place; `analysing`: the scheme of the shard just
        submitted for it (the place was new)."""
        place = self._places.setdefault(key, _Place(set()))
        if analysing is not None:
            place.analysing.add(analysing)
        place.runs.setdefault(scheme, []).append(run)

    def arrived(self, key: PlaceKey, scheme: str, salted: bool) -> tuple[list[W], list[W]]:
        """A shard analysed the place under `scheme`. Returns the runs it serves, and, for
        each other scheme waiting with no analysis of its own in flight yet, the run whose
        repository should analyse it again (now counted as in flight)."""
        place = self._places.get(key)
        if place is None:
            return [], []  # every run waiting on it failed
        place.analysing.discard(scheme)
        served: list[W] = []
        again: list[W] = []
        for other in list(place.runs):
            runs = [run for run in place.runs.pop(other) if not run.failed]
            if other == scheme or not salted:
                served += runs
            elif runs:
                place.runs[other] = runs
                if other not in place.analysing:
                    place.analysing.add(other)
                    again.append(runs[0])
        if not place.runs:
            del self._places[key]
        return served, again

    def failed(self, key: PlaceKey) -> list[W]:
        """The shard analysing the place failed for good: every run waiting on it."""
        place = self._places.pop(key, None)
        return [run for runs in place.runs.values() for run in runs] if place else []

    def left(self) -> Iterator[W]:
        """Runs still waiting (none, once every task has come back)."""
        for place in self._places.values():
            for runs in place.runs.values():
                yield from runs
