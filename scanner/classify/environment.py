"""Which environment a credential is for, from every source that can tell, strongest first.

1. The token itself (a decoder: `sk_live_`, a macaroon's location, a URL's host, a
   kubeconfig's context) and the rule (a fixed environment).
2. A known-ADMIN account-, org- or workspace-wide credential reaches every environment:
   `all`, whatever its name or file says (a name cannot narrow what the token can do).
3. Strong context, the credential's own configuration: the key path holding it (profile,
   section, server, context names), the name it is assigned to, a comment on its line, an
   environment declared in its scope (`environment: production`, `NODE_ENV=staging`), a host
   on its line.
4. Medium context: the comment or heading above its block, a host a few lines away.
5. Weak hints: the file's path and purpose, tests/fixtures meaning `test`.
6. Nothing said, and account-wide with at least WRITE power: `all`. Else `unknown`.

A weaker source never decides when a stronger one said something: the strongest level that
spoke decides (within a level, the order above), and every source that spoke is listed in
the evidence and the details, so `explain` shows what was read and what was overruled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

from scanner.classify import envwords
from scanner.classify.decoders import Surroundings
from scanner.model import Environment, LocationClass, Scope, Tier

E = Environment
ACCOUNT_WIDE = frozenset({Scope.ACCOUNT, Scope.ORG, Scope.WORKSPACE})


class Strength(IntEnum):
    WEAK = 1
    MEDIUM = 2
    STRONG = 3


@dataclass(frozen=True, slots=True)
class Signal:
    environment: Environment
    strength: Strength
    source: str  # detail key suffix: name, label, comment, declared, host, path, ...
    read: str  # what was read, e.g. "the name STRIPE_KEY_PROD"


@dataclass(frozen=True, slots=True)
class Decision:
    environment: Environment
    evidence: tuple[str, ...]
    details: tuple[tuple[str, str], ...]


def resolve(decoded: Environment | None, rule_env: Environment, around: Surroundings,
            path: str, location: LocationClass, tier: Tier = Tier.UNKNOWN,
            scope: Scope = Scope.UNKNOWN, worst: Tier = Tier.UNKNOWN) -> Decision:
    """The environment, with one evidence line and one detail per source that spoke."""
    heard = signals(around, path, location)
    details = tuple((f"env-{s.source}", f"{s.environment} ({s.read})") for s in heard)
    heard_text = [f"{s.read} says {s.environment}" for s in heard]
    if decoded is not None and decoded is not E.UNKNOWN:
        return _decided(decoded, "from the token itself", "token", heard_text, details)
    if rule_env is not E.UNKNOWN:
        return _decided(rule_env, "fixed by the rule", "rule", heard_text, details)
    if tier is Tier.ADMIN and scope in ACCOUNT_WIDE:
        return _decided(E.ALL, f"ADMIN and {scope}-wide: it reaches every environment, "
                        "production included, whatever its name or file says", "account-wide",
                        heard_text, details)
    if heard:
        top = max(s.strength for s in heard)
        winner = next(s for s in heard if s.strength == top)
        overruled = [t for s, t in zip(heard, heard_text, strict=True) if s is not winner
                     and s.environment is not winner.environment]
        return _decided(winner.environment, f"from {winner.read}", winner.source, overruled,
                        details)
    if scope in ACCOUNT_WIDE and worst in (Tier.ADMIN, Tier.WRITE):
        return _decided(E.ALL, f"{scope}-wide with nothing naming one environment: it "
                        "reaches every environment of the account", "account-wide", [], details)
    return Decision(E.UNKNOWN, ("environment unknown: nothing tells it",), details)


def _decided(env: Environment, why: str, source: str, others: list[str],
             details: tuple[tuple[str, str], ...]) -> Decision:
    evidence = [f"environment {env} {why}"]
    if others:
        evidence.append("environment: also read, not deciding: " + "; ".join(others))
    return Decision(env, tuple(evidence), (("environment-from", source), *details))


def signals(around: Surroundings, path: str, location: LocationClass) -> list[Signal]:
    """Every environment the context names, strongest first (see the module docstring)."""
    out: list[Signal] = []

    def add(found: tuple[Environment, str] | None, strength: Strength, source: str,
            read: str) -> None:
        if found is not None:
            out.append(Signal(found[0], strength, source, read.replace("{word}", found[1])))

    add(label_env(around.label), Strength.STRONG, "label", f"its key path {around.label}")
    add(envwords.env_in(around.key), Strength.STRONG, "name", f"the name {around.key}")
    add(comment_env(around.line_comment), Strength.STRONG, "comment",
        "the comment on its line ({word})")
    add(declared_env(around.declared), Strength.STRONG, "declared",
        f"{around.declared} declared in its scope")
    line_host = first_host(around.line)
    add(_host(line_host), Strength.STRONG, "host", f"the host {line_host} on its line")
    add(comment_env(around.block_comment), Strength.MEDIUM, "block-comment",
        "the comment or heading above it ({word})")
    near = first_host(around.window)
    if near != line_host:
        add(_host(near), Strength.MEDIUM, "nearby-host", f"the host {near} near it")
    add(envwords.path_env(path), Strength.WEAK, "path", f"the path {path} " + "({word})")
    if not any(s.source == "path" for s in out):
        add(purpose_env(path), Strength.WEAK, "purpose", "the file's purpose ({word})")
    if location in (LocationClass.TESTS, LocationClass.FIXTURES):
        out.append(Signal(E.TEST, Strength.WEAK, "location", f"its place among {location}"))
    return sorted(out, key=lambda s: -s.strength)


def _host(host: str) -> tuple[Environment, str] | None:
    return envwords.host_env(host) if host else None


# --- the readings -------------------------------------------------------------------------

_HOST = re.compile(r"[a-z][a-z0-9+.-]*://(?:[^@/\s\"']*@)?([A-Za-z0-9.-]+|\[[0-9a-f:]+\])",
                   re.I)
_HOST_KEY = re.compile(r"(?i)\b(?:host|hostname|server|endpoint|address|addr|domain)[\"']?"
                       r"[ \t]*[:=][ \t]*[\"']?([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


_HOST_WORDS = ("host", "server", "endpoint", "addr", "domain")


def first_host(text: str) -> str:
    """The first URL host in `text`, else the value of a host-like key (cheap tests first:
    most windows hold neither)."""
    m = _HOST.search(text) if "://" in text else None
    if m is None:
        lowered = text.lower()
        if any(word in lowered for word in _HOST_WORDS):
            m = _HOST_KEY.search(text)
    return m.group(1).lower() if m else ""


def label_env(label: str) -> tuple[Environment, str] | None:
    """A key path names the profile, section, server or context holding the value:
    "[profile prod] aws_secret_access_key", "mcpServers.github-staging.env.TOKEN".
    Keys that are paths or URLs (a project directory, a registry) are read as hosts only."""
    found = None
    for part in re.findall(r"\[\"((?:[^\"\\]|\\.)*)\"\]|([^.\[\]]+)", label):
        text = part[0] or part[1]
        if "/" in text or (part[0] and "." in text):
            host = first_host(text) or (text if "/" not in text else "")
            hit = envwords.host_env(host) if host else None
        else:
            hit = envwords.env_in(text)
        found = hit or found
    return found


_NEGATION = frozenset({"not", "never", "no", "don", "dont", "avoid", "instead", "except",
                       "without", "unlike", "replace", "replaces", "before", "after"})


def comment_env(comment: str) -> tuple[Environment, str] | None:
    """A comment naming the environment: short ones only ("# Production", "// staging keys");
    prose and negations ("never use the production key here") say nothing reliable."""
    for piece in comment.split(" | "):
        ws = envwords.words(piece)
        if not ws or len(ws) > 8 or _NEGATION & set(ws):
            continue
        found = envwords.env_in_words(ws, last=False)
        if found is None or (found[1] == "live" and len(ws) > 3):
            continue
        return found[0], " ".join(w for w in ws if len(w) <= 15)
    return None


def declared_env(declared: str) -> tuple[Environment, str] | None:
    value = declared.partition("=")[2]
    return envwords.env_in(value) if value else None


# The file's purpose, when its path names no environment: compose files and dev containers
# run on a developer's machine; end-to-end and test-runner configs drive test environments.
_PURPOSES: tuple[tuple[re.Pattern[str], Environment, str], ...] = (
    (re.compile(r"(^|/)(docker-)?compose(\.override)?\.ya?ml$|(^|/)\.devcontainer/"
                r"|(^|/)(Vagrantfile|Tiltfile|skaffold\.ya?ml|devbox\.json)$", re.I),
     E.LOCAL, "a local development setup"),
    (re.compile(r"(^|/)(cypress\.env\.json|playwright\.config\.[jt]s|jest\.config\.[jt]s"
                r"|pytest\.ini|phpunit\.xml(\.dist)?|\.env\.testing)$", re.I),
     E.TEST, "a test runner's configuration"),
)


def purpose_env(path: str) -> tuple[Environment, str] | None:
    for rx, env, what in _PURPOSES:
        if rx.search(path):
            return env, what
    return None


# --- the small API the rest of credscope and older callers use ------------------------------

def path_environment(path: str) -> Environment:
    found = envwords.path_env(path)
    return found[0] if found else E.UNKNOWN


def is_staging_path(path: str) -> bool:
    found = envwords.path_env(path)
    return found is not None and found[0] is E.STAGING


def key_environment(key: str) -> Environment:
    found = envwords.env_in(key)
    return found[0] if found else E.UNKNOWN


def label_environment(label: str | None) -> Environment:
    found = label_env(label or "")
    return found[0] if found else E.UNKNOWN
