"""JSON report, schema version 1.1 (documented in docs/json-schema.md).

Written as a stream: the document's frame first, then each finding (and each skipped file or
stale baseline entry) encoded and written on its own, so a history with 100,000 findings is
never one object tree in memory. The text is exactly what `json.dumps(doc, indent=2)` of the
whole document gives.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from scanner import __version__
from scanner.model import Finding, ScanResult
from scanner.reporters import ReportContext
from scanner.reporters.common import finding_properties, listed, location_dict, summary

SCHEMA_VERSION = "1.1"
_ENCODE = json.JSONEncoder(indent=2, ensure_ascii=False).encode


def finding_dict(f: Finding, ctx: ReportContext) -> dict[str, Any]:
    rule = ctx.rules.get(f.rule_id)
    c = f.classification
    locations, omitted = listed(f, ctx.max_occurrences)
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
        "locations": [location_dict(o) for o in locations],
        "locationsOmitted": omitted,
        "suppression": ({"kind": str(f.suppression.kind), "reason": f.suppression.reason}
                        if f.suppression else None),
    }


def stream(result: ScanResult, ctx: ReportContext, out: TextIO) -> list[str]:
    head = {
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": "credscope", "version": __version__},
        "scan": {
            "root": result.root, "mode": result.mode, "files": result.stats.files,
            "bytes": result.stats.bytes, "seconds": round(result.stats.seconds, 3),
            "revision": result.revision, "repositoryUri": result.repository_uri,
            "failOn": str(result.fail_on),
            "exitCode": result.exit_code,
            "maxOccurrences": ctx.max_occurrences,
        },
        "summary": summary(result),
    }
    out.write("{")
    for key, value in head.items():
        out.write(f"\n  {_ENCODE(key)}: {_nested(value)},")
    _array(out, "findings", result.findings, lambda f: finding_dict(f, ctx))
    _array(out, "suppressed", result.suppressed, lambda f: finding_dict(f, ctx))
    _array(out, "skipped", result.skipped,
           lambda s: {"path": s.path, "reason": s.reason, "kind": s.kind})
    _array(out, "notes", result.notes, str)
    _array(out, "staleBaseline", result.stale_baseline, str, last=True)
    out.write("\n}\n")
    cut = sum(listed(f, ctx.max_occurrences)[1] for f in (*result.findings, *result.suppressed))
    return [f"JSON report: {cut} occurrences beyond --max-occurrences "
            f"{ctx.max_occurrences} left out (counted in each finding's locationsOmitted)"
            ] if cut else []


def _nested(value: object) -> str:
    """`value` encoded as it appears one level down in the document."""
    return _ENCODE(value).replace("\n", "\n  ")


def _array(out: TextIO, key: str, items: Iterable[Any], to_json: Callable[[Any], object],
           last: bool = False) -> None:
    out.write(f"\n  {_ENCODE(key)}: [")
    first = True
    for item in items:
        out.write("\n    " if first else ",\n    ")
        out.write(_ENCODE(to_json(item)).replace("\n", "\n    "))
        first = False
    out.write("]" if first else "\n  ]")
    if not last:
        out.write(",")
