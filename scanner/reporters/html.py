"""Self-contained HTML report: privilege and placement side by side, most dangerous first.

One file, no external request: CSS and JS are inlined from reports/templates, the page's
Content-Security-Policy allows nothing else (the one script by its hash), and the rows are
rendered on the server so the report reads and prints without JavaScript. Everything from the
scanned repository (paths, labels, reasons) goes through jinja2 autoescaping; the data the
script filters on sits in a `<script type="application/json">` with `<`, `>` and `&` escaped,
so neither `</script>` nor `<!--` in a file name can end it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from scanner import __version__
from scanner.model import DESTRUCTIVE, Finding, Flag, ScanResult, Severity, Tier, Verdict
from scanner.paths import printable
from scanner.reporters import ReportContext
from scanner.reporters.common import summary
from scanner.reporters.sarif import security_severity

TEMPLATE = "report.html.j2"
SCRIPT = "report.js"
STYLE = "report.css"
SPOTLIGHT = 10  # how many of the most dangerous findings the summary names
TIER_ORDER = (Tier.ADMIN, Tier.WRITE, Tier.READ, Tier.LIMITED, Tier.PUBLIC, Tier.UNKNOWN)
_CHECKOUT_TEMPLATES = Path(__file__).resolve().parents[2] / "reports" / "templates"


@dataclass(frozen=True, slots=True)
class Row:
    """One finding as the page shows it; `index` ties the row to its entry in the JSON."""

    index: int
    finding: Finding
    tier: Tier  # effective tier: UNKNOWN counts as its worst case
    score: float
    path: str
    provider: str
    suppressed: bool


def _load_source(name: str) -> str:
    """Templates from the checkout's reports/templates, or from the wheel's scanner._templates."""
    if _CHECKOUT_TEMPLATES.is_dir():
        return (_CHECKOUT_TEMPLATES / name).read_text(encoding="utf-8")
    return resources.files("scanner._templates").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_load_source), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["printable"] = printable
    return env


def script_json(data: Any) -> Markup:
    """JSON safe inside <script>: no `<`, `>` or `&` survives, so `</script>`, `<!--` and
    `]]>` cannot appear; U+2028/9 are escaped for old parsers."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for raw, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                     ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, esc)
    return Markup(text)  # noqa: S704 - every character that could close the element is escaped


def render(result: ScanResult, ctx: ReportContext) -> str:
    script = _load_source(SCRIPT)
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    rows = _rows(result)
    active = [r for r in rows if not r.suppressed]
    return environment().get_template(TEMPLATE).render(
        result=result, ctx=ctx, version=__version__, summary=summary(result),
        rows=active, suppressed=[r for r in rows if r.suppressed],
        spotlight=spotlight(active), chart=tier_location_chart(active),
        options=_options(active), tiers=[str(t) for t in TIER_ORDER],
        data=script_json(_data(active)), style=Markup(_load_source(STYLE)),  # noqa: S704
        script=Markup(script), script_hash=f"sha256-{digest}",  # noqa: S704 - our own file
        Severity=Severity, Flag=Flag,
    )


def _rows(result: ScanResult) -> list[Row]:
    def make(i: int, f: Finding, suppressed: bool) -> Row:
        return Row(i, f, f.classification.effective_tier, security_severity(f),
                   printable(f.location.path), printable(f.provider), suppressed)

    active = sorted(result.findings, key=lambda f: (-f.severity.rank, -security_severity(f),
                                                    f.location.path, f.location.line))
    rows = [make(i, f, False) for i, f in enumerate(active)]
    rows += [make(len(rows) + i, f, True) for i, f in enumerate(result.suppressed)]
    return rows


def spotlight(rows: list[Row]) -> list[Row]:
    """ADMIN or destructive credentials the policy objects to, most dangerous first."""
    hot = [r for r in rows if r.finding.classification.verdict is not Verdict.OK
           and (r.tier is Tier.ADMIN or DESTRUCTIVE.intersection(
               r.finding.classification.capabilities))]
    return sorted(hot, key=lambda r: (-r.score, -r.finding.severity.rank, r.path))[:SPOTLIGHT]


def tier_location_chart(rows: list[Row]) -> dict[str, Any]:
    """Counts by location class x tier, busiest class first, with bar widths in percent."""
    counts = Counter((str(r.finding.classification.location), str(r.tier)) for r in rows)
    totals = Counter(str(r.finding.classification.location) for r in rows)
    peak = max(totals.values(), default=1)
    lines = []
    for loc, total in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])):
        segments = [{"tier": str(t), "count": counts[(loc, str(t))],
                     "width": round(100 * counts[(loc, str(t))] / peak, 2)}
                    for t in TIER_ORDER if counts[(loc, str(t))]]
        lines.append({"location": loc, "total": total, "segments": segments,
                      "cells": {str(t): counts[(loc, str(t))] for t in TIER_ORDER}})
    tier_totals = Counter(str(r.tier) for r in rows)
    return {"lines": lines, "tierTotals": {str(t): tier_totals[str(t)] for t in TIER_ORDER}}


def _options(rows: list[Row]) -> dict[str, list[tuple[str, int]]]:
    """Filter choices: only values present, with counts, in a stable order."""
    def count(values: list[str], order: tuple[str, ...] = ()) -> list[tuple[str, int]]:
        c = Counter(values)
        rank = {v: i for i, v in enumerate(order)}
        return sorted(c.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))

    cls = [r.finding.classification for r in rows]
    return {
        "tier": count([str(r.tier) for r in rows], tuple(str(t) for t in TIER_ORDER)),
        "environment": count([str(c.environment) for c in cls]),
        "location": count([str(c.location) for c in cls]),
        "verdict": count([str(c.verdict) for c in cls], tuple(str(v) for v in Verdict)),
        "provider": count([r.provider for r in rows]),
        "severity": count([str(r.finding.severity) for r in rows],
                          tuple(str(s) for s in Severity)),
    }


FIELDS = ("tier", "tierRank", "environment", "location", "verdict", "provider", "severity",
          "severityRank", "path", "line", "score", "title")


def _data(rows: list[Row]) -> dict[str, Any]:
    """What the script filters and sorts on: one array per table row, in row order, values
    in FIELDS order (arrays, not objects: a fifth of the bytes at 5,000 findings)."""
    def values(r: Row) -> list[Any]:
        c = r.finding.classification
        return [str(r.tier), r.tier.rank, str(c.environment), str(c.location), str(c.verdict),
                r.provider, str(r.finding.severity), r.finding.severity.rank, r.path,
                r.finding.location.line, r.score, r.finding.title]

    return {"fields": list(FIELDS), "rows": [values(r) for r in rows]}
