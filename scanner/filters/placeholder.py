"""Placeholders and documented example values are not findings: they are suppressed with a
reason (kind "placeholder"), for every rule.

Careful by design: each test below is one a random token essentially never passes (a marker
word spelled whole, a run of 8 equal characters, a 7-character ascending sequence, at most 4
distinct characters), so real-looking random tokens stay findings.
"""

from __future__ import annotations

import re

from scanner.classify.decoders import DETAIL_NOT_A_SECRET
from scanner.classify.decoders.cloud import AZURITE_KEY
from scanner.model import Blob, Finding, Suppression, SuppressionKind

# Published as examples in AWS documentation; never valid.
DOCUMENTED_EXAMPLES = {
    "AKIAIOSFODNN7EXAMPLE": "AWS's documented example access key id",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY": "AWS's documented example secret key",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY": "AWS's documented example secret key",
    AZURITE_KEY: "the public Azurite development storage key",
}
# Whole words (exact case: lower, UPPER or Title) that mark a value as made up.
_MARKERS = re.compile(
    r"(?:example|dummy|fake|placeholder|changeme|change_me|redacted|notreal|not_a_real"
    r"|your[-_]?(?:api[-_]?)?(?:key|token|secret)|insert[-_]?your|replace[-_]?me|sample)",
)
_TEMPLATE = re.compile(r"^(\$\{[^}]*\}|\$\(.*\)|\{\{.*\}\}|<[^<>]+>|%[A-Z_]+%|\$[A-Z_]{3,}|"
                       r"\[[A-Z_ ]+\])$|x{6,}|X{6,}|\*{6,}|…|\.\.\.$")
_PREFIX = re.compile(r"^[A-Za-z]{2,12}[_-](?:(?:live|test|api\d*|admin\d*|proj)[_-])?")


def placeholder_reason(value: str) -> str | None:
    """Why this value is a placeholder or documented example, or None if it looks real."""
    if value in DOCUMENTED_EXAMPLES:
        return DOCUMENTED_EXAMPLES[value]
    marker = _marker(value)
    if marker is not None:
        return f"the value contains the marker {marker!r}"
    if _TEMPLATE.search(value):
        return "the value is a template variable or masked placeholder"
    return _shape_reason(_PREFIX.sub("", value, count=1))


def _marker(value: str) -> str | None:
    """A marker word written lower, UPPER or Title case. The same letters in mixed case
    ("eXaMpLe") are chance inside a random token, not intent."""
    lowered = value.lower()
    if len(lowered) != len(value):
        return None
    for m in _MARKERS.finditer(lowered):
        piece = value[m.start():m.end()]
        if piece in (piece.lower(), piece.upper(), piece.capitalize()):
            return piece
    return None


def _shape_reason(body: str) -> str | None:
    if len(body) < 8:
        return None
    if re.search(r"(.)\1{7,}", body):
        return "the value repeats one character 8 or more times"
    if len(set(body)) <= 4 and len(body) >= 16:
        return "the value uses 4 or fewer distinct characters"
    run = best = 1
    for a, b in zip(body, body[1:]):
        run = run + 1 if ord(b) - ord(a) == 1 else 1
        best = max(best, run)
    if best >= 7:
        return "the value holds a sequence like 1234567 or abcdefg"
    return None


class PlaceholderFilter:
    """Suppress placeholders, documented example values and decoder-identified public values."""

    def check(self, finding: Finding, blob: Blob) -> Suppression | None:
        public = dict(finding.classification.details).get(DETAIL_NOT_A_SECRET)
        if public:
            return Suppression(SuppressionKind.PLACEHOLDER, f"not a secret: {public}")
        why = placeholder_reason(finding.secret)
        if why is not None:
            return Suppression(SuppressionKind.PLACEHOLDER, f"placeholder: {why}")
        return None
