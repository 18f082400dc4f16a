"""Terminal report: a rich table per severity, most dangerous first, then one summary line.

File names and labels come from the scanned repository and may hold control characters;
they are escaped before rich sees them, and rich markup in them is not interpreted.
"""

from __future__ import annotations

import io
from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scanner.model import Finding, ScanResult, Severity
from scanner.paths import printable
from scanner.reporters import ReportContext

STALE_SHOWN = 10  # a baseline can hold 200,000 stale entries: name a few, count the rest
_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.NOTE: "cyan",
          Severity.NONE: "dim"}


def _safe(text: str) -> str:
    return escape(printable(text))


def _where(f: Finding) -> str:
    loc = f.location
    text = f"{loc.path}:{loc.line}:{loc.column}"
    if loc.label:
        text += f" [{loc.label}]"
    if loc.commit:
        text += f" @{loc.commit.sha[:10]}"
    extra = len(f.occurrences) - 1
    return _safe(text) + (f" (+{extra} more)" if extra > 0 else "")


def render(result: ScanResult, ctx: ReportContext) -> str:
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=ctx.color, no_color=not ctx.color,
                      width=ctx.width or 160, highlight=False, soft_wrap=False)
    for severity in (Severity.ERROR, Severity.WARNING, Severity.NOTE):
        group = [f for f in result.findings if f.severity is severity]
        if not group:
            continue
        table = Table(title=f"{severity.value.upper()} ({len(group)})", title_justify="left",
                      title_style=_STYLE[severity], show_lines=False, expand=False)
        for col in ("location", "provider", "tier", "env", "place", "verdict", "secret"):
            table.add_column(col, overflow="fold")
        for f in group:
            c = f.classification
            tier = str(c.tier) if c.tier == c.effective_tier else f"{c.tier}→{c.effective_tier}"
            table.add_row(_where(f), _safe(f.provider), tier, str(c.environment),
                          str(c.location), str(c.verdict), _safe(ctx.secret_text(f)))
        console.print(table)
        for f in group:
            console.print(f"  [{_STYLE[severity]}]•[/] {_safe(f.location.path)}:"
                          f"{f.location.line} {_safe(f.classification.reason)}")
            console.print(f"    [dim]fix:[/] {_safe(f.classification.remediation)}")
        console.print()
    console.print(summary_line(result))
    return buf.getvalue()


def summary_line(result: ScanResult) -> str:
    counts = Counter(f.severity for f in result.findings)
    parts = [f"{counts.get(s, 0)} {s.value}" for s in (Severity.ERROR, Severity.WARNING,
                                                       Severity.NOTE)]
    kinds = Counter(s.kind for s in result.skipped)
    skipped = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    mib = result.stats.bytes / 1024 / 1024
    line = (f"credscope: {len(result.findings)} findings ({', '.join(parts)}); "
            f"{len(result.suppressed)} suppressed; {result.stats.files} files, {mib:.1f} MiB "
            f"in {result.stats.seconds:.2f}s")
    if skipped:
        line += f"; skipped {skipped}"
    verdict = "FAIL" if result.failing else "ok"
    line += f" — {verdict} (fail-on {result.fail_on})"
    lines = [line]
    for note in result.notes:
        lines.append(f"note: {printable(note)}")
    for effect in result.config_effects:
        lines.append(f"config: {printable(effect.describe())}")
    stale = result.stale_baseline
    for entry in stale[:STALE_SHOWN]:
        lines.append(f"note: baseline entry {printable(entry)} no longer matches any finding "
                     "(stale)")
    if len(stale) > STALE_SHOWN:
        lines.append(f"note: … and {len(stale) - STALE_SHOWN:,} more stale baseline entries "
                     "(all are in the JSON report; `credscope baseline update` drops them)")
    return escape("\n".join(lines))
