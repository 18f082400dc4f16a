"""Classification: how much can this credential do, for which environment, and is it somewhere
it must not be. One Classifier protocol; the default one combines the rule's static data,
offline decoders, context around the match, the file's location class and the policy.
"""

from __future__ import annotations

from typing import Protocol

from scanner.matching.schema import Rule
from scanner.model import Blob, Classification, Match


class Classifier(Protocol):
    """Turns one engine match into a Classification. Never raises on odd input."""

    def classify(self, rule: Rule, match: Match, blob: Blob) -> Classification: ...
