"""The organisation report: every repository's findings folded into one view.

A credential is an identity (rule + secret, under the audit's own salt: identity.py), the
same in every repository whatever its own fingerprints: the same secret in N repositories is
one credential with N repositories, every place listed with the fingerprint that
repository's reports give it, judged by its most dangerous place. Credentials come most
dangerous first; each repository gets its counts; whatever could not be audited (a
repository, or a blob inside one) is listed with its reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner import __version__
from scanner.model import Finding, Location, ScanResult
from scanner.reporters.common import commit_dict, finding_properties, summary
from scanner.reporters.sarif_plan import security_severity

# 2.0: credentials are identities (`identity`; `shared` lists identities, not fingerprints),
# and each place names its repository's own `fingerprint`.
SCHEMA_VERSION = "2.0"


@dataclass(frozen=True, slots=True)
class RepoReport:
    """One repository's part of the audit: its result, or why there is none."""

    name: str
    slug: str
    status: str  # "scanned", "unchanged" (reused from the store) or "failed"
    result: ScanResult | None = None
    error: str | None = None
    identities: Mapping[str, str] = field(default_factory=dict)  # fingerprint -> identity

    def identity(self, finding: Finding) -> str:
        """The finding's identity across repositories (its fingerprint when none is known:
        a repository scanned on its own)."""
        return self.identities.get(finding.fingerprint, finding.fingerprint)


@dataclass
class Credential:
    identity: str
    primary: Finding  # its most dangerous place speaks for it
    repository: str  # ... which sits in this repository
    places: list[tuple[str, Location]] = field(default_factory=list)
    fingerprints: dict[str, str] = field(default_factory=dict)  # repository -> its fingerprint
    # Where the same secret is suppressed (baselined, allowed by a pragma...): accepted there,
    # but one more place to fix when it is rotated.
    suppressed: list[tuple[str, Finding]] = field(default_factory=list)

    @property
    def repositories(self) -> list[str]:
        return sorted({repo for repo, _ in self.places})


def danger(finding: Finding) -> tuple[int, float]:
    return finding.severity.rank, security_severity(finding)


def credentials(repos: Sequence[RepoReport]) -> list[Credential]:
    """Every active finding of every repository, one entry per secret, most dangerous first."""
    found: dict[str, Credential] = {}
    for repo in repos:
        if repo.result is None:
            continue
        for finding in repo.result.findings:
            identity = repo.identity(finding)
            cred = found.get(identity)
            if cred is None:
                cred = found[identity] = Credential(identity, finding, repo.name)
            elif danger(finding) > danger(cred.primary):
                cred.primary, cred.repository = finding, repo.name
            cred.places += [(repo.name, loc) for loc in finding.occurrences or (finding.location,)]
            cred.fingerprints[repo.name] = finding.fingerprint
    for repo in repos:
        for finding in repo.result.suppressed if repo.result else ():
            cred = found.get(repo.identity(finding))
            if cred is not None:
                cred.suppressed.append((repo.name, finding))
    return sorted(found.values(), key=lambda c: (
        -c.primary.severity.rank, -security_severity(c.primary), -len(c.repositories),
        c.primary.rule_id, c.identity))


def place_dict(repo: str, loc: Location, fingerprint: str) -> dict[str, Any]:
    return {"repository": repo, "fingerprint": fingerprint, "path": loc.path, "line": loc.line,
            "column": loc.column, "label": loc.label, "blobId": loc.blob_id,
            "commit": commit_dict(loc.commit)}


def credential_dict(cred: Credential) -> dict[str, Any]:
    f = cred.primary
    return {
        "ruleId": f.rule_id, "title": f.title, "secret": f.redacted,
        **finding_properties(f),
        "identity": cred.identity,
        "reason": f.classification.reason,
        "securitySeverity": security_severity(f),
        "repositories": cred.repositories,
        "primaryRepository": cred.repository,
        "places": [place_dict(repo, loc, cred.fingerprints[repo]) for repo, loc in cred.places],
        "suppressedPlaces": [
            {**place_dict(repo, f.location, f.fingerprint), "suppression": {
                "kind": str(f.suppression.kind), "reason": f.suppression.reason}
                if f.suppression else None} for repo, f in cred.suppressed],
    }


def repository_dict(repo: RepoReport) -> dict[str, Any]:
    out: dict[str, Any] = {"name": repo.name, "status": repo.status, "error": repo.error,
                           "reports": {"json": f"repositories/{repo.slug}.json",
                                       "sarif": f"repositories/{repo.slug}.sarif"}}
    if repo.result is None:
        out["reports"] = None
        return out
    r = repo.result
    skipped = Counter((s.kind, s.reason) for s in r.skipped)
    return {**out, "revision": r.revision, "blobs": r.stats.files, "bytes": r.stats.bytes,
            "exitCode": r.exit_code, "summary": summary(r), "notes": list(r.notes),
            "staleBaseline": list(r.stale_baseline),
            "skipped": [{"kind": k, "reason": why, "count": n}
                        for (k, why), n in sorted(skipped.items())]}


def organisation(repos: Sequence[RepoReport], creds: Sequence[Credential],
                 audit: dict[str, Any]) -> dict[str, Any]:
    shared = [c for c in creds if len(c.repositories) > 1]
    return {
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": "credscope", "version": __version__},
        "audit": audit,
        "summary": {
            "repositories": len(repos),
            "failedRepositories": sum(r.status == "failed" for r in repos),
            "credentials": len(creds),
            "sharedCredentials": len(shared),
            "bySeverity": dict(Counter(str(c.primary.severity) for c in creds)),
            "byTier": dict(Counter(str(c.primary.classification.effective_tier)
                                   for c in creds)),
        },
        "credentials": [credential_dict(c) for c in creds],
        "shared": [c.identity for c in shared],
        "repositories": [repository_dict(r) for r in repos],
    }
