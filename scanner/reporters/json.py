"""JSON report, schema version 1 (documented in docs/json-schema.md)."""

from __future__ import annotations

import json
from typing import Any

from scanner import __version__
from scanner.model import Finding, ScanResult
from scanner.reporters import ReportContext
from scanner.reporters.common import (
    config_effect_dict,
    finding_properties,
    location_dict,
    summary,
)

SCHEMA_VERSION = "1.0"


def finding_dict(f: Finding, ctx: ReportContext) -> dict[str, Any]:
    rule = ctx.rules.get(f.rule_id)
    c = f.classification
    return {
        "ruleId": f.rule_id,
        "title": f.title,
        "secret": ctx.secret_text(f),
        **location_dict(f.location),
        **finding_properties(f),
        "reason": c.reason,
        "remediation": c.remediation,
        "narrower": rule.narrower if rule else None,
        "evidence": list(c.evidence),
        "locations": [location_dict(o) for o in f.occurrences] or [location_dict(f.location)],
        "suppression": ({"kind": str(f.suppression.kind), "reason": f.suppression.reason}
                        if f.suppression else None),
    }


def render(result: ScanResult, ctx: ReportContext) -> str:
    doc = {
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": "credscope", "version": __version__},
        "scan": {
            "root": result.root, "mode": result.mode, "files": result.stats.files,
            "bytes": result.stats.bytes, "seconds": round(result.stats.seconds, 3),
            "revision": result.revision, "repositoryUri": result.repository_uri,
            "failOn": str(result.fail_on),
            "exitCode": result.exit_code,
        },
        "summary": summary(result),
        "findings": [finding_dict(f, ctx) for f in result.findings],
        "suppressed": [finding_dict(f, ctx) for f in result.suppressed],
        "skipped": [{"path": s.path, "reason": s.reason, "kind": s.kind} for s in result.skipped],
        "notes": list(result.notes),
        "configuration": [config_effect_dict(e) for e in result.config_effects],
        "staleBaseline": list(result.stale_baseline),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
