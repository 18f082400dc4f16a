"""Fingerprints in an audit: each repository's own, and one identity across repositories.

A repository's reports carry its fingerprints exactly as `scan --history` computes them:
under its baseline's salt and work factors, else under the salt of its root commit
(findings.repository_salt). So two unrelated repositories give the same secret two different
fingerprints, and nothing outside the worker that held the secret can tell they are one.
That worker therefore also computes the secret's **identity**: its fingerprint under the
audit's own salt, random, made once per output directory and kept in its store (never
derived from a repository, so it says nothing about any of them). The organisation report
groups by identity.

A finding's outcome is shared between repositories of the same fingerprint scheme: salt,
work factors, and the baseline entries that only the secret itself can match (version 1
fingerprints, imported detect-secrets sha1s). The worker matches those against the secret
and keeps only the keys of the entries it matched, which the baseline already publishes: the
store holds no fast hash of any secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.audit.keys import hash_parts
from scanner.baseline import phc, sha1_candidates
from scanner.config import Config
from scanner.filters.baseline import baseline_filter
from scanner.findings import Cost, Fingerprinter, legacy_fingerprint, repository_salt
from scanner.model import Finding
from scanner.pipeline import fingerprinter_for


@dataclass(frozen=True, slots=True)
class RepoScheme:
    """What a repository's findings carry besides the blob and its path."""

    salt: bytes
    cost: Cost
    legacy: frozenset[str] = frozenset()  # its baseline's v1 fingerprints
    sha1s: frozenset[str] = frozenset()  # its baseline's imported detect-secrets sha1s
    key: str = field(init=False)  # the store's `scheme` column for outcomes with findings

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", hash_parts(
            phc(self.salt, self.cost), *sorted(self.legacy), "\0", *sorted(self.sha1s)))

    def fingerprinter(self) -> Fingerprinter:
        """Its fingerprints and redactions (the pepper, if any, from the environment)."""
        return Fingerprinter(self.salt, self.cost)

    def entries_matched(self, finding: Finding) -> tuple[str, ...]:
        """The keys of the baseline entries only the secret can match that it matches, in the
        order the baseline filter tries them (v1 fingerprint, then sha1s)."""
        found = []
        if self.legacy:
            legacy = legacy_fingerprint(finding.rule_id, finding.secret)
            if legacy in self.legacy:
                found.append(legacy)
        if self.sha1s:
            found += sorted(f"sha1:{d}" for d in sha1_candidates(finding.secret) & self.sha1s)
        return tuple(found)


def repo_scheme(config: Config) -> RepoScheme:
    """The repository's scheme, resolved as `scan` resolves it (pipeline.fingerprinter_for):
    its baseline's salt and cost, else its repository salt. Raises BaselineError for a
    baseline `scan` could not read either."""
    baseline = baseline_filter(config)
    fingerprinter = fingerprinter_for(config, baseline)
    salt = fingerprinter.salt_of
    if not isinstance(salt, bytes):
        salt = repository_salt(salt)  # uncached: the repository may have changed since
    entries = baseline.baseline.entries if baseline is not None else ()
    legacy = frozenset(baseline.baseline.legacy()) if baseline is not None else frozenset()
    return RepoScheme(salt, fingerprinter.cost, legacy,
                      frozenset(e.sha1 for e in entries if e.sha1 and not e.fingerprint))


def audit_identity(audit_salt: bytes) -> Fingerprinter:
    """Identities: fingerprints under the audit's salt, at the default work factors."""
    return Fingerprinter(audit_salt)
