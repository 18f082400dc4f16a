"""SARIF 2.1.0 report: one run, rules[] from the rule data, one result per place of a secret,
within GitHub code scanning's limits (scanner.reporters.sarif_plan decides which).

Choices (documented in docs/reports.md):
- Artifact URIs are relative to the repository root under uriBaseId %SRCROOT%, so GitHub code
  scanning places alerts on the right lines even when a subdirectory was scanned.
- Each distinct place of a secret is a result (code scanning shows a result's first location
  only; scorers and dashboards count results per place). The secret's first place links up to
  RELATED of its other places; every other place links back to the first: linear, never one
  result listing all the others.
- partialFingerprints: the secret's fingerprint, plus a hash of the file and of which copy of
  the secret in that file this is; no line number, so an alert keeps its identity when lines
  move.
- Suppressed findings are results with `suppressions`, so counts stay honest.
- Columns count Unicode code points (run.columnKind), as the engine does.
- Snippets hold the redacted secret unless --show-secrets.
- Written as a stream, one result per line, while a gzip estimate of the text so far is kept:
  results stop, counted, before the file could reach code scanning's 10 MB (gzipped).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zlib
from typing import Any, TextIO

from scanner import __version__
from scanner.model import Finding, ScanResult, Severity, SuppressionKind
from scanner.reporters import ReportContext
from scanner.reporters.common import finding_properties, summary
from scanner.reporters.sarif_parts import (
    INFORMATION_URI,
    NOTIFICATIONS,
    SRCROOT,
    invocation,
    location,
    rule_descriptor,
    srcroot,
)
from scanner.reporters.sarif_plan import (
    MAX_RESULTS,
    RELATED,
    Planned,
    SarifPlan,
    plan,
    security_severity,
)

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "credscopeFingerprint/v1"
LOCATION_KEY = "credscopeLocation/v2"  # credscope: allow (a name, not a secret)
GZIP_BUDGET = 7 * 1024 * 1024  # code scanning takes up to 10 MB gzipped: stop well before
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note",
          Severity.NONE: "none"}
# A pragma lives in the scanned file; every other suppression is kept outside it.
_IN_SOURCE = frozenset({SuppressionKind.PRAGMA})
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def sarif_log(result: ScanResult, ctx: ReportContext) -> dict[str, Any]:
    """The whole log as a dictionary (tests and tools; reports are streamed)."""
    buf = io.StringIO()
    stream(result, ctx, buf)
    doc: dict[str, Any] = json.loads(buf.getvalue())
    return doc


def stream(result: ScanResult, ctx: ReportContext, out: TextIO) -> list[str]:
    chosen = plan(result, ctx.max_occurrences)
    firsts: dict[str, Finding] = {}
    for p in chosen.results:
        firsts.setdefault(p.finding.rule_id, p.finding)
    rule_ids = sorted(firsts)
    index = {rid: i for i, rid in enumerate(rule_ids)}
    scores: dict[str, float] = {}
    for f in (*result.findings, *result.suppressed):
        scores[f.rule_id] = max(scores.get(f.rule_id, 0.0), security_severity(f))
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "credscope", "version": __version__, "semanticVersion": __version__,
            "informationUri": INFORMATION_URI,
            "rules": [rule_descriptor(rid, ctx.rules.get(rid), firsts[rid], scores[rid])
                      for rid in rule_ids],
        }},
        "invocations": [invocation(result)],
        "originalUriBaseIds": {SRCROOT: srcroot(result)},
        "columnKind": "unicodeCodePoints",
    }
    if result.repository_uri:
        vcs: dict[str, Any] = {"repositoryUri": result.repository_uri,
                               "mappedTo": {"uriBaseId": SRCROOT}}
        if result.revision:
            vcs["revisionId"] = result.revision
        run["versionControlProvenance"] = [vcs]
    writer = _Measured(out)
    writer.write(f'{{\n  "$schema": "{SARIF_SCHEMA}",\n  "version": "2.1.0",\n  "runs": [\n    {{')
    for key, value in run.items():
        writer.write(f"\n      {_member(key, value)},")
    writer.write('\n      "results": [')
    written = 0
    for planned in chosen.results:
        if writer.gzipped() > GZIP_BUDGET:
            break
        writer.write(("\n" if written == 0 else ",\n") + "        "
                     + _compact(_result(planned, index[planned.finding.rule_id], result, ctx)))
        written += 1
    too_big = len(chosen.results) - written
    props = {"mode": result.mode, "revision": result.revision, "summary": summary(result),
             "limits": _limits(chosen, ctx.max_occurrences, too_big, result)}
    writer.write(("\n      ]," if written else "],")
                 + f"\n      {_member('properties', props)}\n    }}\n  ]\n}}\n")
    return _notes(chosen, too_big)


def planned_cuts(result: ScanResult, max_occurrences: int) -> list[str]:
    """What a SARIF report of `result` leaves out (code scanning's result limit,
    --max-occurrences), in the sentences stream() returns: for a terminal summary printed
    before the SARIF file is written. The gzip budget is known only while writing (stream's
    own notes add it; it is not reached below 25,000 results of ordinary size)."""
    return _notes(plan(result, max_occurrences), 0)


def _member(key: str, value: object) -> str:
    """`"key": value` as it appears inside the run object (pretty, three levels down)."""
    text = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n      ")
    return f"{json.dumps(key)}: {text}"


class _Measured:
    """Writes through, keeping a gzip estimate of everything written (zlib level 1 is never
    smaller than the gzip -6 an upload uses, so the estimate errs on the safe side)."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._zip = zlib.compressobj(1, zlib.DEFLATED, 31)
        self._size = 0
        self._pending = 0

    def write(self, text: str) -> None:
        self._out.write(text)
        self._size += len(self._zip.compress(text.encode("utf-8", "surrogatepass")))
        self._pending += len(text)

    def gzipped(self) -> int:
        if self._pending > 256 * 1024:  # zlib holds input back: flush now and then to count
            self._size += len(self._zip.flush(zlib.Z_SYNC_FLUSH))
            self._pending = 0
        return self._size + self._pending


def _limits(chosen: SarifPlan, max_occurrences: int, too_big: int, result: ScanResult
            ) -> dict[str, Any]:
    return {
        "maxResults": MAX_RESULTS, "maxOccurrences": max_occurrences,
        "results": len(chosen.results) - too_big,
        "candidateResults": chosen.candidates,
        "resultsOmitted": chosen.omitted + too_big,
        "resultsOmittedByLevel": dict(sorted(chosen.omitted_by_level.items())),
        "resultsOmittedForSize": too_big,
        "placesBeyondMaxOccurrences": chosen.places_beyond_max,
        "secretsWithoutResult": chosen.secrets_without_result + _lost_primaries(chosen, too_big),
        "skippedNotListed": max(0, len(result.skipped) - NOTIFICATIONS),
        "staleBaselineNotListed": max(0, len(result.stale_baseline) - NOTIFICATIONS),
    }


def _lost_primaries(chosen: SarifPlan, too_big: int) -> int:
    return sum(p.primary for p in chosen.results[len(chosen.results) - too_big:]) if too_big else 0


def _notes(chosen: SarifPlan, too_big: int) -> list[str]:
    """What the log left out, in a sentence for the terminal."""
    notes = []
    if chosen.omitted:
        levels = ", ".join(f"{n} {level}" for level, n in sorted(chosen.omitted_by_level.items()))
        notes.append(f"SARIF report: the {len(chosen.results)} most severe of "
                     f"{chosen.candidates} results written (code scanning accepts "
                     f"{MAX_RESULTS} per run); {chosen.omitted} left out ({levels}), counted "
                     "in run.properties.limits; the JSON report lists every finding")
    if too_big:
        notes.append(f"SARIF report: {too_big} less severe results left out to stay under "
                     "code scanning's 10 MB (gzipped); the JSON report lists every finding")
    if chosen.places_beyond_max:
        notes.append(f"SARIF report: {chosen.places_beyond_max} places beyond "
                     "--max-occurrences left out")
    return notes


def location_key(path: str, ordinal: int, suppressed: str) -> str:
    """A place's identity for code scanning: the file and which copy of the secret in it
    (0 the first), never the line, so an alert survives edits above it."""
    data = os.fsencode(path) + f"\0{ordinal}\0{suppressed}".encode()
    return hashlib.sha256(data).hexdigest()[:16]


def _result(p: Planned, rule_index: int, result: ScanResult, ctx: ReportContext
            ) -> dict[str, Any]:
    f = p.finding
    snippet = ctx.secret_text(f)
    kind = str(f.suppression.kind) if f.suppression else ""
    out: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": _LEVEL[f.severity],
        "message": {"text": f.classification.reason},
        "locations": [location(p.place, result.repo_prefix, snippet)],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint,
                                LOCATION_KEY: location_key(p.place.path, p.ordinal, kind)},
    }
    if p.primary:
        others = list(p.places[1:RELATED + 1])
        out["properties"] = {**finding_properties(f), "title": f.title,
                             "remediation": f.classification.remediation,
                             "security-severity": f"{security_severity(f):.1f}",
                             "places": p.total_places,
                             "relatedLocationsOmitted": p.total_places - 1 - len(others)}
        text = "The same secret is also here."
    else:
        others = [f.location]  # a secret's first place is where its finding is
        out["properties"] = {"fingerprint": f.fingerprint, "firstPlace": False,
                             "severity": str(f.severity),
                             "security-severity": f"{security_severity(f):.1f}",
                             "places": p.total_places}
        text = "The first place of the same secret (its result carries the classification)."
    if others:
        out["relatedLocations"] = [
            {"id": i, **location(o, result.repo_prefix, snippet), "message": {"text": text}}
            for i, o in enumerate(others, start=1)]
    if f.suppression is not None:
        kind_ = "inSource" if f.suppression.kind in _IN_SOURCE else "external"
        out["suppressions"] = [{"kind": kind_, "status": "accepted",
                                "justification": f.suppression.reason,
                                "properties": {"reason": str(f.suppression.kind)}}]
    return out


