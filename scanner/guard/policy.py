"""The guard's decision policy: facts about one tool call -> no objection, ask or deny.

Like the scan policy (classify/policy.py), an ordered table of named rules; for each fact
the first rule that applies decides, and the call gets the strictest decision among its
facts. A fact is one credential the call would show, carry, write or paste (with the scan
policy's verdict for it), or one operation of the command catalogue. The user's guard
config may set a rule to "deny", "ask" or "off", or give {decision, why} (settings.py).

"Live" is a credential that works as found: not a PUBLIC (publishable) key, not a test,
sandbox or local one, not expired or encrypted. "Proven powerful" is known to be ADMIN, or
of a known tier that can delete data or backups (a format's worst case earns an ask, not a
deny). "Wide" is production, or account-, organisation- or workspace-wide: such a
credential reaches production whatever file it sits in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import IntEnum
from typing import Any, NamedTuple

from scanner.guard.catalogue import Operation
from scanner.guard.inspect import Sighting


class Outcome(IntEnum):
    NONE = 0  # no objection: the agent's normal permission flow applies
    ASK = 1
    DENY = 2  # for prompts and tool output: block


class Facts(NamedTuple):
    action: str  # read | print | carry | write | prompt | output
    sighting: Sighting | None = None
    operations: tuple[Operation, ...] = ()
    concern: frozenset[str] = frozenset()
    literal: bool = True  # carried as written in the command, not through a variable
    committed: bool = True  # write: the target file would be committed
    named: str = ""  # a credential seen by name only ($API_TOKEN unset here, railway run)

    @property
    def live(self) -> bool:
        s = self.sighting
        return s is not None and not s.inert and str(s.effective_tier) != "PUBLIC" and \
            str(s.environment) not in ("test", "local")

    @property
    def evident(self) -> bool:
        """Live, and its power is known from a provider format or a decoded value (a
        generic keyed assignment of unknown power never blocks an agent)."""
        s = self.sighting
        return self.live and s is not None and not (s.generic and str(s.tier) == "UNKNOWN")

    @property
    def concerning(self) -> bool:
        """Evident, and the scan policy's verdict is one of concern (a committed live
        production credential, "exposed" to the scan, concerns the guard too)."""
        s = self.sighting
        if not self.evident or s is None:
            return False
        if s.verdict in self.concern or (
                s.verdict == "exposed" and str(s.environment) == "production"):
            return True
        # The scan ranks unknown power as a warning (or, in a CLI store, as in its place);
        # reading it into an agent's context is judged by its worst case, for an ask only
        # (a deny needs proven power: proven_powerful).
        return str(s.tier) == "UNKNOWN" and str(s.effective_tier) == "ADMIN" and (
            s.verdict == "unverified-scope" or s.location == "cli-credentials")

    @property
    def proven_powerful(self) -> bool:
        """Known (not merely possibly) ADMIN, or of a known tier that can delete data or
        backups: a deny needs evidence, a format's worst case earns an ask."""
        s = self.sighting
        if s is None or str(s.tier) == "UNKNOWN":
            return False
        return str(s.tier) == "ADMIN" or bool(
            {str(c) for c in s.capabilities} & {"delete-data", "delete-backups"})

    @property
    def wide(self) -> bool:
        s = self.sighting
        return s is not None and (str(s.environment) == "production" or
                                  str(s.scope) in ("account", "org", "workspace"))

    @property
    def destructive(self) -> bool:
        return any(op.destructive for op in self.operations)

    @property
    def credential_in_sight(self) -> bool:
        return self.live or bool(self.named)


class GuardRule(NamedTuple):
    name: str
    outcome: Outcome
    why: str
    applies: Callable[[Facts], bool]


_SHOWS = ("read", "print")
RULES: tuple[GuardRule, ...] = (
    GuardRule("destructive-with-credential", Outcome.DENY,
              "{operation} ({effect}) would run with {credential}. A destructive call that "
              "wields a credential is not for an agent to make; if it is intended, run it "
              "yourself.",
              lambda f: f.action == "carry" and f.destructive and f.credential_in_sight),
    GuardRule("output-credential", Outcome.DENY,
              "the output of {tool} holds {credential}{where}. It is redacted where the "
              "agent can be told; do not repeat it, write it anywhere or use it.",
              lambda f: f.action == "output" and f.concerning),
    GuardRule("read-powerful-credential", Outcome.DENY,
              "{where} holds {credential}. A credential that can destroy production must not "
              "reach an agent's context: keep it in a secret manager or outside the project. "
              "{remediation}",
              lambda f: f.action in _SHOWS and f.concerning and f.proven_powerful and f.wide),
    GuardRule("read-credential", Outcome.ASK,
              "{where} holds {credential} ({verdict}); reading it puts the credential in "
              "the agent's context and transcript.",
              lambda f: f.action in _SHOWS and f.concerning),
    GuardRule("write-secret", Outcome.DENY,
              "this edit writes {credential} into {where}, which the repository would "
              "commit. Read it from the environment instead ({alternative}) and keep the "
              "value in a gitignored .env or a secret manager (1Password, Doppler, Vault, "
              "AWS Secrets Manager).",
              lambda f: f.action == "write" and f.committed and f.evident and
              f.sighting is not None and f.sighting.verdict != "ok"),
    GuardRule("prompt-secret", Outcome.DENY,
              "the prompt holds {credential}. It would be sent to the model and kept in the "
              "transcript; put it in an environment variable or a gitignored .env and refer "
              "to it by name.",
              lambda f: f.action == "prompt" and f.evident),
    GuardRule("credential-in-command", Outcome.ASK,
              "{where} carries {credential} written out, where it lands in the transcript "
              "and shell history; refer to it as {alternative} instead.",
              lambda f: f.action == "carry" and f.literal and f.concerning),
    GuardRule("prints-credential", Outcome.ASK,
              "{operation}: {effect}; the credential would land in the agent's context.",
              lambda f: any(op.kind == "prints-credential" for op in f.operations)),
    GuardRule("destructive", Outcome.ASK,
              "{operation}: {effect}. It cannot be undone; confirm it is intended.",
              lambda f: f.action == "carry" and f.destructive),
)
NAMES = {r.name for r in RULES}
_DECISIONS = {"deny": Outcome.DENY, "ask": Outcome.ASK}


def check_overrides(table: Mapping[str, Any], source: str) -> None:
    from scanner.errors import ConfigError  # noqa: PLC0415

    for name, value in table.items():
        if name not in NAMES:
            raise ConfigError(f"decisions.{name}: unknown rule (known: {', '.join(sorted(NAMES))})",
                              path=source)
        decision = value.get("decision") if isinstance(value, dict) else value
        if decision not in ("deny", "ask", "off") or (
                isinstance(value, dict) and set(value) - {"decision", "why"}):
            raise ConfigError(f"decisions.{name}: use \"deny\", \"ask\", \"off\" or "
                              "{decision = ..., why = ...}", path=source)


def rules(overrides: Mapping[str, Any]) -> tuple[GuardRule, ...]:
    out = []
    for rule in RULES:
        value = overrides.get(rule.name)
        if value is None:
            out.append(rule)
            continue
        decision = str(value.get("decision") if isinstance(value, dict) else value)
        if decision == "off":
            continue
        why = value.get("why", rule.why) if isinstance(value, dict) else rule.why
        out.append(rule._replace(outcome=_DECISIONS[decision], why=why))
    return tuple(out)


def judge(facts: Facts, table: tuple[GuardRule, ...]) -> GuardRule | None:
    return next((r for r in table if r.applies(facts)), None)
