"""What analysing one blob at one path gave: the unit the audit shares, stores and reuses.

A blob's engine matches depend on its bytes alone, but its findings also depend on where it
sits (the path decides the location class and can name the environment), so the shared unit
is a (blob id, path) place. Outcomes hold no secret: a finding's `secret` is emptied before it
leaves the worker. What the rest of the audit still needs of the value is worked out there,
while the worker holds it (identity.py): the secret's identity across repositories, and which
of the repository's baseline entries keyed by the secret itself it matches.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from scanner.audit.identity import RepoScheme
from scanner.findings import Fingerprinter
from scanner.model import Finding, Skipped


@dataclass(frozen=True, slots=True)
class Kept:
    """A finding without its secret."""

    finding: Finding  # fingerprint and redaction under its repository's scheme
    identity: str  # the secret's fingerprint under the audit's salt: one in every repository
    entries: tuple[str, ...] = ()  # keys of the v1 and sha1 baseline entries it matches


@dataclass(frozen=True, slots=True)
class Outcome:
    """One blob read at one path: its size and findings, or why it was not read."""

    size: int = 0
    findings: tuple[Kept, ...] = ()
    skipped: Skipped | None = None  # its path is the reader's; each place shows its own

    @property
    def salted(self) -> bool:
        """Does it hold for one fingerprint scheme only? (Its findings carry fingerprints;
        an outcome without findings is the same under every scheme.)"""
        return bool(self.findings)


def without_secret(finding: Finding, scheme: RepoScheme, identity: Fingerprinter, *,
                   quick: bool = False) -> Kept:
    """`quick`: the value's key needs no scrypt (pipeline.cheap_key), as in its scan."""
    return Kept(replace(finding, secret=""),
                identity.fingerprint(finding.rule_id, finding.secret, quick=quick),
                scheme.entries_matched(finding))
