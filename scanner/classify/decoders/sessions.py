"""What CLI credential files say about the credentials in them: a session's expiry written
beside its token (SSO caches, Wrangler, OAuth token files), and the user, host and database of
a database client's password file line or option-file section (.pgpass, .my.cnf)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from scanner.classify.decoders.base import Builder, DecodeResult, Surroundings, unknown
from scanner.classify.decoders.urls import describe_database

_REFRESH = re.compile(r"refresh", re.I)
# "expiresAt": "2024-01-01T00:00:00Z" / expiration_time = "..." / "expires_at": 1700000000000
_EXPIRY = re.compile(
    r"[\"']?(?P<key>expiresAt|expires_at|expiration_time|expiry_date|expiry|expires_on|"
    r"Expiration|expiration)[\"']?\s*[:=]\s*[\"']?(?P<value>[0-9T:.+\-Z ]{10,40})", re.I)


def decode_session_expiry(_secret: str, around: Surroundings) -> DecodeResult:
    """A refresh token outlives any expiry beside it; an access token is expired when the
    expiry written next to it has passed (the file may be weeks old)."""
    if _REFRESH.search(around.key):
        return DecodeResult(details=(("kind", "refresh token"),), evidence=(
            f"{around.key}: a refresh token, which mints new access tokens until revoked",))
    m = _EXPIRY.search(around.window)
    if m is None:
        return unknown("no expiry written beside the token")
    when = _when(m.group("value").strip())
    if when is None:
        return unknown(f"unreadable expiry {m.group('key')}")
    b = Builder()
    b.fact("expires", when.strftime("%Y-%m-%dT%H:%M:%SZ"))
    if when < datetime.now(timezone.utc):
        b.expired = True
        b.say(f"{m.group('key')} {when:%Y-%m-%d %H:%M} UTC has passed: the session expired")
    else:
        b.say(f"{m.group('key')}: valid until {when:%Y-%m-%d %H:%M} UTC")
    return b.build()


def _when(text: str) -> datetime | None:
    if text.isdigit():
        number = int(text)
        seconds = number / 1000 if number > 10**11 else number  # milliseconds or seconds
        try:
            return datetime.fromtimestamp(seconds, timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


_PGPASS = re.compile(r"^\s*(?P<host>[^:\s]+):(?P<port>[^:\s]+):(?P<db>[^:\s]+):(?P<user>[^:\s]+):")
_OPTION = re.compile(r"(?m)^[ \t]*(?P<key>user|host|dbname|database)[ \t]*=[ \t]*[\"']?"
                     r"(?P<value>[^\s\"'#;]+)")


def decode_db_client(secret: str, around: Surroundings) -> DecodeResult:
    """.pgpass: host:port:database:user:password on one line. Option files (.my.cnf,
    .pg_service.conf): user, host and dbname in the same section."""
    line = around.line
    m = _PGPASS.match(line)
    if m is not None and line.rstrip().endswith(secret):
        host = "localhost" if m.group("host") == "*" else m.group("host")
        db = "" if m.group("db") == "*" else m.group("db")
        return describe_database(m.group("user"), host, secret, line, db)
    section = _section(around.window, line)
    fields = {m.group("key").lower(): m.group("value") for m in _OPTION.finditer(section)}
    if not fields:
        return unknown("no user, host or database beside the password")
    return describe_database(fields.get("user", ""), fields.get("host", ""), secret,
                             line, fields.get("dbname") or fields.get("database", ""))


def _section(window: str, line: str) -> str:
    """The lines of the window in the same [section] as the password's line."""
    at = window.find(line)
    start = window.rfind("\n[", 0, max(at, 0))
    start = 0 if start < 0 else start + 1
    end = window.find("\n[", at + len(line)) if at >= 0 else -1
    return window[start:end if end >= 0 else len(window)]
