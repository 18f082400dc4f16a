"""`credscope explain ID [PATH]`: re-scan and say everything credscope knows about one
finding, and why: decoded facts, evidence, the policy rule that decided, the remediation.

ID is a fingerprint or any prefix of at least MIN_PREFIX hex characters (the terminal report
prints the shortest unique one); a prefix several findings share is an error listing them.
Redacted unless --show-secrets; the secret is scrubbed from every line as a safety net. Every
line goes through paths.printable: paths, labels, commit authors and decoded claims come from
the scanned repository and must not drive the terminal or forge lines.
"""

from __future__ import annotations

from scanner.config import Config
from scanner.errors import ConfigError
from scanner.matching.schema import Rule
from scanner.model import Finding, ScanResult, Tier
from scanner.paths import printable
from scanner.pipeline import build_stages, scan
from scanner.sources.select import SourceOptions, select_source

MIN_PREFIX = 4
_SHOWN_CANDIDATES = 10


def _bare(fingerprint: str) -> str:
    return fingerprint.split(":", 1)[-1].lower()


def find(result: ScanResult, wanted: str) -> Finding:
    """The one finding whose fingerprint is `wanted` or starts with it (with or without
    its `v1:` version); ConfigError (exit 2) when none or several do."""
    everything = (*result.findings, *result.suppressed)  # active first: it wins a tie
    bare = _bare(wanted.strip())
    if len(bare) < MIN_PREFIX or not bare.isalnum():
        raise ConfigError(f"{printable(wanted)!r} is not a finding id: give a fingerprint or "
                          f"a prefix of at least {MIN_PREFIX} of its hex characters, as "
                          "`credscope scan` prints it")
    hits: dict[str, Finding] = {}
    for f in everything:
        if _bare(f.fingerprint).startswith(bare):
            hits.setdefault(f.fingerprint, f)
    if len(hits) == 1:
        return next(iter(hits.values()))
    if not hits:
        raise ConfigError(f"no finding with fingerprint {printable(wanted)!r} in "
                          f"{printable(result.root)} (`credscope scan` lists each finding's "
                          "id)")
    listed = [f"{_bare(fp)[:12]} {f.rule_id} {printable(f.location.path)}:{f.location.line}"
              for fp, f in sorted(hits.items())]
    more = len(listed) - _SHOWN_CANDIDATES
    raise ConfigError(f"ambiguous: {printable(wanted)!r} starts {len(hits)} fingerprints: "
                      + "; ".join(listed[:_SHOWN_CANDIDATES])
                      + (f"; and {more} more" if more > 0 else "")
                      + " (give more characters)")


def explain_finding(config: Config, wanted: str, opts: SourceOptions | None = None) -> str:
    stages = build_stages(config)
    result = scan(config, select_source(config, opts or SourceOptions()), stages)
    finding = find(result, wanted)
    rule = next((r for r in stages.rules if r.id == finding.rule_id), None)
    lines = render(finding, rule, show_secret=config.show_secrets)
    if not config.show_secrets:
        lines = [line.replace(finding.secret, finding.redacted) for line in lines]
    return "\n".join(printable(line) for line in lines)


def render(f: Finding, rule: Rule | None, *, show_secret: bool = False) -> list[str]:
    """The explanation, one entry per output line (each printable()-ed by the caller)."""
    c = f.classification
    tier = str(c.tier) if c.tier is not Tier.UNKNOWN else f"UNKNOWN (ranked as {c.worst_case})"
    loc = f.location
    secret = f.secret if show_secret else f.redacted
    lines = [
        f"Finding {f.fingerprint}",
        f"  Rule          {f.rule_id}: {f.title} ({f.provider})",
        f"  Secret        {secret}",
        f"  Where         {loc.path}:{loc.line}:{loc.column} ({c.location}"
        + "".join(f", {flag}" for flag in sorted(c.flags)) + ")",
    ]
    if loc.label:
        lines.append(f"  Inside        {loc.label}")
    before, after = f.excerpt
    if before or after:
        lines.append(f"  Line          {before.strip()}{secret}{after.rstrip()}")
    lines += [f"  Also at       {o.path}:{o.line}:{o.column}" for o in f.occurrences[1:]]
    if loc.commit is not None:
        lines.append(f"  First seen    {loc.commit.sha[:12]} by {loc.commit.author} "
                     f"<{loc.commit.email}> on {loc.commit.date}")
    lines += [
        f"  Verdict       {c.verdict} ({c.severity})"
        + (f", suppressed: {f.suppression.kind}: {f.suppression.reason}" if f.suppression else ""),
        f"  Confidence    {c.confidence}",
        f"  Why           {c.reason}",
        f"  Tier          {tier}; scope {c.scope}",
        f"  Environment   {c.environment}",
        f"  Capabilities  {', '.join(c.capabilities) or '(none)'}",
        f"  Expired       {'yes' if c.expired else 'no'}",
        "  Decoded facts",
        *(f"    {k}: {v}" for k, v in c.details),
        "  Evidence",
        *(f"    - {e}" for e in c.evidence),
        f"  Remediation   {c.remediation}",
        f"  Allow it      a `credscope: allow={f.rule_id}` comment on its line, or "
        "`credscope baseline update`",
    ]
    if rule is not None and rule.references:
        lines.append(f"  References    {' '.join(rule.references)}")
    return lines
