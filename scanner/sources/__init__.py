"""Sources turn something on disk into a stream of Blobs (and notes of what they skipped).

Every source satisfies the Source protocol: the pipeline never knows which one it has.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

from scanner.model import Blob, Finding, Skipped


class Source(Protocol):
    """Yields every blob to scan, and a Skipped record for everything it could not read."""

    mode: str  # "worktree", "history", "staged", "files", "agent-surface"
    root: str  # what reporters show as the scanned root

    def items(self) -> Iterator[Blob | Skipped]: ...

    def notes(self) -> list[str]:
        """Human notes about what the source could not see (shallow clone, submodules...)."""
        ...


@runtime_checkable
class Finalizing(Protocol):
    """A source that revisits the findings once the whole scan is done: history marks the
    secrets no blob at HEAD still holds as history-only (a per-secret fact, not per blob)."""

    def finalize(self, findings: Sequence[Finding]) -> tuple[Finding, ...]: ...
