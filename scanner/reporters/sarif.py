"""SARIF 2.1.0 report: one run, rules[] from the rule data, one result per grouped finding.

Choices (documented in docs/reports.md):
- Artifact URIs are relative to the repository root under uriBaseId %SRCROOT%, so GitHub code
  scanning places alerts on the right lines even when a subdirectory was scanned.
- A grouped finding (one secret seen in several places) becomes one result per distinct place,
  each with the others in `relatedLocations`: code scanning shows only a result's first
  location, and scorers and dashboards count results per place. All of a secret's results
  share its fingerprint (partialFingerprints) and are told apart by a location hash.
- Suppressed findings are results with `suppressions`, so counts stay honest.
- Columns count Unicode code points (run.columnKind), as the engine does.
- Snippets hold the redacted secret unless --show-secrets.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from scanner import __version__
from scanner.matching.schema import Rule
from scanner.model import (
    DESTRUCTIVE,
    Finding,
    Location,
    ScanResult,
    Severity,
    SuppressionKind,
    Tier,
    Verdict,
)
from scanner.reporters import ReportContext
from scanner.reporters.common import config_effect_dict, finding_properties, summary

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/credscope/credscope"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "credscopeFingerprint/v1"
LOCATION_KEY = "credscopeLocation/v1"  # credscope: allow (a name, not a secret)

# GitHub reads security-severity as CVSS-like bands: >= 9 critical, 7-8.9 high, 4-6.9 medium.
_TIER_SCORE = {Tier.ADMIN: 8.5, Tier.WRITE: 7.0, Tier.UNKNOWN: 6.5, Tier.READ: 5.0,
               Tier.LIMITED: 3.0, Tier.PUBLIC: 1.0}
_VERDICT_ADJUST = {Verdict.EXPOSED: 1.5, Verdict.MISPLACED: 1.0, Verdict.AGENT_REACHABLE: 1.0,
                   Verdict.OVERPRIVILEGED: 1.0, Verdict.UNVERIFIED_SCOPE: 0.0, Verdict.OK: -1.0}
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note",
          Severity.NONE: "none"}
# A pragma lives in the scanned file; every other suppression is kept outside it.
_IN_SOURCE = frozenset({SuppressionKind.PRAGMA})


def security_severity(f: Finding) -> float:
    """0-10 danger of one finding: its effective tier, moved by the policy's verdict, plus a
    little for destructive capabilities (delete data or backups)."""
    c = f.classification
    score = _TIER_SCORE[c.effective_tier] + _VERDICT_ADJUST[c.verdict]
    if DESTRUCTIVE.intersection(c.capabilities):
        score += 0.5
    return round(min(10.0, max(0.1, score)), 1)


def render(result: ScanResult, ctx: ReportContext) -> str:
    return json.dumps(sarif_log(result, ctx), indent=2, ensure_ascii=False) + "\n"


def sarif_log(result: ScanResult, ctx: ReportContext) -> dict[str, Any]:
    everything = (*result.findings, *result.suppressed)
    by_rule: dict[str, list[Finding]] = {}
    for f in everything:
        by_rule.setdefault(f.rule_id, []).append(f)
    rule_ids = sorted(by_rule)
    index = {rid: i for i, rid in enumerate(rule_ids)}
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "credscope", "version": __version__, "semanticVersion": __version__,
            "informationUri": INFORMATION_URI,
            "rules": [_rule(rid, ctx.rules.get(rid), by_rule[rid]) for rid in rule_ids],
        }},
        "invocations": [_invocation(result)],
        "originalUriBaseIds": {SRCROOT: _srcroot(result)},
        "columnKind": "unicodeCodePoints",
        "results": [r for f in everything for r in _results(f, index[f.rule_id], result, ctx)],
        "properties": {"mode": result.mode, "revision": result.revision,
                       "summary": summary(result)},
    }
    if result.repository_uri:
        vcs: dict[str, Any] = {"repositoryUri": result.repository_uri,
                               "mappedTo": {"uriBaseId": SRCROOT}}
        if result.revision:
            vcs["revisionId"] = result.revision
        run["versionControlProvenance"] = [vcs]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _rule(rule_id: str, rule: Rule | None, mine: list[Finding]) -> dict[str, Any]:
    """The rule's descriptor; its security-severity is that of its most dangerous result,
    which is the number GitHub code scanning sorts and filters alerts by."""
    score = max(security_severity(f) for f in mine)
    first = mine[0]
    title = rule.title if rule else first.title
    description = rule.description if rule else first.title
    remediation = rule.remediation if rule else first.classification.remediation
    references = rule.references if rule else ()
    help_lines = [description, "", f"Remediation: {remediation}"]
    if rule and rule.narrower:
        help_lines.append(f"Use instead: {rule.narrower}")
    help_lines += [f"Reference: {r}" for r in references]
    tags = ["security", "secret", "credential", (rule.provider if rule else first.provider)]
    if rule:
        tags += [f"tier:{rule.worst_case}", *rule.tags]
    return {
        "id": rule_id,
        "name": _pascal(title),
        "shortDescription": {"text": title},
        "fullDescription": {"text": description},
        "help": {"text": "\n".join(help_lines),
                 "markdown": _help_markdown(description, remediation, rule, references)},
        "helpUri": references[0] if references else f"{INFORMATION_URI}#rules",
        "properties": {
            "tags": list(dict.fromkeys(tags)),
            "security-severity": f"{score:.1f}",
            "precision": "high",
            **({"privilege": str(rule.tier), "worstCase": str(rule.worst_case),
                "scope": str(rule.scope), "capabilities": [str(c) for c in rule.capabilities],
                "environment": str(rule.environment)} if rule else {}),
        },
    }


def _help_markdown(description: str, remediation: str, rule: Rule | None,
                   references: tuple[str, ...]) -> str:
    parts = [description, "", f"**Remediation:** {remediation}"]
    if rule and rule.narrower:
        parts.append(f"\n**Use instead:** {rule.narrower}")
    if references:
        parts += ["", *(f"- <{r}>" for r in references)]
    return "\n".join(parts)


def _pascal(title: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^0-9A-Za-z]+", title) if w)


def _places(f: Finding) -> list[Location]:
    """Distinct places of a finding, primary first (history repeats a place per commit)."""
    seen: dict[tuple[str, int, int, int, int], Location] = {}
    for loc in (f.location, *f.occurrences):
        seen.setdefault((loc.path, loc.line, loc.column, loc.end_line, loc.end_column), loc)
    return list(seen.values())


def _results(f: Finding, rule_index: int, result: ScanResult, ctx: ReportContext
             ) -> list[dict[str, Any]]:
    places = _places(f)
    return [_result(f, place, [o for o in places if o is not place], rule_index, result, ctx)
            for place in places]


def _result(f: Finding, place: Location, others: list[Location], rule_index: int,
            result: ScanResult, ctx: ReportContext) -> dict[str, Any]:
    snippet = ctx.secret_text(f)
    where = hashlib.sha256(os.fsencode(place.path)
                           + f":{place.line}:{place.column}".encode()).hexdigest()
    out: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": _LEVEL[f.severity],
        "message": {"text": f.classification.reason},
        "locations": [_location(place, result.repo_prefix, snippet)],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint, LOCATION_KEY: where[:16]},
        "properties": {**finding_properties(f), "title": f.title,
                       "remediation": f.classification.remediation,
                       "security-severity": f"{security_severity(f):.1f}"},
    }
    if others:
        out["relatedLocations"] = [
            {"id": i, **_location(o, result.repo_prefix, snippet),
             "message": {"text": "The same secret also appears here."}}
            for i, o in enumerate(others, start=1)]
    if f.suppression is not None:
        kind = "inSource" if f.suppression.kind in _IN_SOURCE else "external"
        out["suppressions"] = [{"kind": kind, "status": "accepted",
                                "justification": f.suppression.reason,
                                "properties": {"reason": str(f.suppression.kind)}}]
    return out


def _location(loc: Location, prefix: str, snippet: str) -> dict[str, Any]:
    region = {"startLine": loc.line, "startColumn": loc.column, "endLine": loc.end_line,
              "endColumn": loc.end_column, "snippet": {"text": snippet}}
    physical = {"artifactLocation": artifact(loc.path, prefix), "region": region}
    out: dict[str, Any] = {"physicalLocation": physical}
    if loc.label:
        out["logicalLocations"] = [{"fullyQualifiedName": loc.label, "kind": "variable"}]
    if loc.commit or loc.blob_id:
        out["properties"] = {"commit": loc.commit.sha if loc.commit else None,
                             "blobId": loc.blob_id}
    return out


def artifact(path: str, prefix: str) -> dict[str, str]:
    """A repository-relative, percent-encoded URI; paths outside the repository (agent
    surface: `~/.aws/credentials`, absolute paths) keep their own form and no base."""
    if path.startswith("/"):
        return {"uri": "file://" + quote(os.fsencode(path), safe="/")}
    if path.startswith("~"):
        return {"uri": quote(os.fsencode(path), safe="/~")}
    joined = PurePosixPath(prefix, path).as_posix() if prefix else path
    # fsencode: a path that is not UTF-8 (kept as surrogate escapes) is percent-encoded from
    # its original bytes, so the URI still names the file exactly.
    return {"uri": quote(os.fsencode(joined), safe="/"), "uriBaseId": SRCROOT}


def _srcroot(result: ScanResult) -> dict[str, Any]:
    """The repository root as a file URI ending in a slash, as SARIF requires of bases."""
    base = Path(result.root).resolve()
    if base.is_file():
        base = base.parent
    for _ in PurePosixPath(result.repo_prefix).parts:
        base = base.parent
    return {"uri": base.as_uri().rstrip("/") + "/",
            "description": {"text": "The root of the scanned repository."}}


def _invocation(result: ScanResult) -> dict[str, Any]:
    notes: list[dict[str, Any]] = [
        {"level": "note", "message": {"text": f"Skipped {s.path}: {s.reason}"},
         "descriptor": {"id": f"skipped/{s.kind}"},
         "locations": [{"physicalLocation": {"artifactLocation":
                                             artifact(s.path, result.repo_prefix)}}],
         "properties": {"kind": s.kind}}
        for s in result.skipped]
    notes += [{"level": "warning", "message": {"text": n}, "descriptor": {"id": "scan/note"}}
              for n in result.notes]
    config = [{"level": "warning", "descriptor": {"id": "baseline/stale"},
               "message": {"text": f"Baseline entry {fp} no longer matches any finding."}}
              for fp in result.stale_baseline]
    config += [{"level": "note" if e.applied else "warning",
                "descriptor": {"id": "config/applied" if e.applied else "config/refused"},
                "message": {"text": e.describe()}, "properties": config_effect_dict(e)}
               for e in result.config_effects]
    return {
        "executionSuccessful": True,
        "exitCode": result.exit_code,
        "exitCodeDescription": "findings at or above fail-on" if result.exit_code else "clean",
        "toolExecutionNotifications": notes,
        "toolConfigurationNotifications": config,
        "properties": {"failOn": str(result.fail_on), "files": result.stats.files,
                       "bytes": result.stats.bytes, "skipped": len(result.skipped),
                       "suppressed": len(result.suppressed)},
    }
