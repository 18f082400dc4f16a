"""Filters decide whether a classified finding is kept or suppressed, and why.

Suppressed findings are never dropped: every report counts them, with the reason.
"""

from __future__ import annotations

from typing import Protocol

from scanner.model import Blob, Finding, Suppression


class Filter(Protocol):
    """Returns a Suppression for a finding it accepts, None to keep the finding active."""

    def check(self, finding: Finding, blob: Blob) -> Suppression | None: ...


class _BlobLines:
    """The blob in hand's lines, split once, and which markers it holds, each searched for
    once: filters look at a finding's line, and a blob's findings arrive together (a JSON
    file of hundreds of UUIDs was split, and searched, once per finding)."""

    def __init__(self) -> None:
        self.data: bytes | None = None
        self.lines: list[bytes] | None = None
        self.holds: dict[bytes, bool] = {}

    def lines_holding(self, data: bytes, marker: bytes) -> list[bytes] | None:
        if self.data is not data:
            self.data, self.lines, self.holds = data, None, {}
        holds = self.holds.get(marker)
        if holds is None:
            holds = self.holds[marker] = marker in data
        if not holds:
            return None
        if self.lines is None:
            self.lines = data.split(b"\n")
        return self.lines


_BLOB_LINES = _BlobLines()


def lines_holding(data: bytes, marker: bytes) -> list[bytes] | None:
    """data's lines when it holds `marker` anywhere, else None (cheap for the blob in hand)."""
    return _BLOB_LINES.lines_holding(data, marker)
