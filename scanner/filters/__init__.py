"""Filters decide whether a classified finding is kept or suppressed, and why.

Suppressed findings are never dropped: every report counts them, with the reason.
"""

from __future__ import annotations

from typing import Protocol

from scanner.model import Blob, Finding, Suppression


class Filter(Protocol):
    """Returns a Suppression for a finding it accepts, None to keep the finding active."""

    def check(self, finding: Finding, blob: Blob) -> Suppression | None: ...
