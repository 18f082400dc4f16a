"""Tokens that carry a readable payload or slug: Grafana Cloud glc_, Sentry sntrys_, Doppler."""

from __future__ import annotations

import re

from scanner.classify.decoders.base import (
    Builder,
    DecodeResult,
    Surroundings,
    b64decode,
    env_from_words,
    json_object,
    unknown,
)
from scanner.model import Environment, Scope, Tier


def decode_grafana_cloud(secret: str, _around: Surroundings) -> DecodeResult:
    if not secret.startswith("glc_"):
        return unknown("no glc_ prefix")
    payload = json_object(b64decode(secret[4:]))
    if payload is None:
        return unknown("glc_ payload is not base64 JSON")
    b = Builder(valid=True, scope=Scope.ORG)
    name = str(payload.get("n", ""))
    b.fact("org-id", payload.get("o", ""))
    b.fact("token-name", name)
    meta = payload.get("m")
    if isinstance(meta, dict) and "r" in meta:
        # Grafana's own region name (prod-us-east-0), not the user's environment.
        b.fact("region", meta["r"])
    b.say("Grafana Cloud access-policy token; its scopes live on the server")
    if name:
        b.environment = env_from_words(name)
        if re.search(r"read", name, re.I) and not re.search(r"write|admin", name, re.I):
            b.say(f"token name {name!r} suggests read-only use (not proof)")
    return b.build()


def decode_sentry_org(secret: str, _around: Surroundings) -> DecodeResult:
    m = re.match(r"^sntrys_([A-Za-z0-9+/=_-]+?)_([A-Za-z0-9+/_-]{20,})$", secret.strip())
    payload = json_object(b64decode(m.group(1))) if m else None
    if payload is None:
        return unknown("sntrys_ payload is not base64 JSON")
    b = Builder(valid=True, tier=Tier.LIMITED, scope=Scope.ORG)
    for key in ("org", "url", "region_url"):
        if key in payload:
            b.fact(key, payload[key])
    url = str(payload.get("url", ""))
    if "localhost" in url or "127.0.0.1" in url:
        b.environment = Environment.LOCAL
    b.say("Sentry org auth token: releases and source maps for CI, fixed scopes")
    return b.build()


_DOPPLER = {
    "pt": ("personal token", Tier.ADMIN, Scope.ACCOUNT),
    "ct": ("CLI token", Tier.ADMIN, Scope.ACCOUNT),
    "st": ("service token", Tier.READ, Scope.ENVIRONMENT),
    "sa": ("service account token", Tier.UNKNOWN, Scope.WORKSPACE),
    "scim": ("SCIM token", Tier.ADMIN, Scope.WORKSPACE),
    "audit": ("audit token", Tier.READ, Scope.WORKSPACE),
}


def decode_doppler(secret: str, _around: Surroundings) -> DecodeResult:
    m = re.match(r"^dp\.(pt|ct|st|sa|scim|audit)\.(?:([A-Za-z0-9_-]+)\.)?[A-Za-z0-9]{40,44}$",
                 secret.strip())
    if m is None:
        return unknown("not a dp.<kind>. Doppler token")
    kind, slug = m.groups()
    name, tier, scope = _DOPPLER[kind]
    b = Builder(tier=tier, scope=scope)
    b.fact("kind", name)
    b.say(f"dp.{kind}.: Doppler {name}")
    if slug:
        b.fact("config", slug)
        b.environment = env_from_words(slug)
        if b.environment is not None:
            b.say(f"config slug {slug!r}: {b.environment}")
    return b.build()
