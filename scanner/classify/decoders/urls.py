"""Connection URLs (user -> privilege, host -> environment) and Railway's context tells."""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import unquote

from scanner.classify.decoders.base import (
    Builder,
    DecodeResult,
    Surroundings,
    env_from_words,
    unknown,
)
from scanner.model import Capability, Environment, Scope, Tier

_URL = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*)://(?:(?P<user>[^:@/\s\"']*)"
                  r"(?::(?P<password>[^@\s\"']*))?@)(?P<host>[^:/?\s\"',;]+)"
                  r"(?::\d+)?(?:/(?P<database>[A-Za-z0-9_.-]+))?", re.I)
_MSSQL = re.compile(r"(?:server|data source|host)\s*=\s*(?P<host>[^;,\"']+).*?"
                    r"(?:user id|uid|user)\s*=\s*(?P<user>[^;\"']*).*?"
                    r"(?:password|pwd)\s*=\s*(?P<password>[^;\"']*)", re.I | re.S)
_ADMIN_USERS = frozenset({"postgres", "root", "sa", "admin", "administrator", "master",
                          "superuser", "neondb_owner", "default", "rdsadmin", "mongoadmin"})
_READ_USERS = re.compile(r"^(read[-_]?only|ro|reader|report(ing)?|analytics|readonly_.*|.*_ro)$")
_WRITE_USERS = re.compile(r"^(app|web|api|service|backend|worker)([-_].*)?$")
_LOCAL_HOSTS = re.compile(r"^(localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|::1|\[::1\]|"
                          r"host\.docker\.internal|db|database|postgres(ql)?|mysql|mariadb|"
                          r"mongo(db)?|redis|rabbitmq|amqp|mssql|sqlserver)$", re.I)
HOSTED = (
    ("proxy.rlwy.net", "Railway (public proxy)"), ("railway.internal", "Railway (private)"),
    ("rds.amazonaws.com", "AWS RDS"), ("supabase.co", "Supabase"), ("supabase.com", "Supabase"),
    ("neon.tech", "Neon"), ("psdb.cloud", "PlanetScale"), ("mongodb.net", "MongoDB Atlas"),
    ("database.azure.com", "Azure Database"), ("database.windows.net", "Azure SQL"),
    ("redis.cache.windows.net", "Azure Cache for Redis"), ("upstash.io", "Upstash"),
    ("render.com", "Render"), ("aivencloud.com", "Aiven"), ("elephantsql.com", "ElephantSQL"),
)
_DEV_PASSWORDS = frozenset({"", "postgres", "password", "pass", "secret", "changeme", "root",
                            "admin", "example", "test", "dev", "mysecretpassword", "guest"})


def _parse(secret: str, around: Surroundings) -> dict[str, str] | None:
    for text in (secret, around.line):
        for rx in (_URL, _MSSQL):
            for m in rx.finditer(text):
                if text is secret or secret in m.group(0) or secret == m.group("password"):
                    return {k: unquote(v or "") for k, v in m.groupdict(default="").items()}
    return None


def decode_database_url(secret: str, around: Surroundings) -> DecodeResult:
    parts = _parse(secret, around)
    if parts is None:
        return unknown("no connection URL with user and host around the value")
    return describe_database(parts["user"], parts["host"], parts["password"], around.line,
                             parts.get("database", ""))


def describe_database(user: str, host: str, password: str, line: str,
                      database: str = "") -> DecodeResult:
    """What a database login says about itself: the user (superuser, read-only, app), the host
    (local, a hosted provider, an environment named in it), the database's name."""
    host = host.lower()
    b = Builder(scope=Scope.RESOURCE)
    b.fact("user", user or "(none)")
    b.fact("host", host)
    if database:
        b.fact("database", database)
    _privilege(b, user, line)
    local = bool(_LOCAL_HOSTS.match(host))
    if local:
        b.environment = Environment.LOCAL
        b.say(f"host {host}: a local or compose-network database")
        if password in _DEV_PASSWORDS or password == user:
            b.not_a_secret = f"a local development default ({user or 'no user'} on {host})"
        return b.build()
    provider = next((name for suffix, name in HOSTED if host.endswith(suffix)), None)
    if provider:
        b.fact("hosting", provider)
        b.say(f"host {host}: hosted on {provider}")
    b.environment = env_from_words(host.split(".")[0] if provider else host)
    if b.environment is not None:
        b.say(f"host {host} names the {b.environment} environment")
    elif database and (named := env_from_words(database)) is not None:
        b.environment = named
        b.say(f"database {database} names the {named} environment")
    return b.build()


def _privilege(b: Builder, user: str, line: str) -> None:
    name = user.lower()
    if name in _ADMIN_USERS or (not name and "redis" in line.lower()) or "authsource=admin" in \
            line.lower():
        b.tier = Tier.ADMIN
        b.capabilities = (Capability.READ_DATA, Capability.WRITE_DATA, Capability.DELETE_DATA)
        b.say(f"user {user or '(password only)'}: a superuser or owner, can drop every table")
    elif _READ_USERS.match(name):
        b.tier, b.capabilities = Tier.READ, (Capability.READ_DATA,)
        b.say(f"user {user}: named read-only (a convention, not proof)")
    elif _WRITE_USERS.match(name):
        b.tier = Tier.WRITE
        b.capabilities = (Capability.READ_DATA, Capability.WRITE_DATA)
        b.say(f"user {user}: an application user, reads and writes data")


_RAILWAY_ACCOUNT = re.compile(r"RAILWAY_API_TOKEN|Authorization[\"']?\s*[:=]\s*[\"']?Bearer", re.I)
_RAILWAY_TEAM = re.compile(r"Team-Access-Token|RAILWAY_TEAM_TOKEN|WORKSPACE", re.I)
_RAILWAY_PROJECT = re.compile(r"RAILWAY_TOKEN|Project-Access-Token", re.I)
_ACCOUNT_CAPS = (Capability.DELETE_DATA, Capability.DELETE_BACKUPS, Capability.DEPLOY,
                 Capability.MANAGE_CREDENTIALS, Capability.READ_DATA, Capability.WRITE_DATA)


def decode_railway_context(_secret: str, around: Surroundings) -> DecodeResult:
    """Railway tokens are bare UUIDs: only the name they are sent under tells the kind."""
    for text, where in ((around.key, "its name"), (around.line, "its line")):
        for rx, result in _RAILWAY_KINDS:
            m = rx.search(text) if text else None
            if m is not None:  # quote the marker only: the line also holds the secret
                return replace(result, evidence=(
                    f"{where} ({m.group(0)}) marks a {result.evidence[0]}",))
    return unknown("no RAILWAY_API_TOKEN / RAILWAY_TOKEN / access-token header near the value")


_RAILWAY_KINDS: tuple[tuple[re.Pattern[str], DecodeResult], ...] = (
    (_RAILWAY_TEAM, DecodeResult(
        tier=Tier.ADMIN, scope=Scope.WORKSPACE, capabilities=_ACCOUNT_CAPS,
        details=(("kind", "workspace token"),),
        evidence=("workspace token: every project, volume and backup in the workspace",))),
    (_RAILWAY_ACCOUNT, DecodeResult(
        tier=Tier.ADMIN, scope=Scope.ACCOUNT, capabilities=_ACCOUNT_CAPS,
        details=(("kind", "account token"),),
        evidence=("account token: every project, volume and backup of the account",))),
    (_RAILWAY_PROJECT, DecodeResult(
        tier=Tier.WRITE, scope=Scope.ENVIRONMENT,
        capabilities=(Capability.DEPLOY, Capability.READ_DATA, Capability.WRITE_DATA),
        details=(("kind", "project token"),),
        evidence=("project token: one environment of one project",))),
)
