"""The parts of a SARIF run that do not depend on which results it holds: rule descriptors,
artifact locations, the invocation (skipped files, notes, stale baseline entries)."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from scanner.matching.schema import Rule
from scanner.model import Finding, Location, ScanResult
from scanner.reporters.common import config_effect_dict

INFORMATION_URI = "https://github.com/credscope/credscope"
SRCROOT = "%SRCROOT%"
NOTIFICATIONS = 1_000  # skipped files (and stale baseline entries) listed one by one
MAX_TAGS = 20  # tags per rule code scanning accepts


def rule_descriptor(rule_id: str, rule: Rule | None, first: Finding, score: float
                    ) -> dict[str, Any]:
    """The rule's descriptor; its security-severity is that of its most dangerous finding,
    which is the number GitHub code scanning sorts and filters alerts by."""
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
            "tags": list(dict.fromkeys(tags))[:MAX_TAGS],
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


def location(loc: Location, prefix: str, snippet: str) -> dict[str, Any]:
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


def srcroot(result: ScanResult) -> dict[str, Any]:
    """The repository root as a file URI ending in a slash, as SARIF requires of bases."""
    base = Path(result.root).resolve()
    if base.is_file():
        base = base.parent
    for _ in PurePosixPath(result.repo_prefix).parts:
        base = base.parent
    return {"uri": base.as_uri().rstrip("/") + "/",
            "description": {"text": "The root of the scanned repository."}}


def invocation(result: ScanResult) -> dict[str, Any]:
    """Skipped files and stale baseline entries, the first NOTIFICATIONS of each one by one,
    the rest counted in one more (a history can skip 100,000 binary blobs)."""
    notes: list[dict[str, Any]] = [
        {"level": "note", "message": {"text": f"Skipped {s.path}: {s.reason}"},
         "descriptor": {"id": f"skipped/{s.kind}"},
         "locations": [{"physicalLocation": {"artifactLocation":
                                             artifact(s.path, result.repo_prefix)}}],
         "properties": {"kind": s.kind}}
        for s in result.skipped[:NOTIFICATIONS]]
    if len(result.skipped) > NOTIFICATIONS:
        rest = Counter(s.kind for s in result.skipped[NOTIFICATIONS:])
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(rest.items()))
        notes.append({"level": "note", "descriptor": {"id": "skipped/more"},
                      "message": {"text": f"{sum(rest.values())} more skipped files ({kinds}): "
                                          "the JSON report lists them"},
                      "properties": {"byKind": dict(sorted(rest.items()))}})
    notes += [{"level": "warning", "message": {"text": n}, "descriptor": {"id": "scan/note"}}
              for n in result.notes]
    config = [{"level": "warning", "descriptor": {"id": "baseline/stale"},
               "message": {"text": f"Baseline entry {fp} no longer matches any finding."}}
              for fp in result.stale_baseline[:NOTIFICATIONS]]
    if len(result.stale_baseline) > NOTIFICATIONS:
        config.append({"level": "warning", "descriptor": {"id": "baseline/stale"},
                       "message": {"text": f"{len(result.stale_baseline) - NOTIFICATIONS} more "
                                           "stale baseline entries: the JSON report lists them"}})
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
