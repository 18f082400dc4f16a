"""Terminal report, built for triage (in the manner of ruff, eslint and semgrep):

    severity  conf  location              provider  tier    env         verdict    id
    error     high  config/app.yaml:2:15  Stripe    ADMIN   production  misplaced  c702f2aa
        2 │ stripe_key: sk_l…[40 chars #c702f2]

One line per finding, most severe and most certain first, grouped by file; the secret's line
under it, with the secret's redacted form in place; then each kind of reason once (with how
many findings it applies to), and the summary. A tier with `?` (`ADMIN?`) is UNKNOWN: the text
cannot tell, and it is ranked as its format's worst case. Columns fit the terminal's width:
when they cannot, each finding takes two lines (and a location too long for its column
pushes the rest of its row below it). `--verbose` adds every finding's full reason and fix;
`--show` lists some severities only (the summary still counts all). The id is the shortest
fingerprint prefix (8 hex characters or more) unique in the scan: `credscope explain` takes
it.

Every piece of text from the scanned repository (paths, labels, lines, authors, notes) goes
through paths.printable, so it can neither drive the terminal nor forge a line.
"""

from __future__ import annotations

import textwrap
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from scanner.classify.policy import POLICY_RULES
from scanner.model import Finding, ScanResult, Severity
from scanner.paths import printable
from scanner.reporters import ReportContext
from scanner.reporters.cells import Paint, cell_len, fit, head, pad, terminal_width

SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.NOTE)
HEADER = ("severity", "conf", "location", "provider", "tier", "env", "verdict", "id")
_LOCATION, _GAP = 2, "  "
_MIN_LOCATION = 24  # narrower than this, a finding takes two lines
MIN_WIDTH = 40
ID_CHARS = 8
_SGR = {Severity.ERROR: "1;31", Severity.WARNING: "33", Severity.NOTE: "36",
        Severity.NONE: "2"}
_SIZE_SKIPS_SHOWN = 5


def render(result: ScanResult, ctx: ReportContext) -> str:
    width = max(ctx.width or terminal_width(), MIN_WIDTH)
    paint = Paint(ctx.color)
    shown = [f for f in result.findings if not ctx.show or f.severity in ctx.show]
    lines: list[str] = []
    if shown:
        lines += findings_block(shown, short_ids(result), ctx, width, paint)
        if not ctx.verbose:
            lines += why_block(shown, width, paint)
        lines.append("")
    lines += summary(result, ctx, shown=len(shown)).splitlines()
    return "\n".join(lines) + "\n"


# -- order and ids ---------------------------------------------------------------------------

def _rank(f: Finding) -> tuple[int, int]:
    return -f.severity.rank, -f.classification.confidence.rank


def by_file(findings: Iterable[Finding]) -> list[list[Finding]]:
    """Findings grouped by file, the file with the most severe (then most certain) finding
    first; inside a file, by severity, confidence, then line."""
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[f.location.path].append(f)
    for group in groups.values():
        group.sort(key=lambda f: (*_rank(f), f.location.line, f.location.column, f.rule_id,
                                  f.fingerprint))
    return sorted(groups.values(), key=lambda g: (*_rank(g[0]), g[0].location.path))


def short_ids(result: ScanResult) -> dict[str, str]:
    """Each fingerprint's shortest unique prefix of at least ID_CHARS hex characters (over
    suppressed findings too: `explain` finds those as well)."""
    full = sorted({f.fingerprint.split(":", 1)[-1]: f.fingerprint
                   for f in (*result.findings, *result.suppressed)}.items())
    ids = {}
    for i, (bare, fingerprint) in enumerate(full):
        shared = max((_common(bare, full[j][0]) for j in (i - 1, i + 1)
                      if 0 <= j < len(full)), default=0)
        ids[fingerprint] = bare[:max(ID_CHARS, shared + 1)]
    return ids


def _common(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


# -- findings --------------------------------------------------------------------------------

def _cells(f: Finding, ids: dict[str, str]) -> tuple[str, ...]:
    c, loc = f.classification, f.location
    tier = str(c.tier) if c.tier == c.effective_tier else f"{c.effective_tier}?"
    return (str(f.severity), str(c.confidence), printable(f"{loc.path}:{loc.line}:{loc.column}"),
            printable(f.provider), tier, str(c.environment), str(c.verdict), ids[f.fingerprint])


def _widths(rows: Sequence[tuple[str, ...]], width: int) -> tuple[list[int], bool]:
    """Column widths, and whether each finding needs two lines to fit `width`."""
    widths = [max(cell_len(r[i]) for r in rows) for i in range(len(HEADER))]
    rest = sum(widths) - widths[_LOCATION] + len(_GAP) * (len(widths) - 1)
    if rest + widths[_LOCATION] <= width:
        return widths, False
    if width - rest >= _MIN_LOCATION:
        widths[_LOCATION] = width - rest  # a longer location runs over, its row wraps
        return widths, False
    return widths, True


def _row(cells: Sequence[str], widths: Sequence[int], two_lines: bool, width: int,
         paint: Paint, sgr: Sequence[str]) -> list[str]:
    """One finding's (or the header's) line or lines, padded into the columns. On two
    lines: severity, confidence, location and (at the right edge) the id; below the
    location, provider, tier, environment and verdict."""
    def join(index: Iterable[int], last_padded: bool = False) -> str:
        index = list(index)
        return _GAP.join(paint(pad(cells[i], widths[i]) if i != index[-1] or last_padded
                               else cells[i], sgr[i]) for i in index)

    if two_lines:
        left = join((0, 1, 2))
        used = sum(widths[:2]) + 2 * len(_GAP) + cell_len(cells[2])
        space = max(width - used - cell_len(cells[7]), len(_GAP))
        below = sum(widths[3:7]) + 3 * len(_GAP)
        indent = " " * max(min(widths[0] + widths[1] + 2 * len(_GAP), width - below), 4)
        return [left + " " * space + paint(cells[7], sgr[7]), indent + join((3, 4, 5, 6))]
    if cell_len(cells[_LOCATION]) > widths[_LOCATION]:  # too long: the rest goes below
        rest_indent = " " * (sum(widths[:3]) + 3 * len(_GAP))
        return [join((0, 1, 2)), rest_indent + join(range(3, 8))]
    return [join(range(8))]


def findings_block(findings: Sequence[Finding], ids: dict[str, str], ctx: ReportContext,
                   width: int, paint: Paint) -> list[str]:
    groups = by_file(findings)
    rows = {f.fingerprint: _cells(f, ids) for f in findings}
    widths, two_lines = _widths([HEADER, *rows.values()], width)
    lines = _row(HEADER, widths, two_lines, width, paint, ["2"] * len(HEADER))
    for group in groups:
        lines.append("")
        number_width = len(str(max(f.location.line for f in group)))
        for f in group:
            c = f.classification
            sgr = [_SGR[f.severity], "2" if str(c.confidence) == "low" else "", "1", "",
                   "1" if c.effective_tier.rank >= 4 else "", "", "", "2"]
            lines += _row(rows[f.fingerprint], widths, two_lines, width, paint, sgr)
            source = source_line(f, ctx, width, number_width, paint)
            if source:
                lines.append(source)
            if (extra := _details(f, width)) is not None:
                lines.append(paint(extra, "2"))
            if ctx.verbose:
                lines += _paragraph(f, width)
    return lines


def source_line(f: Finding, ctx: ReportContext, width: int, number_width: int,
                paint: Paint) -> str | None:
    """`    12 │ the line, the secret redacted`, cut around the secret to fit `width`."""
    before, after = f.excerpt
    if not before and not after:
        return None
    gutter = f"    {f.location.line:>{number_width}} │ "
    before = printable(before.expandtabs(4).lstrip())
    after = printable(after.expandtabs(4).rstrip())
    secret = printable(ctx.secret_text(f))
    before, secret, after = fit(before, secret, after, width - cell_len(gutter))
    return paint(gutter, "2") + before + paint(secret, _SGR[f.severity]) + after


def _details(f: Finding, width: int) -> str | None:
    """Where inside the file, the commit that brought it, and the other places it is in."""
    loc, parts = f.location, []
    if loc.label:
        parts.append(f"at {loc.label}")
    if loc.commit is not None:
        parts.append(f"first seen @{loc.commit.sha[:10]} ({loc.commit.author}, "
                     f"{loc.commit.date[:10]})")
    others = [o for o in f.occurrences if o != loc]
    if others:
        o = others[0]
        more = f" and {len(others) - 1} more" if len(others) > 1 else ""
        parts.append(f"also in {o.path}:{o.line}{more}")
    if not parts:
        return None
    text = "      ↳ " + printable(" · ".join(parts))
    return text if cell_len(text) <= width else head(text, width - 1) + "…"


def _paragraph(f: Finding, width: int) -> list[str]:
    c = f.classification
    wrap = max(width - 8, 20)
    return [*textwrap.wrap(printable(c.reason), wrap, initial_indent="      ",
                           subsequent_indent="      "),
            *textwrap.wrap(printable(c.remediation), wrap,
                           initial_indent="      fix: ", subsequent_indent="           ")]


# -- reasons, once each ----------------------------------------------------------------------

def why(f: Finding) -> str:
    """The policy's reason for the verdict, without what is particular to this finding (the
    policy rule's own words), so it can be said once for every finding it applies to."""
    c = f.classification
    details = dict(c.details)
    rule = POLICY_RULES.get(details.get("policy-rule", ""))
    if rule is None:
        return c.reason
    try:
        return rule.why.format(**details)
    except (KeyError, IndexError, ValueError):
        return c.reason


def why_block(findings: Sequence[Finding], width: int, paint: Paint) -> list[str]:
    counts: Counter[tuple[str, str]] = Counter()
    worst: dict[tuple[str, str], Severity] = {}
    for f in findings:
        key = (str(f.classification.verdict), printable(why(f)))
        counts[key] += 1
        if key not in worst or f.severity.rank > worst[key].rank:
            worst[key] = f.severity
    order = sorted(counts, key=lambda k: (-worst[k].rank, -counts[k], k))
    label = max(cell_len(v) for v, _ in order)
    digits = len(str(max(counts.values())))
    lines = ["", "why"]
    for verdict, text in order:
        head = f"  {pad(verdict, label)}  {counts[verdict, text]:>{digits}}  "
        body = textwrap.wrap(text, max(width - len(head), 20))
        lines.append(paint(head, _SGR[worst[verdict, text]]) + body[0])
        lines += [" " * len(head) + rest for rest in body[1:]]
    lines.append(paint("each finding in full: --verbose; everything about one and how to fix "
                       "it: credscope explain ID", "2"))
    return lines


# -- summary ---------------------------------------------------------------------------------

def summary(result: ScanResult, ctx: ReportContext | None = None, *,
            shown: int | None = None) -> str:
    """The closing lines, printed after every scan (to stderr when stdout carries a report
    in another format or the report goes to a file)."""
    counts = Counter(f.severity for f in result.findings)
    parts = ", ".join(f"{counts.get(s, 0)} {s}" for s in SEVERITIES)
    mib = result.stats.bytes / 1024 / 1024
    line = (f"credscope: {len(result.findings)} findings ({parts}); "
            f"{len(result.suppressed)} suppressed; {result.stats.files:,} files, {mib:.1f} MiB "
            f"in {result.stats.seconds:.2f}s")
    if ctx is not None and ctx.show and shown is not None and shown < len(result.findings):
        listed = ",".join(str(s) for s in SEVERITIES if s in ctx.show)
        line += f"; {shown} shown (--show {listed})"
    kinds = Counter(s.kind for s in result.skipped)
    if kinds:
        line += "; skipped " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    verdict = "FAIL" if result.failing else "ok"
    lines = [f"{line} — {verdict} (fail-on {result.fail_on})"]
    too_large = [s for s in result.skipped if s.kind == "too-large"]
    if too_large:
        names = ", ".join(printable(s.path) for s in too_large[:_SIZE_SKIPS_SHOWN])
        extra = len(too_large) - _SIZE_SKIPS_SHOWN
        lines.append(f"skipped for size (raise max-file-size to scan them): {names}"
                     + (f" and {extra} more" if extra > 0 else ""))
    lines += [f"note: {printable(note)}" for note in result.notes]
    lines += [f"config: {printable(effect.describe())}" for effect in result.config_effects]
    if stale := len(result.stale_baseline):  # named by `baseline check`, not here
        lines.append(f"note: {stale} baseline entr{'y' if stale == 1 else 'ies'} no longer "
                     f"match{'es' if stale == 1 else ''} any finding (stale): "
                     "`credscope baseline check` lists them, `credscope baseline update` "
                     "drops them")
    return "\n".join(lines) + "\n"

