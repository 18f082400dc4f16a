"""Credentials read together with the configuration they sit in (the whole file, bounded by
classify.context.DOCUMENT_LIMIT): a kubeconfig's contexts, clusters and client certificate, a
Google credentials file's project and account. The names a credential's own configuration
gives it are the strongest environment evidence after the token itself."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from scanner.classify import envwords
from scanner.classify.decoders.base import (
    Builder,
    DecodeResult,
    Surroundings,
    b64decode,
    unknown,
)
from scanner.model import Capability, Environment, Scope, Tier

_LOCAL_DISTRO = re.compile(r"^(kind-|k3d-|minikube|docker-desktop|rancher-desktop|orbstack"
                           r"|colima|microk8s)", re.I)
_CLUSTER_ADMIN_CAPS = (Capability.READ_DATA, Capability.WRITE_DATA, Capability.DELETE_DATA,
                       Capability.DEPLOY, Capability.MANAGE_CREDENTIALS)


def decode_kubeconfig(secret: str, around: Surroundings) -> DecodeResult:
    """The user entry holding the secret, the contexts that use it, their clusters' names and
    servers; a client certificate in group system:masters is cluster-admin."""
    config = _yaml(around.document)
    if config is None:
        return unknown("the kubeconfig around the value does not parse")
    users = [u for u in _items(config.get("users")) if _holds(u.get("user"), secret)]
    if not users:
        return unknown("no kubeconfig user entry holds the value")
    user = users[0]
    name = str(user.get("name", ""))
    b = Builder(scope=Scope.RESOURCE)
    b.fact("kube-user", name)
    contexts = [c for c in _items(config.get("contexts"))
                if isinstance(c.get("context"), dict) and c["context"].get("user") == name]
    clusters = {str(c.get("name")): c.get("cluster") for c in _items(config.get("clusters"))}
    names: list[tuple[str, str]] = []
    servers: list[str] = []
    for ctx in contexts:
        cluster = str(ctx["context"].get("cluster", ""))
        names += [("context", str(ctx.get("name", ""))), ("cluster", cluster)]
        entry = clusters.get(cluster)
        if isinstance(entry, dict) and entry.get("server"):
            servers.append(str(entry["server"]))
    names.append(("user", name))
    local = next((v for k, v in names if k == "cluster" and _LOCAL_DISTRO.match(v)), None)
    if local is not None:
        b.environment = Environment.LOCAL
        b.say(f"cluster {local!r}: a local Kubernetes distribution on this machine")
    for kind, value in names:
        b.fact(f"kube-{kind}", value)
        found = envwords.env_in(value)
        if found is not None and b.environment is None:
            b.environment = found[0]
            b.say(f"kubeconfig {kind} name {value!r} names {found[0]}")
    for server in servers:  # a local cluster (kind, minikube, 127.0.0.1) if nothing is named
        b.fact("server", server)
        found = envwords.host_env(re.sub(r"^[a-z]+://|[:/].*$", "", server))
        if found is not None and b.environment is None:
            b.environment = found[0]
            b.say(f"cluster server {server}: {found[0]}")
    _client_certificate(b, user.get("user"))
    return b.build()


def _holds(user: Any, secret: str) -> bool:
    """Whether one of the user entry's own scalar fields holds the value. Never serialises
    the entry: YAML aliases can make a small file an enormous structure."""
    if not isinstance(user, dict):
        return False
    return any(isinstance(v, str) and secret in v for v in user.values())


def _client_certificate(b: Builder, user: Any) -> None:
    if not isinstance(user, dict) or "client-certificate-data" not in user:
        return
    pem = b64decode(str(user["client-certificate-data"]))
    der = b64decode(re.sub(r"-----[A-Z ]+-----|\s", "", pem.decode("ascii", "replace"))) \
        if pem else None
    groups = _subject_values(der or b"", b"\x55\x04\x0a")  # organizationName (group)
    common = _subject_values(der or b"", b"\x55\x04\x03")  # commonName (user)
    if common:
        b.fact("certificate-cn", common[0])
    if groups:
        b.fact("certificate-groups", ", ".join(groups))
    if "system:masters" in groups:
        b.tier, b.capabilities = Tier.ADMIN, _CLUSTER_ADMIN_CAPS
        b.say("client certificate in group system:masters: cluster-admin, beyond RBAC")


def _subject_values(der: bytes, oid: bytes) -> list[str]:
    """String values following an attribute OID in a DER certificate (subject and issuer
    alike; good enough to find a group name, never trusted for anything else)."""
    out, at = [], 0
    marker = b"\x06\x03" + oid
    while (at := der.find(marker, at)) >= 0:
        at += len(marker)
        if at + 2 <= len(der) and der[at] in (0x0C, 0x13, 0x16):  # UTF8, Printable, IA5
            length = der[at + 1]
            if length < 0x80:
                out.append(der[at + 2:at + 2 + length].decode("utf-8", "replace"))
    return out


def _yaml(text: str) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return value if isinstance(value, dict) else None


def _items(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


_SA_EMAIL = re.compile(r"@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com")
_DEFAULT_SA = re.compile(r"-compute@developer\.gserviceaccount\.com|@appspot\.gserviceaccount")


def decode_google_credentials(_secret: str, around: Surroundings) -> DecodeResult:
    """A Google credentials file (service-account key, authorized_user ADC): its type, its
    project (project_id, quota_project_id, the project in client_email) and its account."""
    doc = _json(around.document) or _json(around.window) or {}
    kind = str(doc.get("type", ""))
    b = Builder()
    if kind:
        b.fact("credential-type", kind)
    email = str(doc.get("client_email", ""))
    project = str(doc.get("project_id") or doc.get("quota_project_id") or "")
    if not project and (m := _SA_EMAIL.search(email)):
        project = m.group(1)
    if email:
        b.fact("client-email", email)
    if project:
        b.fact("project", project)
    if kind == "service_account":
        b.scope = Scope.PROJECT
        if _DEFAULT_SA.search(email):
            b.say(f"{email}: a default service account, which historically holds project "
                  "Editor")
    elif kind == "authorized_user":
        b.scope = Scope.ACCOUNT
        b.say("authorized_user: the signed-in person's Google account (often project Owner)")
    # A person's credentials reach every project they can: quota_project_id only bills.
    sources = () if kind == "authorized_user" else (("project", project),
                                                     ("client_email", email.split("@")[-1]))
    for source, value in sources:
        found = envwords.env_in(value.split(".")[0]) if value else None
        if found is not None:
            b.environment = found[0]
            b.say(f"{source} {value!r} names {found[0]}")
            break
    if b.environment is None and not kind and not project:
        return unknown("no Google credentials JSON around the value")
    return b.build()


def _json(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text) if text.lstrip().startswith("{") else None
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None

