"""The rule catalogue for people and machines: `credscope rules list` (a filtered, sorted
table, or JSON), `credscope rules show ID` (readable text, or JSON), and the check that every
rule id a user names exists (with a did-you-mean)."""

from __future__ import annotations

import textwrap
from collections.abc import Collection, Iterable, Sequence
from typing import Any, Literal

from scanner.errors import ConfigError
from scanner.matching.schema import Rule
from scanner.paths import printable

SortKey = Literal["id", "provider", "tier"]


def rule_dict(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "provider": rule.provider,
        "title": rule.title,
        "description": rule.description,
        "tier": str(rule.tier),
        "worst_case": str(rule.worst_case),
        "scope": str(rule.scope),
        "capabilities": [str(c) for c in rule.capabilities],
        "environment": str(rule.environment),
        "decoder": rule.decoder,
        "remediation": rule.remediation,
        "narrower": rule.narrower,
        "references": list(rule.references),
        "keywords": list(rule.keywords),
        "context": list(rule.context),
        "kind": rule.kind,
        "tags": list(rule.tags),
        "examples": {
            "positive": sum(1 for e in rule.examples if e.positive),
            "negative": sum(1 for e in rule.examples if not e.positive),
        },
        "source_file": rule.source_file.rsplit("/", 1)[-1],
    }


def tier_text(rule: Rule) -> str:
    return str(rule.tier) if rule.tier == rule.worst_case else f"{rule.tier}→{rule.worst_case}"


def select(rules: Iterable[Rule], *, provider: str | None = None, tier: str | None = None,
           search: str | None = None, sort: SortKey = "id") -> list[Rule]:
    """Rules of a provider (case-insensitive), of a tier (the stated tier or the worst case),
    whose id, provider, title or description holds `search`; sorted by `sort` then id."""
    chosen = []
    for rule in rules:
        if provider and rule.provider.casefold() != provider.casefold():
            continue
        if tier and tier.upper() not in (str(rule.tier), str(rule.worst_case)):
            continue
        text = f"{rule.id} {rule.provider} {rule.title} {rule.description}".casefold()
        if search and search.casefold() not in text:
            continue
        chosen.append(rule)
    if sort == "provider":
        return sorted(chosen, key=lambda r: (r.provider.casefold(), r.id))
    if sort == "tier":
        return sorted(chosen, key=lambda r: (-r.worst_case.rank, -r.tier.rank, r.id))
    return sorted(chosen, key=lambda r: r.id)


def table(rules: Sequence[Rule], total: int) -> str:
    """An aligned table with a header, and how many of the catalogue's rules it lists."""
    rows = [("ID", "PROVIDER", "TIER", "ENV", "TITLE")]
    rows += [(printable(r.id), printable(r.provider), tier_text(r), str(r.environment),
              printable(r.title)) for r in rules]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)),
                        row[4]]) for row in rows]
    shown = f"{len(rules)} of {total} rules" if len(rules) != total else f"{total} rules"
    return "\n".join([*lines, shown]) + "\n"


def describe(rule: Rule) -> str:
    """Everything about one rule, as text to read."""
    def field(name: str, value: str) -> list[str]:
        return textwrap.wrap(printable(value), 96, initial_indent=f"{name:<14}",
                             subsequent_indent=" " * 14) or [f"{name:<14}-"]

    examples = (f"{sum(e.positive for e in rule.examples)} positive, "
                f"{sum(not e.positive for e in rule.examples)} negative")
    lines = [f"{printable(rule.id)}: {printable(rule.title)}", ""]
    lines += field("provider", rule.provider)
    lines += field("tier", tier_text(rule) + ("" if rule.tier == rule.worst_case else
                                              " (UNKNOWN until decoded; ranked as the worst "
                                              "case)"))
    lines += field("scope", str(rule.scope))
    lines += field("can", ", ".join(str(c) for c in rule.capabilities) or "(nothing listed)")
    lines += field("environment", str(rule.environment))
    lines += field("decoder", rule.decoder or "(none)")
    lines += field("description", rule.description)
    lines += field("remediation", rule.remediation)
    if rule.narrower:
        lines += field("use instead", rule.narrower)
    lines += field("keywords", ", ".join(rule.keywords))
    if rule.context:
        lines += field("context", f"within {rule.context_lines} lines: " + " | ".join(
            rule.context))
    lines += field("kind", rule.kind)
    lines += field("examples", examples)
    lines += field("defined in", rule.source_file.rsplit("/", 1)[-1])
    for i, ref in enumerate(rule.references):
        lines += field("references" if i == 0 else "", ref)
    return "\n".join(lines) + "\n"


class UnknownRuleId(ConfigError):
    """A rule id that names no rule (disable-rules, --disable-rule, `rules show`): exit 2,
    with the closest ids as a did-you-mean."""

    def __init__(self, rule_id: str, hint: str, *, where: str, path: str | None = None
                 ) -> None:
        super().__init__(f"{where}: unknown rule id {printable(rule_id)!r}{hint}", path=path)
        self.rule_id, self.hint = rule_id, hint

    @classmethod
    def of(cls, rule_id: str, known: Collection[str], *, where: str,
           path: str | None = None) -> UnknownRuleId:
        import difflib  # noqa: PLC0415 - only when an id is wrong (the hook imports this)

        close = difflib.get_close_matches(rule_id, list(known), n=3, cutoff=0.6)
        hint = ("; did you mean " + " or ".join(repr(c) for c in close) + "?") if close \
            else " (`credscope rules list` lists them)"
        return cls(rule_id, hint, where=where, path=path)

    def moved(self, where: str, path: str | None = None) -> UnknownRuleId:
        """The same error, said of another place the id came from."""
        return UnknownRuleId(self.rule_id, self.hint, where=where, path=path)


def check_rule_ids(ids: Iterable[str], known: Collection[str], *, where: str,
                   path: str | None = None) -> None:
    """Raise UnknownRuleId for the first id that names no rule."""
    for rule_id in ids:
        if rule_id not in known:
            raise UnknownRuleId.of(rule_id, known, where=where, path=path)
