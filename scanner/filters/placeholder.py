"""Placeholders and documented example values are not findings: they are suppressed with a
reason (kind "placeholder"), for every rule.

Careful by design: each test below is one a random token essentially never passes (a marker
word spelled whole, a run of 8 equal characters over half the value, a 7-character ascending
sequence, at most 4 distinct characters), so real-looking random tokens stay findings.
"""

from __future__ import annotations

import itertools
import re

from scanner.classify.classifier import DETAIL_REJECTED, DETAIL_REJECTED_KIND
from scanner.classify.decoders import DETAIL_NOT_A_SECRET, Surroundings
from scanner.classify.decoders.cloud import AZURITE_KEY
from scanner.classify.decoders.urls import decode_database_url
from scanner.classify.structure import document
from scanner.matching.generic.placeholders import placeholder_why as generic_placeholder_why
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
# Names of identifiers that grant nothing; a bare UUID or hex value under one is not a secret.
_IDENTIFIER_NAME = re.compile(
    r"^(x[-_])?(request|trace|span|correlation|transaction|idempotency|message|event|order"
    r"|build|run|job|commit|revision|parent)[-_]?(id|key|sha|hash)?$|^(etag|checksum|sha|"
    r"sha1|sha256|digest|hash|commit|revision|rev)$", re.IGNORECASE)
_BARE_ID = re.compile(r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                      r"[0-9a-fA-F]{12}|[0-9a-fA-F]{7,64})$")
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
    # Base64 of binary (macaroons, msgpack) holds runs like AAAAAAAA: only a run that makes
    # up half the value marks a placeholder.
    runs = [m.end() - m.start() for m in re.finditer(r"(.)\1{7,}", body)]
    if runs and max(runs) * 2 >= len(body):
        return "the value repeats one character 8 or more times"
    if len(set(body)) <= 4 and len(body) >= 16:
        return "the value uses 4 or fewer distinct characters"
    run = best = 1
    for a, b in itertools.pairwise(body):
        run = run + 1 if ord(b) - ord(a) == 1 else 1
        best = max(best, run)
    if best >= 7:
        return "the value holds a sequence like 1234567 or abcdefg"
    return None


_USERINFO = re.compile(r"^[a-zA-Z][\w+.-]*://(?P<user>[^\s:/@]*):(?P<password>[^\s/@]+)@")


def url_password_reason(value: str) -> str | None:
    """A connection URL whose password is a stand-in (`mongodb://user:pass@host`,
    `postgres://root:password@db`, `amqp://guest:guest@...`), whichever rule matched it."""
    m = _USERINFO.match(value)
    if m is None:
        return None
    password = m.group("password")
    if password == m.group("user"):
        return "the password in the URL repeats its user name"
    why = generic_placeholder_why(password)
    return f"the password in the URL is {why}" if why else None


def identifier_reason(value: str, name: str) -> str | None:
    """A bare UUID or hex value assigned to a request id, trace id, commit... grants nothing.
    Values with a provider format of their own (ghp_, sk_live_) are never excused by a name."""
    if name and _IDENTIFIER_NAME.match(name) and _BARE_ID.match(value):
        return f"an identifier, not a credential: it is assigned to {name}"
    return None


def local_default_reason(value: str, blob: Blob, line_no: int) -> str | None:
    """A password that is a local development default in a connection URL on localhost or a
    compose service (postgres:postgres@localhost), whichever rule matched it. The line comes
    from the blob's Document, which classification already split (splitting the blob again
    for every finding of a history cost a few percent of the scan)."""
    lines = document(blob).lines if line_no >= 1 else []
    line = lines[line_no - 1] if len(lines) >= line_no else ""
    if "://" not in line:
        return None
    if len(line) > 4096:  # a minified bundle: the URL around the value, not a 4 MB line
        at = max(line.find(value), 0)  # (the URL regexes are quadratic on such lines)
        line = line[max(0, at - 1024):at + len(value) + 1024]
    return decode_database_url(value, Surroundings(line=line, window=line)).not_a_secret


_KINDS = {"placeholder": SuppressionKind.PLACEHOLDER,
          "not-a-secret": SuppressionKind.NOT_A_SECRET}


class PlaceholderFilter:
    """Suppress placeholders, documented example values, identifiers and public values, and
    every candidate a generic detector rejected (with the detector's reason)."""

    def check(self, finding: Finding, blob: Blob) -> Suppression | None:
        details = dict(finding.classification.details)
        rejected = details.get(DETAIL_REJECTED)
        if rejected is not None:
            kind = _KINDS.get(details.get(DETAIL_REJECTED_KIND, ""), SuppressionKind.PLACEHOLDER)
            return Suppression(kind, rejected)
        public = details.get(DETAIL_NOT_A_SECRET) or local_default_reason(
            finding.secret, blob, finding.location.line)
        if public:
            return Suppression(SuppressionKind.PLACEHOLDER, f"not a secret: {public}")
        why = placeholder_reason(finding.secret) or identifier_reason(
            finding.secret, details.get("assigned-to", "")) or url_password_reason(
            finding.secret)
        if why is not None:
            return Suppression(SuppressionKind.PLACEHOLDER, f"placeholder: {why}")
        return None
