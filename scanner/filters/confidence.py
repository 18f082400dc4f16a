"""--min-confidence: findings less sure than the minimum are suppressed, and counted, with
the reason; never dropped."""

from __future__ import annotations

from scanner.model import Blob, Confidence, Finding, Suppression, SuppressionKind


class ConfidenceFilter:
    def __init__(self, minimum: Confidence = Confidence.LOW) -> None:
        self.minimum = minimum

    def check(self, finding: Finding, blob: Blob) -> Suppression | None:
        del blob
        level = finding.classification.confidence
        if level.rank >= self.minimum.rank:
            return None
        return Suppression(SuppressionKind.CONFIDENCE,
                           f"confidence {level} is below the minimum {self.minimum}")
