"""Values a decoder proved were never issued (a wrong checksum) are suppressed as "invalid":
they are typos or hand-made placeholders, not credentials."""

from __future__ import annotations

from scanner.classify.decoders import DETAIL_INVALID
from scanner.model import Blob, Finding, Suppression, SuppressionKind


class ValidityFilter:
    def check(self, finding: Finding, blob: Blob) -> Suppression | None:
        why = dict(finding.classification.details).get(DETAIL_INVALID)
        if why is None:
            return None
        return Suppression(SuppressionKind.INVALID, f"not a real token: {why}")
