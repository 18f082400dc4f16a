"""Sources turn something on disk into a stream of Blobs (and notes of what they skipped).

Every source satisfies the Source protocol: the pipeline never knows which one it has.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from scanner.model import Blob, Skipped


class Source(Protocol):
    """Yields every blob to scan, and a Skipped record for everything it could not read."""

    mode: str  # "worktree", "history", "staged", "files", "agent-surface"
    root: str  # what reporters show as the scanned root

    def items(self) -> Iterator[Blob | Skipped]: ...

    def notes(self) -> list[str]:
        """Human notes about what the source could not see (shallow clone, submodules...)."""
        ...
