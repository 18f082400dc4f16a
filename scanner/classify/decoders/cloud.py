"""Cloud credentials readable offline: AWS key IDs (kind and account bits), Azure SAS query
fields and Azure connection strings (incl. the public Azurite development key)."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime, timezone
from urllib.parse import parse_qs

from scanner.classify.decoders.base import Builder, DecodeResult, Surroundings, unknown
from scanner.model import Capability, Environment, Scope, Tier

# Published in Microsoft's Azurite documentation for every developer machine: not a secret.
AZURITE_ACCOUNT = "devstoreaccount1"
# credscope: allow: the next line holds a deliberate fake or public value
AZURITE_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
               "KBHBeksoGMGw==")
_AWS_KINDS = {
    "AKIA": "long-term access key of an IAM user or the root user",
    "ASIA": "temporary STS key (hours; needs a session token)",
    "ABIA": "STS service bearer token",
    "ACCA": "context-specific credential",
}
_AWS_ID = re.compile(r"^(AKIA|ASIA|ABIA|ACCA)([A-Z2-7]{16})$")


def aws_account_id(key_id: str) -> str | None:
    """Account id encoded in a key id issued since 2019 (base32, bits 1..40 shifted by 7)."""
    m = _AWS_ID.match(key_id)
    if m is None or m.group(2)[0] in "IJ":  # AKIAI/AKIAJ ids predate the encoding
        return None
    try:
        raw = base64.b32decode(m.group(2))
    except (binascii.Error, ValueError):
        return None
    value = int.from_bytes(raw[:6], "big")
    return str((value & 0x7FFFFFFFFF80) >> 7).zfill(12)


def decode_aws_key_id(secret: str, around: Surroundings) -> DecodeResult:
    """A key id, or a secret access key read with the key id found beside it."""
    key_id = secret.strip()
    if _AWS_ID.match(key_id) is None:
        near = re.search(r"\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b", around.window)
        key_id = near.group(1) if near else ""
    m = _AWS_ID.match(key_id)
    if m is None:
        return unknown("not an AKIA/ASIA/ABIA/ACCA key id, and none nearby")
    b = Builder(valid=True, scope=Scope.ACCOUNT)
    b.fact("kind", _AWS_KINDS[m.group(1)])
    b.say(f"{m.group(1)}: {_AWS_KINDS[m.group(1)]}; its IAM policy is not visible offline")
    account = aws_account_id(key_id)
    if account is not None:
        b.fact("account_id", account)
        b.say(f"the key id encodes AWS account {account}")
    if m.group(1) == "ASIA":
        b.tier = Tier.UNKNOWN
        b.say("temporary credential: one found in history has almost certainly expired")
    return b.build()


_READ = frozenset("rl")
_DESTRUCTIVE = frozenset("dxyop")


def _sas_query(secret: str, around: Surroundings) -> dict[str, str] | None:
    for text in (secret, around.line):
        m = re.search(r"(?:^|[?&;\s\"'])((?:[a-z]{2,6}=[^&\s\"']*&)*sig=[^&\s\"']*"
                      r"(?:&[a-z]{2,6}=[^&\s\"']*)*)", text)
        if m and (text is secret or secret in m.group(1)):
            parsed = parse_qs(m.group(1), keep_blank_values=True)
            return {k: v[0] for k, v in parsed.items()}
    return None


def _sas_expiry(b: Builder, se: str) -> None:
    b.fact("expires", se)
    try:
        when = datetime.fromisoformat(se.replace("Z", "+00:00"))
    except ValueError:
        return
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    if when < datetime.now(timezone.utc):
        b.expired = True
        b.say(f"expired at {se} (se field)")


def decode_azure_sas(secret: str, around: Surroundings) -> DecodeResult:
    q = _sas_query(secret, around)
    if q is None or "sig" not in q:
        return unknown("no SAS query string (sig=...) around the value")
    b = Builder(valid=True)
    if "ss" in q or "srt" in q:
        b.scope = Scope.ACCOUNT
        b.fact("kind", "account SAS")
    else:
        b.scope = Scope.RESOURCE
        b.fact("kind", "service SAS" + (f" (sr={q['sr']})" if "sr" in q else ""))
    if "skoid" in q:
        b.fact("delegation", f"user delegation (object id {q['skoid']}, at most 7 days)")
    if "se" in q:
        _sas_expiry(b, q["se"])
    if "si" in q and "sp" not in q:
        b.tier = Tier.UNKNOWN
        b.say(f"stored access policy {q['si']}: permissions and expiry live on the server")
        return b.build()
    _sas_permissions(b, q.get("sp", ""))
    return b.build()


def _sas_permissions(b: Builder, sp: str) -> None:
    b.fact("permissions", sp or "(none)")
    letters = set(sp)
    if letters & _DESTRUCTIVE:
        b.tier = Tier.WRITE
        b.capabilities = (Capability.READ_DATA, Capability.WRITE_DATA, Capability.DELETE_DATA)
        b.say(f"sp={sp}: can delete or change ownership/permissions (destructive)")
    elif letters - _READ:
        b.tier = Tier.WRITE
        b.capabilities = (Capability.READ_DATA, Capability.WRITE_DATA)
        b.say(f"sp={sp}: can add, create, write or update")
    elif letters:
        b.tier, b.capabilities = Tier.READ, (Capability.READ_DATA,)
        b.say(f"sp={sp}: read and list only")


def _pairs(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in text.split(";"):
        key, sep, value = part.strip().strip("\"'").partition("=")
        if sep:
            out[key.strip().lower()] = value.strip().strip("\"'")
    return out


def decode_azure_connection_string(secret: str, around: Surroundings) -> DecodeResult:
    fields = _pairs(secret) if "=" in secret else _pairs(around.line)
    if secret.strip() == AZURITE_KEY or fields.get("accountkey") == AZURITE_KEY \
            or fields.get("accountname") == AZURITE_ACCOUNT \
            or fields.get("usedevelopmentstorage", "").lower() == "true":
        return DecodeResult(environment=Environment.LOCAL,
                            not_a_secret="the public Azurite development storage key",
                            evidence=("Azurite / devstoreaccount1: the documented local "
                                      "emulator key, not a secret",))
    if "accountkey" in fields:
        return _storage_account(fields)
    if "sharedaccesskeyname" in fields:
        return _service_bus(fields)
    return unknown("no AccountKey or SharedAccessKeyName in the connection string")


def _storage_account(fields: dict[str, str]) -> DecodeResult:
    b = Builder(valid=True, tier=Tier.ADMIN, scope=Scope.ACCOUNT)
    b.capabilities = (Capability.READ_DATA, Capability.WRITE_DATA, Capability.DELETE_DATA,
                      Capability.MANAGE_CREDENTIALS)
    name = fields.get("accountname", "?")
    b.fact("storage-account", name)
    b.say(f"AccountKey: ADMIN over storage account {name} (every container, can mint SAS)")
    suffix = fields.get("endpointsuffix", "")
    if suffix:
        b.fact("endpoint-suffix", suffix)
    return b.build()


def _service_bus(fields: dict[str, str]) -> DecodeResult:
    rule = fields["sharedaccesskeyname"]
    b = Builder(valid=True, scope=Scope.RESOURCE)
    b.fact("policy", rule)
    endpoint = fields.get("endpoint", "")
    if endpoint:
        b.fact("namespace", endpoint.split("//")[-1].split(".")[0])
    if rule == "RootManageSharedAccessKey":
        b.tier = Tier.ADMIN
        b.capabilities = (Capability.MANAGE_CREDENTIALS, Capability.SEND, Capability.READ_DATA)
        b.say("RootManageSharedAccessKey: Manage, Send and Listen on the whole namespace")
    else:
        b.say(f"shared access policy {rule}: rights set on the server")
    return b.build()
