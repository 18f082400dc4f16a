"""Alerts of both tools read from their reports, matched to the labels and counted.

An alert never carries a secret value: credscope's redacted form is kept, Kingfisher's
snippet only as its length.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labels import DEFENSIBLE, NOT_REAL, Label, LabelIndex

ALERT_SEVERITIES = frozenset({"error", "warning"})


@dataclass
class Alert:
    tool: str  # credscope | kingfisher
    repo: str
    path: str
    line: int
    column: int | None
    rule: str
    severity: str  # error | warning | note | suppressed (credscope); finding (Kingfisher)
    redacted: str
    occurrences: list[tuple[str, int, int | None]] = field(default_factory=list)
    label: Label | None = None
    # the other occurrences' labels (None: unlabelled), filled by attach_labels
    occurrence_labels: list[tuple[str, int, Label | None]] = field(default_factory=list)

    @property
    def unlabelled_occurrences(self) -> list[tuple[str, int]]:
        return [(path, line) for path, line, lab in self.occurrence_labels if lab is None]

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def credscope_alerts(report: Path, repo: str) -> list[Alert]:
    """Active findings (every severity) and suppressed candidates of a credscope JSON report."""
    data = json.loads(report.read_text(encoding="utf-8"))
    alerts = []
    for section in ("findings", "suppressed"):
        for item in data[section]:
            severity = "suppressed" if section == "suppressed" else str(item["severity"])
            occurrences = [(str(loc["path"]), int(loc["line"]), loc.get("column"))
                           for loc in item.get("locations") or []]
            alerts.append(Alert("credscope", repo, str(item["path"]), int(item["line"]),
                                item.get("column"), str(item["ruleId"]), severity,
                                str(item.get("secret", "")), occurrences))
    return alerts


def kingfisher_alerts(report: Path, repo: str, tree: Path) -> list[Alert]:
    """Findings of a Kingfisher JSON report, paths made relative to the tree."""
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    alerts = []
    roots = {str(tree) + "/", str(tree.resolve()) + "/"}  # as given, and through symlinks
    for item in data.get("findings", []):
        found = item["finding"]
        path = str(found["path"])
        path = next((path[len(r):] for r in roots if path.startswith(r)), path)
        snippet = str(found.get("snippet", ""))
        alerts.append(Alert("kingfisher", repo, path, int(found["line"]),
                            found.get("column_start"), f"kingfisher:{item['rule']['id']}",
                            "finding", f"[{len(snippet)} chars]"))
    return alerts


def attach_labels(alerts: list[Alert], index: LabelIndex) -> None:
    """Each alert takes its primary location's label; its other occurrences are looked up
    too, so that a change in grouping keeps every occurrence labelled."""
    for alert in alerts:
        alert.label = index.match(alert.repo, alert.path, alert.line, alert.column, alert.rule)
        alert.occurrence_labels = [
            (path, line, index.match(alert.repo, path, line, column, alert.rule))
            for path, line, column in alert.occurrences if (path, line) != (alert.path, alert.line)]


def pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _counts(alerts: list[Alert]) -> dict[str, Any]:
    labelled = [a for a in alerts if a.label is not None]
    defensible = sum(1 for a in labelled if a.label and a.label.label in DEFENSIBLE)
    return {
        "alerts": len(alerts),
        "defensible": defensible,
        "defensible_pct": pct(defensible, len(labelled)),
        "real": sum(1 for a in labelled if a.label and a.label.label == "real"),
        "unlabelled": len(alerts) - len(labelled),
        "by_label": dict(Counter(a.label.label for a in labelled if a.label)),
    }


def real_keys(alerts: list[Alert]) -> set[tuple[str, str, int]]:
    """Locations labelled real that these alerts cover (primary location and occurrences)."""
    keys = set()
    for alert in alerts:
        if alert.label is not None and alert.label.label == "real":
            keys.add((alert.repo, alert.path, alert.line))
        for path, line, lab in alert.occurrence_labels:
            if lab is not None and lab.label == "real":
                keys.add((alert.repo, path, line))
    return keys


def credscope_stats(alerts: list[Alert], include_notes: bool) -> dict[str, Any]:
    active = [a for a in alerts if a.severity != "suppressed"]
    raised = [a for a in active if a.severity in ALERT_SEVERITIES]
    stats = _counts(raised)
    stats.update({
        "errors": sum(1 for a in active if a.severity == "error"),
        "warnings": sum(1 for a in active if a.severity == "warning"),
        "notes": sum(1 for a in active if a.severity == "note"),
        "suppressed": len(alerts) - len(active),
        "errors_on_nonreal": sum(1 for a in active if a.severity == "error" and a.label
                                 and a.label.label in NOT_REAL),
        "warnings_on_nonreal": sum(1 for a in active if a.severity == "warning" and a.label
                                   and a.label.label in NOT_REAL),
        "unlabelled_any": sum(1 for a in alerts if a.label is None),
        "unlabelled_occurrences": sum(len(a.unlabelled_occurrences) for a in alerts),
        "real_keys": sorted(real_keys(raised)),
        "real_keys_any": sorted(real_keys(alerts)),
    })
    if include_notes:
        stats["with_notes"] = _counts(active)
    return stats


def kingfisher_stats(alerts: list[Alert]) -> dict[str, Any]:
    stats = _counts(alerts)
    stats["real_keys"] = sorted(real_keys(alerts))
    return stats


def false_alarm_kinds(alerts: list[Alert], severities: frozenset[str]) -> Counter[str]:
    """kind -> count over alerts of these severities labelled placeholder or not-a-secret."""
    return Counter(f"{a.label.label}: {a.label.kind}" for a in alerts
                   if a.severity in severities and a.label
                   and a.label.label in {"placeholder", "not-a-secret"})
