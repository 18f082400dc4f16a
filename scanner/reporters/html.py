"""Self-contained HTML report: privilege and placement side by side, most dangerous first.

One file, no external request: CSS and JS are inlined from reports/templates, the page's
Content-Security-Policy allows nothing else (the one script by its hash), and the rows are
rendered on the server so the report reads and prints without JavaScript. Everything from the
scanned repository (paths, labels, reasons) goes through jinja2 autoescaping, and every value
printed has its control, bidi and invisible characters shown as `[U+202E]` (a file name
cannot reorder what the page shows); the data the script filters on sits in a
`<script type="application/json">` with `<`, `>` and `&` escaped, so neither `</script>` nor
`<!--` in a file name can end it.

Bounded whatever the scan: at most MAX_ROWS findings (the most severe) and SUPPRESSED_ROWS
suppressed ones are rows; each row lists its first INLINE occurrences and carries the next
ones (up to --max-occurrences, and OCCURRENCE_BUDGET for the page) as data the script lists
on demand; skipped files and stale baseline entries stop at LIST_MAX. Whatever is left out is
counted on the page; the JSON report has it all. The page is written as a stream.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

import jinja2
from markupsafe import Markup

from scanner import __version__
from scanner.model import (
    DESTRUCTIVE,
    Finding,
    Flag,
    Location,
    ScanResult,
    Severity,
    Tier,
    Verdict,
)
from scanner.reporters import ReportContext
from scanner.reporters.common import listed, summary
from scanner.reporters.sarif_plan import security_severity

TEMPLATE = "report.html.j2"
SCRIPT = "report.js"
STYLE = "report.css"
SPOTLIGHT = 10  # how many of the most dangerous findings the summary names
MAX_ROWS = 5_000  # findings shown as rows (opens in about 2 s); the rest are counted
SUPPRESSED_ROWS = 1_000
INLINE = 3  # occurrences listed in a row; the next ones are data the script lists on demand
OCCURRENCE_BUDGET = 100_000  # occurrences carried as data by the whole page
LIST_MAX = 1_000  # skipped files, stale baseline entries
TIER_ORDER = (Tier.ADMIN, Tier.WRITE, Tier.READ, Tier.LIMITED, Tier.PUBLIC, Tier.UNKNOWN)
_CHECKOUT_TEMPLATES = Path(__file__).resolve().parents[2] / "reports" / "templates"
# Characters that are invisible or reorder text: C0/C1 controls, bidi embeddings, overrides,
# isolates and marks, zero-width characters, line/paragraph separators, the BOM, and tags.
_HIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f"
                     r"\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0"
                     r"\ufff9-\ufffb\U000e0000-\U000e007f]")


def visible(text: str) -> str:
    """`text` with every hidden or reordering character shown as [U+XXXX]."""
    if text.isascii() and text.isprintable():
        return text
    return _HIDDEN.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


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
    total: int = 1  # occurrences of the secret
    inline: tuple[Location, ...] = ()  # other occurrences listed in the row
    more: int = 0  # the next ones, as data for the script
    omitted: int = 0  # beyond --max-occurrences or the page's budget


def _load_source(name: str) -> str:
    """Templates from the checkout's reports/templates, or from the wheel's scanner._templates."""
    if _CHECKOUT_TEMPLATES.is_dir():
        return (_CHECKOUT_TEMPLATES / name).read_text(encoding="utf-8")
    return resources.files("scanner._templates").joinpath(name).read_text(encoding="utf-8")


def _shown(value: object) -> object:
    """Every `{{ value }}` of the template: text loses its hidden characters (Markup is ours)."""
    return visible(value) if type(value) is str else value


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_load_source), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, finalize=_shown,
    )
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
    return "".join(_chunks(result, ctx))


def stream(result: ScanResult, ctx: ReportContext, out: TextIO) -> list[str]:
    for chunk in _chunks(result, ctx):
        out.write(chunk)
    hidden = max(0, len(result.findings) - MAX_ROWS)
    return [f"HTML report: the {MAX_ROWS} most severe of {len(result.findings)} findings are "
            f"rows; {hidden} less severe are counted on the page (the JSON report lists "
            "them)"] if hidden else []


def _chunks(result: ScanResult, ctx: ReportContext) -> Any:
    script = _load_source(SCRIPT)
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    active = _active_rows(result)
    suppressed = _suppressed_rows(result, len(active))
    shown, occurrences = _with_occurrences([*active, *suppressed], ctx.max_occurrences)
    rows, supp_rows = shown[:len(active)], shown[len(active):]
    counts = summary(result)
    return environment().get_template(TEMPLATE).generate(
        result=result, ctx=ctx, version=__version__, summary=counts,
        rows=rows, suppressed=supp_rows, spotlight=spotlight(rows),
        chart=tier_location_chart(result.findings),
        options=_options(r.finding for r in rows),
        tiers=[str(t) for t in TIER_ORDER], data=script_json(_data(rows)),
        occurrences=script_json(occurrences), style=Markup(_load_source(STYLE)),  # noqa: S704
        script=Markup(script), script_hash=f"sha256-{digest}",  # noqa: S704 - our own file
        hidden_rows=len(result.findings) - len(rows),
        hidden_suppressed=len(result.suppressed) - len(supp_rows),
        skipped=result.skipped[:LIST_MAX], stale=result.stale_baseline[:LIST_MAX],
        list_max=LIST_MAX, Severity=Severity, Flag=Flag,
    )


def _row(i: int, f: Finding, suppressed: bool) -> Row:
    return Row(i, f, f.classification.effective_tier, security_severity(f),
               visible(f.location.path), visible(f.provider), suppressed)


def _active_rows(result: ScanResult) -> list[Row]:
    """The MAX_ROWS most severe findings, most severe first."""
    order = sorted(result.findings, key=lambda f: (-f.severity.rank, -security_severity(f),
                                                    f.location.path, f.location.line))
    return [_row(i, f, False) for i, f in enumerate(order[:MAX_ROWS])]


def _suppressed_rows(result: ScanResult, start: int) -> list[Row]:
    return [_row(start + i, f, True) for i, f in enumerate(result.suppressed[:SUPPRESSED_ROWS])]


def _rows(result: ScanResult) -> list[Row]:
    """Every row of the page, active then suppressed (tests and the bench)."""
    active = _active_rows(result)
    return [*active, *_suppressed_rows(result, len(active))]


def _with_occurrences(rows: list[Row], max_occurrences: int
                      ) -> tuple[list[Row], dict[str, Any]]:
    """Each row's other occurrences: INLINE listed, the next as data (paths once, in a
    table), within --max-occurrences per finding and OCCURRENCE_BUDGET for the page."""
    budget = OCCURRENCE_BUDGET
    paths: dict[str, int] = {}
    data: dict[str, list[list[object]]] = {}
    out = []
    for row in rows:
        every, omitted = listed(row.finding, max_occurrences)
        others = [o for o in every if o != row.finding.location]
        inline, rest = others[:INLINE], others[INLINE:]
        if len(rest) > budget:
            omitted += len(rest) - budget
            rest = rest[:budget]
        budget -= len(rest)
        if rest:
            data[str(row.index)] = [_occurrence(o, paths) for o in rest]
        out.append(Row(row.index, row.finding, row.tier, row.score, row.path, row.provider,
                       row.suppressed, len(row.finding.occurrences) or 1, tuple(inline),
                       len(rest), omitted))
    return out, {"paths": list(paths), "rows": data}


def _occurrence(loc: Location, paths: dict[str, int]) -> list[object]:
    path = paths.setdefault(visible(loc.path), len(paths))
    return [path, loc.line, loc.column, visible(loc.label or ""),
            loc.commit.sha[:10] if loc.commit else ""]


def spotlight(rows: list[Row]) -> list[Row]:
    """ADMIN or destructive credentials the policy objects to, most dangerous first."""
    hot = [r for r in rows if r.finding.classification.verdict is not Verdict.OK
           and (r.tier is Tier.ADMIN or DESTRUCTIVE.intersection(
               r.finding.classification.capabilities))]
    return sorted(hot, key=lambda r: (-r.score, -r.finding.severity.rank, r.path))[:SPOTLIGHT]


def tier_location_chart(findings: Iterable[Finding]) -> dict[str, Any]:
    """Counts by location class x tier, busiest class first, with bar widths in percent."""
    by_enum = Counter((f.classification.location, f.classification.effective_tier)
                      for f in findings)
    counts: Counter[tuple[str, str]] = Counter()
    totals: Counter[str] = Counter()
    tier_totals: Counter[str] = Counter()
    for (location, tier), n in by_enum.items():
        counts[(str(location), str(tier))] = n
        totals[str(location)] += n
        tier_totals[str(tier)] += n
    peak = max(totals.values(), default=1)
    lines = []
    for loc, total in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])):
        segments = [{"tier": str(t), "count": counts[(loc, str(t))],
                     "width": round(100 * counts[(loc, str(t))] / peak, 2)}
                    for t in TIER_ORDER if counts[(loc, str(t))]]
        lines.append({"location": loc, "total": total, "segments": segments,
                      "cells": {str(t): counts[(loc, str(t))] for t in TIER_ORDER}})
    return {"lines": lines, "tierTotals": {str(t): tier_totals[str(t)] for t in TIER_ORDER}}


def _options(findings: Iterable[Finding]) -> dict[str, list[tuple[str, int]]]:
    """Filter choices: only values present, with counts (of every finding), in a stable
    order."""
    def count(values: list[str], order: tuple[str, ...] = ()) -> list[tuple[str, int]]:
        c = Counter(values)
        rank = {v: i for i, v in enumerate(order)}
        return sorted(c.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))

    every = list(findings)
    cls = [f.classification for f in every]
    return {
        "tier": count([str(c.effective_tier) for c in cls], tuple(str(t) for t in TIER_ORDER)),
        "environment": count([str(c.environment) for c in cls]),
        "location": count([str(c.location) for c in cls]),
        "verdict": count([str(c.verdict) for c in cls], tuple(str(v) for v in Verdict)),
        "provider": count([visible(f.provider) for f in every]),
        "severity": count([str(c.severity) for c in cls], tuple(str(s) for s in Severity)),
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
                r.finding.location.line, r.score, visible(r.finding.title)]

    return {"fields": list(FIELDS), "rows": [values(r) for r in rows]}
