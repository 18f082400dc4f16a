"""Facts every machine-readable reporter shares, so JSON and SARIF never drift apart."""

from __future__ import annotations

from collections import Counter
from typing import Any

from scanner.model import Commit, ConfigEffect, Finding, Flag, Location, ScanResult


def commit_dict(commit: Commit | None) -> dict[str, str] | None:
    if commit is None:
        return None
    return {"sha": commit.sha, "author": commit.author, "email": commit.email,
            "date": commit.date}


def location_dict(loc: Location) -> dict[str, Any]:
    return {
        "path": loc.path, "line": loc.line, "column": loc.column, "endLine": loc.end_line,
        "endColumn": loc.end_column, "label": loc.label, "blobId": loc.blob_id,
        "commit": commit_dict(loc.commit),
    }


def finding_properties(f: Finding) -> dict[str, Any]:
    """The classification of one finding under the names SARIF `properties` uses."""
    c = f.classification
    return {
        "privilege": str(c.tier),
        "worstCase": str(c.worst_case),
        "effectivePrivilege": str(c.effective_tier),
        "scope": str(c.scope),
        "capabilities": [str(x) for x in c.capabilities],
        "environment": str(c.environment),
        "location": str(c.location),
        "verdict": str(c.verdict),
        "severity": str(c.severity),
        "confidence": str(c.confidence),
        "historyOnly": Flag.HISTORY_ONLY in c.flags,
        "ignoredButPresent": Flag.IGNORED_BUT_PRESENT in c.flags,
        "firstSeenCommit": commit_dict(f.first_seen),
        "expired": c.expired,
        "provider": f.provider,
        "fingerprint": f.fingerprint,
        "occurrences": len(f.occurrences) or 1,
        "details": dict(c.details),
    }


def listed(f: Finding, max_occurrences: int) -> tuple[tuple[Location, ...], int]:
    """The occurrences a report lists (the first `max_occurrences`, most severe and earliest
    first; all when 0) and how many it leaves out."""
    every = f.occurrences or (f.location,)
    if 0 < max_occurrences < len(every):
        return every[:max_occurrences], len(every) - max_occurrences
    return every, 0


def summary(result: ScanResult) -> dict[str, Any]:
    return {
        "findings": len(result.findings),
        "failing": len(result.failing),
        "suppressed": len(result.suppressed),
        "bySeverity": dict(Counter(str(f.severity) for f in result.findings)),
        "byTier": dict(Counter(str(f.classification.effective_tier) for f in result.findings)),
        "byVerdict": dict(Counter(str(f.classification.verdict) for f in result.findings)),
        "suppressedBy": dict(Counter(str(f.suppression.kind) for f in result.suppressed
                                     if f.suppression)),
        "skipped": len(result.skipped),
        "skippedByKind": dict(Counter(s.kind for s in result.skipped)),
    }


def config_effect_dict(effect: ConfigEffect) -> dict[str, Any]:
    """What the scanned repository's config narrowed (applied) or was refused (trust.py)."""
    return {"setting": effect.setting, "value": effect.value, "source": effect.source,
            "applied": effect.applied, "detail": effect.detail}
