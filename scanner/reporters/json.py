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
from scanner.reporters.common import (
    config_effect_dict,
    finding_properties,
    listed,
    location_dict,
    summary,
)

SCHEMA_VERSION = "1.1"
_STANDARD = json.JSONEncoder(indent=2, ensure_ascii=False).encode
_STRING: Callable[[str], str] = json.encoder.encode_basestring


def _ENCODE(value: object, indent: str = "") -> str:  # noqa: N802 - the encoder's old name
    """`json.dumps(value, indent=2, ensure_ascii=False)`, to the character, at a few times
    its speed: with an indent the standard library encodes in pure Python, a generator step
    per token, and the report of a large history (tens of thousands of findings) spent
    seconds there alone. Strings go through the library's C escaping; anything this does
    not know (a float, a key that is not a string) goes to the library itself."""
    if isinstance(value, str):
        return _STRING(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return int.__repr__(value)
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        if not all(type(key) is str for key in value):
            return _STANDARD(value).replace("\n", "\n" + indent)
        members = ",\n".join(f"{inner}{_STRING(key)}: {_ENCODE(item, inner)}"
                              for key, item in value.items())
        return f"{{\n{members}\n{indent}}}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        items = ",\n".join(inner + _ENCODE(item, inner) for item in value)
        return f"[\n{items}\n{indent}]"
    return _STANDARD(value).replace("\n", "\n" + indent)


def finding_dict(f: Finding, ctx: ReportContext, locations: object = None) -> dict[str, Any]:
    """One finding; `locations` stands in for the list of its locations when given (the
    stream writes them one by one, see _write_finding)."""
    rule = ctx.rules.get(f.rule_id)
    c = f.classification
    listing, omitted = listed(f, ctx.max_occurrences)
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
        "locations": ([location_dict(o) for o in listing] if locations is None
                      else locations),
        "locationsOmitted": omitted,
        "suppression": ({"kind": str(f.suppression.kind), "reason": f.suppression.reason}
                        if f.suppression else None),
    }


# A finding's locations are written one by one in place of this value (a secret in 100,000
# blobs is never one string): no string value can produce it, as every quote in one is escaped.
_LOCATIONS = _ENCODE("locations") + ": " + _ENCODE("\0locations\0")


def _write_finding(out: TextIO, f: Finding, ctx: ReportContext) -> None:
    doc = finding_dict(f, ctx, locations="\0locations\0")
    head, _, tail = _ENCODE(doc).replace("\n", "\n    ").partition(_LOCATIONS)
    out.write(head)
    out.write('"locations": [')
    for i, loc in enumerate(listed(f, ctx.max_occurrences)[0]):
        out.write(",\n        " if i else "\n        ")
        out.write(_ENCODE(location_dict(loc)).replace("\n", "\n        "))
    out.write("\n      ]")
    out.write(tail)


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
    _findings(out, "findings", result.findings, ctx)
    _findings(out, "suppressed", result.suppressed, ctx)
    _array(out, "skipped", result.skipped,
           lambda s: {"path": s.path, "reason": s.reason, "kind": s.kind})
    _array(out, "notes", result.notes, str)
    _array(out, "configuration", result.config_effects, config_effect_dict)
    _array(out, "staleBaseline", result.stale_baseline, str, last=True)
    out.write("\n}\n")
    cut = sum(listed(f, ctx.max_occurrences)[1] for f in (*result.findings, *result.suppressed))
    return [f"JSON report: {cut} occurrences beyond --max-occurrences "
            f"{ctx.max_occurrences} left out (counted in each finding's locationsOmitted)"
            ] if cut else []


def _nested(value: object) -> str:
    """`value` encoded as it appears one level down in the document."""
    return _ENCODE(value).replace("\n", "\n  ")


def _findings(out: TextIO, key: str, findings: Iterable[Finding], ctx: ReportContext) -> None:
    out.write(f"\n  {_ENCODE(key)}: [")
    first = True
    for f in findings:
        out.write("\n    " if first else ",\n    ")
        _write_finding(out, f, ctx)
        first = False
    out.write("]," if first else "\n  ],")


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
