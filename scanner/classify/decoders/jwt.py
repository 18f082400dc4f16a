"""JSON Web Tokens: decode header and payload (never verify), classify by issuer and claims.

Supabase keys (role anon / service_role, iss supabase-demo for the local stack), Auth0
Management API scopes, Kubernetes service-account claims, expiry and `alg: none`.
"""

from __future__ import annotations

from typing import Any

from scanner.classify.decoders.base import (
    Builder,
    DecodeResult,
    Surroundings,
    b64decode,
    env_from_words,
    is_past,
    iso_date,
    json_object,
    unknown,
)
from scanner.model import Capability, Environment, Scope, Tier

_DATA_ALL = (Capability.READ_DATA, Capability.WRITE_DATA, Capability.DELETE_DATA)
_K8S_NS = "kubernetes.io/serviceaccount/namespace"
_K8S_SA = "kubernetes.io/serviceaccount/service-account.name"


def decode_jwt(secret: str, _around: Surroundings) -> DecodeResult:
    parts = secret.strip().split(".")
    if len(parts) != 3:
        return unknown(f"not a JWT: {len(parts)} dot-separated parts, expected 3")
    header, payload = json_object(b64decode(parts[0])), json_object(b64decode(parts[1]))
    if header is None or payload is None:
        return unknown("not a JWT: header or payload is not base64url JSON")
    b = Builder(valid=True)
    _header(b, header)
    _expiry(b, payload)
    iss = str(payload.get("iss", ""))
    if iss:
        b.fact("iss", iss)
    if iss.startswith("supabase") or payload.get("role") in ("anon", "service_role"):
        _supabase(b, payload, iss)
    elif "auth0.com" in iss or "/api/v2/" in str(payload.get("aud", "")):
        _auth0(b, payload, iss)
    elif iss.startswith("kubernetes") or _K8S_NS in payload or "kubernetes.io" in payload:
        _kubernetes(b, payload)
    else:
        _generic(b, payload)
    if b.environment is None and iss:
        b.environment = _env_from_issuer(iss)
    return b.build()


def _header(b: Builder, header: dict[str, Any]) -> None:
    alg = str(header.get("alg", ""))
    b.fact("alg", alg or "(missing)")
    if alg.lower() == "none":
        b.say("alg none: the token is unsigned, anyone can forge one like it")


def _expiry(b: Builder, payload: dict[str, Any]) -> None:
    exp = payload.get("exp")
    if exp is None:
        b.say("no exp claim: the token never expires")
        return
    b.fact("exp", iso_date(exp))
    if is_past(exp):
        b.expired = True
        b.say(f"expired at {iso_date(exp)} (exp claim)")


def _supabase(b: Builder, payload: dict[str, Any], iss: str) -> None:
    role = str(payload.get("role", ""))
    b.fact("role", role)
    if "ref" in payload:
        b.fact("project-ref", payload["ref"])
    b.scope = Scope.PROJECT
    if role == "anon":
        b.tier, b.capabilities = Tier.PUBLIC, ()
        b.say("Supabase anon key: meant for browsers, limited by Row Level Security")
    elif role == "service_role":
        b.tier, b.capabilities = Tier.ADMIN, (*_DATA_ALL, Capability.IMPERSONATE)
        b.say("Supabase service_role key: bypasses Row Level Security, full project data "
              "and Auth admin")
    if iss == "supabase-demo":
        b.environment = Environment.LOCAL
        b.say("iss supabase-demo: the public key of the local Supabase CLI stack")


def _auth0(b: Builder, payload: dict[str, Any], iss: str) -> None:
    scopes = str(payload.get("scope", "")).split()
    b.fact("scope", " ".join(scopes) or "(none)")
    b.scope = Scope.ACCOUNT
    writes = [s for s in scopes if s.split(":")[0] in ("create", "update", "delete")]
    if writes:
        b.tier = Tier.ADMIN
        b.capabilities = (*_DATA_ALL, Capability.MANAGE_CREDENTIALS)
        b.say(f"Auth0 Management API token with write scopes ({', '.join(writes[:4])}): "
              "ADMIN over the tenant")
    elif scopes:
        b.tier, b.capabilities = Tier.READ, (Capability.READ_DATA,)
        b.say("Auth0 token with read-only scopes")
    b.environment = env_from_words(iss.split("//")[-1].split(".")[0])


def _kubernetes(b: Builder, payload: dict[str, Any]) -> None:
    nested = payload.get("kubernetes.io")
    if isinstance(nested, dict):
        namespace = str(nested.get("namespace", ""))
        sa = nested.get("serviceaccount")
        name = str(sa.get("name", "")) if isinstance(sa, dict) else ""
    else:
        namespace, name = str(payload.get(_K8S_NS, "")), str(payload.get(_K8S_SA, ""))
    b.fact("namespace", namespace)
    b.fact("service-account", name)
    b.scope = Scope.RESOURCE
    if namespace == "kube-system" or "admin" in name:
        b.tier = Tier.ADMIN
        b.say(f"Kubernetes service account {namespace}/{name}: cluster-level by convention")
    else:
        b.say(f"Kubernetes service account {namespace}/{name}: rights set by RBAC, not visible")
    b.environment = env_from_words(namespace)


def _generic(b: Builder, payload: dict[str, Any]) -> None:
    roles = payload.get("roles") or payload.get("role") or ""
    hasura = payload.get("https://hasura.io/jwt/claims")
    if isinstance(hasura, dict):
        roles = hasura.get("x-hasura-allowed-roles", roles)
    text = " ".join(map(str, roles)) if isinstance(roles, list) else str(roles)
    if text:
        b.fact("roles", text)
    if "admin" in text.lower() or payload.get("is_admin") is True:
        b.tier = Tier.ADMIN
        b.say("an admin role claim")


def _env_from_issuer(iss: str) -> Environment | None:
    host = iss.split("//")[-1].split("/")[0]
    if host.startswith(("localhost", "127.0.0.1")):
        return Environment.LOCAL
    return env_from_words(host.split(".")[0]) if "." in host else None
