"""What analysing one blob at one path gave: the unit the audit shares, stores and reuses.

A blob's engine matches depend on its bytes alone, but its findings also depend on where it
sits (the path decides the location class and can name the environment), so the shared unit
is a (blob id, path) place. Outcomes hold no secret: a finding's `secret` is emptied before it
leaves the worker. What the scan-wide step still needs of the value, matching a repository's
imported detect-secrets baseline entries (sha1 of the secret or of a leading part of it), is
kept as keyed hashes of those sha1s, as strong as the fingerprint itself.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace

from scanner.baseline import sha1_candidates
from scanner.findings import fingerprint_key
from scanner.model import Finding, Skipped


@dataclass(frozen=True, slots=True)
class Kept:
    """A finding without its secret, and the keyed hashes baseline sha1 entries match on."""

    finding: Finding
    sha1_keys: frozenset[str]


@dataclass(frozen=True, slots=True)
class Outcome:
    """One blob read at one path: its size and findings, or why it was not read."""

    size: int = 0
    findings: tuple[Kept, ...] = ()
    skipped: Skipped | None = None  # its path is the reader's; each place shows its own


def keyed_sha1(sha1: str) -> str:
    return hmac.new(fingerprint_key(), sha1.encode("ascii"), hashlib.sha256).hexdigest()[:24]


def without_secret(finding: Finding) -> Kept:
    keys = frozenset(keyed_sha1(digest) for digest in sha1_candidates(finding.secret))
    return Kept(replace(finding, secret=""), keys)
