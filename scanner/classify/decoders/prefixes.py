"""Formats whose prefix says the mode or kind: Stripe, Braintree/Square/Plaid/Lob-style
environment prefixes, OpenAI, Anthropic, Slack."""

from __future__ import annotations

import re

from scanner.classify.decoders.base import Builder, DecodeResult, Surroundings, unknown
from scanner.model import Capability, Environment, Scope, Tier

_STRIPE = re.compile(r"^(sk|rk|pk)_(live|test)_")
_STRIPE_KIND = {"sk": "secret key", "rk": "restricted key", "pk": "publishable key"}
_MODE = {"live": Environment.PRODUCTION, "test": Environment.TEST}

# (pattern over the token, environment, what told us) — first match wins.
_ENV_PREFIXES: tuple[tuple[re.Pattern[str], Environment, str], ...] = (
    (re.compile(r"\$production\$"), Environment.PRODUCTION, "Braintree $production$"),
    (re.compile(r"\$sandbox\$"), Environment.TEST, "Braintree $sandbox$"),
    (re.compile(r"^sandbox-sq0"), Environment.TEST, "Square sandbox- prefix"),
    (re.compile(r"^sq0(csp|idp)-"), Environment.PRODUCTION, "Square production prefix"),
    (re.compile(r"^(access|public)-sandbox-"), Environment.TEST, "Plaid sandbox token"),
    (re.compile(r"^(access|public)-development-"), Environment.LOCAL, "Plaid development token"),
    (re.compile(r"^(access|public)-production-"), Environment.PRODUCTION, "Plaid production token"),
    (re.compile(r"^([a-z]+_)?live_"), Environment.PRODUCTION, "live_ prefix"),
    (re.compile(r"^([a-z]+_)?test_"), Environment.TEST, "test_ prefix"),
)


def decode_stripe(secret: str, _around: Surroundings) -> DecodeResult:
    m = _STRIPE.match(secret)
    if m is None:
        return unknown("no sk_/rk_/pk_ live or test prefix")
    kind, mode = m.groups()
    b = Builder(environment=_MODE[mode])
    b.fact("kind", _STRIPE_KIND[kind])
    b.fact("mode", mode)
    b.say(f"{kind}_{mode}_ prefix: {'live mode (production)' if mode == 'live' else 'test mode'}")
    if kind == "rk":
        b.tier = Tier.UNKNOWN
        b.say("restricted key: its per-resource permissions are not in the token")
    return b.build()


def decode_env_prefix(secret: str, _around: Surroundings) -> DecodeResult:
    for rx, env, what in _ENV_PREFIXES:
        if rx.search(secret):
            return DecodeResult(environment=env, evidence=(f"{what}: {env}",),
                                details=(("mode", str(env)),))
    return unknown("no environment prefix")


def decode_openai(secret: str, _around: Surroundings) -> DecodeResult:
    if not secret.startswith("sk-"):
        return unknown("not an sk- key")
    b = Builder()
    if "T3BlbkFJ" in secret:
        b.valid = True
        b.say("holds the T3BlbkFJ marker (base64 of 'OpenAI'): an OpenAI key")
    if secret.startswith("sk-admin-"):
        b.tier, b.scope = Tier.ADMIN, Scope.ORG
        b.capabilities = (Capability.MANAGE_CREDENTIALS, Capability.SPEND)
        b.fact("kind", "admin key")
        b.say("sk-admin-: manages users, projects, keys and spend limits of the organisation")
    elif secret.startswith(("sk-proj-", "sk-svcacct-")):
        b.scope = Scope.PROJECT
        b.fact("kind", "project key" if "proj" in secret[:8] else "service-account key")
        b.say("project-scoped key; All / Restricted / Read-only is not visible offline")
    else:
        b.fact("kind", "legacy user key")
    return b.build()


_ANTHROPIC = {
    "admin01": ("Admin API key", Tier.ADMIN, Scope.ORG,
                (Capability.MANAGE_CREDENTIALS,), "manages members, workspaces and API keys"),
    "api03": ("API key", Tier.WRITE, Scope.WORKSPACE, (Capability.SPEND,),
              "model spend, files and batches in its workspace"),
    "oat01": ("OAuth access token", Tier.LIMITED, Scope.ACCOUNT, (Capability.SPEND,),
              "acts as the subscriber for model use, for hours"),
    "ort01": ("OAuth refresh token", Tier.LIMITED, Scope.ACCOUNT, (Capability.SPEND,),
              "mints new subscriber access tokens"),
}


def decode_anthropic(secret: str, _around: Surroundings) -> DecodeResult:
    m = re.match(r"^sk-ant-([a-z]+\d\d)-", secret)
    if m is None or m.group(1) not in _ANTHROPIC:
        return unknown("no known sk-ant- kind")
    kind, tier, scope, caps, what = _ANTHROPIC[m.group(1)]
    return DecodeResult(valid=True, tier=tier, scope=scope, capabilities=caps,
                        details=(("kind", kind),), evidence=(f"sk-ant-{m.group(1)}-: {what}",))


_SLACK = {
    "xoxb": ("bot token", Tier.WRITE, "acts within the bot's granted scopes"),
    "xoxp": ("user token", Tier.UNKNOWN, "acts as the user; scopes not in the token"),
    "xapp": ("app-level token", Tier.LIMITED, "Socket Mode and app-level APIs"),
    "xoxe": ("refresh token", Tier.UNKNOWN, "mints new rotating access tokens"),
}


def decode_slack(secret: str, _around: Surroundings) -> DecodeResult:
    if "hooks.slack.com/services/" in secret:
        return DecodeResult(tier=Tier.LIMITED, scope=Scope.RESOURCE,
                            capabilities=(Capability.SEND,), details=(("kind", "webhook"),),
                            evidence=("incoming webhook: posts to one channel",))
    m = re.match(r"^(xoxe\.)?(xox[a-z]|xapp)-(\d+)?", secret)
    if m is None:
        return unknown("not a Slack token prefix")
    rotating, prefix, team = m.groups()
    b = Builder(scope=Scope.WORKSPACE)
    kind, tier, what = _SLACK.get(prefix, ("legacy token", Tier.UNKNOWN, "legacy token kind"))
    b.tier = tier
    b.fact("kind", kind)
    b.say(f"{prefix}-: {what}")
    if team:
        b.fact("team-number", team)
    if rotating:
        b.say("xoxe. rotating access token: expires after 12 hours")
    return b.build()
