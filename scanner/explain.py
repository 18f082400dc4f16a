"""`credscope explain FINGERPRINT [PATH]`: re-scan and say everything credscope knows about one
finding, and why: decoded facts, evidence, the policy rule that decided, the remediation.
Redacted unless --show-secrets; the secret is scrubbed from every line as a safety net."""

from __future__ import annotations

from scanner.config import Config
from scanner.errors import ConfigError
from scanner.matching.schema import Rule
from scanner.model import Finding, ScanResult, Tier
from scanner.pipeline import build_stages, scan
from scanner.sources.select import SourceOptions, select_source


def find(result: ScanResult, wanted: str) -> Finding | None:
    """Exact fingerprint, or a unique prefix of at least 8 characters (with or without v1:)."""
    everything = (*result.findings, *result.suppressed)
    for f in everything:
        if f.fingerprint == wanted:
            return f
    bare = wanted.split(":", 1)[-1]
    if len(bare) < 8:
        return None
    hits = {f.fingerprint: f for f in everything
            if f.fingerprint.split(":", 1)[-1].startswith(bare)}
    return next(iter(hits.values())) if len(hits) == 1 else None


def explain_finding(config: Config, wanted: str, opts: SourceOptions | None = None) -> str:
    stages = build_stages(config)
    result = scan(config, select_source(config, opts or SourceOptions()), stages)
    finding = find(result, wanted.strip())
    if finding is None:
        raise ConfigError(f"no finding with fingerprint {wanted!r} in {config.root} "
                          "(run `credscope scan --format json` to list fingerprints)")
    rule = next((r for r in stages.rules if r.id == finding.rule_id), None)
    text = render(finding, rule)
    return text if config.show_secrets else text.replace(finding.secret, finding.redacted)


def render(f: Finding, rule: Rule | None) -> str:
    c = f.classification
    tier = str(c.tier) if c.tier is not Tier.UNKNOWN else f"UNKNOWN (ranked as {c.worst_case})"
    loc = f.location
    lines = [
        f"Finding {f.fingerprint}",
        f"  Rule          {f.rule_id}: {f.title} ({f.provider})",
        f"  Secret        {f.secret}",
        f"  Where         {loc.label or loc.path}:{loc.line}:{loc.column} ({c.location}"
        + "".join(f", {flag}" for flag in sorted(c.flags)) + ")",
        *(f"  Also at       {o.path}:{o.line}:{o.column}" for o in f.occurrences[1:]),
    ]
    if loc.commit is not None:
        lines.append(f"  First seen    {loc.commit.sha[:12]} by {loc.commit.author} "
                     f"on {loc.commit.date}")
    lines += [
        f"  Verdict       {c.verdict} ({c.severity})"
        + (f", suppressed: {f.suppression.kind}: {f.suppression.reason}" if f.suppression else ""),
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
    ]
    if rule is not None and rule.references:
        lines.append(f"  References    {' '.join(rule.references)}")
    return "\n".join(lines)
