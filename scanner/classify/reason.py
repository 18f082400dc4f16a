"""The one human sentence per finding: what it is, how much it can do, where it sits, and why
that matters. Also the remediation, naming the narrower credential where one exists."""

from __future__ import annotations

from scanner.matching.schema import Rule
from scanner.model import Capability, Environment, Flag, LocationClass, Scope, Tier

CAPABILITY_TEXT = {
    Capability.DELETE_DATA: "delete data",
    Capability.DELETE_BACKUPS: "delete backups",
    Capability.MANAGE_CREDENTIALS: "manage credentials",
    Capability.DEPLOY: "deploy",
    Capability.WRITE_DATA: "write data",
    Capability.READ_DATA: "read data",
    Capability.SPEND: "spend money",
    Capability.SEND: "send messages",
    Capability.IMPERSONATE: "act as a user",
    Capability.PUBLISH: "publish packages",
}
_WHERE = {
    LocationClass.AGENT_CONFIG: "which configures or instructs a coding agent",
    LocationClass.CLIENT_BUNDLE: "which is shipped to browsers or apps",
    LocationClass.CLI_CREDENTIALS: "a CLI credential store that any agent running as you reads",
    LocationClass.SHELL_HISTORY: "shell history that any agent running as you reads",
    LocationClass.EXAMPLES: "an example or template others copy",
}


def where_text(location: LocationClass, flags: frozenset[Flag]) -> str:
    """How exposed the file is, as a relative clause."""
    if Flag.HISTORY_ONLY in flags:
        return "no longer in the tree but still in git history, which every clone carries"
    if Flag.IGNORED_BUT_PRESENT in flags:
        return "which is gitignored but on disk, where any agent working here reads it"
    return _WHERE.get(location, "which any agent working in this repository reads")


def tier_text(tier: Tier, effective: Tier) -> str:
    return str(tier) if tier is not Tier.UNKNOWN else f"UNKNOWN (worst case {effective})"


def describe(title: str, tier: Tier, effective: Tier, scope: Scope,
             capabilities: tuple[Capability, ...], environment: Environment, where: str,
             location: LocationClass, flags: frozenset[Flag], why: str) -> str:
    """e.g. "Railway account token: ADMIN, account-wide, can delete data, delete backups; it
    sits in scripts/notes.md, which any agent working in this repository reads: ..."."""
    parts = [tier_text(tier, effective)]
    if scope is not Scope.UNKNOWN:
        parts.append(f"{scope}-wide")
    if environment is Environment.ALL:
        parts.append("for every environment")
    elif environment is not Environment.UNKNOWN:
        parts.append(f"for {environment}")
    if capabilities:
        parts.append("can " + ", ".join(CAPABILITY_TEXT[c] for c in capabilities))
    return (f"{title}: {', '.join(parts)}; it sits in {where} ({location}), "
            f"{where_text(location, flags)}: {why}")


def remediation(rule: Rule, tier: Tier) -> str:
    text = rule.remediation.strip()
    if rule.narrower and tier in (Tier.ADMIN, Tier.WRITE, Tier.UNKNOWN):
        text += f" Narrower credential to use instead: {rule.narrower}."
    return text
