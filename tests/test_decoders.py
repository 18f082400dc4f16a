"""Every offline decoder: a table of real-shaped values (built at run time) and malformed
ones. Malformed input returns an UNKNOWN-style result and never raises."""

from __future__ import annotations

import string
import time

import pytest

from scanner.classify.decoders import DECODERS, DecodeResult, Surroundings, run_decoder
from scanner.classify.decoders.cloud import AZURITE_KEY, aws_account_id
from scanner.matching.loader import load_rules
from scanner.model import Capability, Environment, Scope, Tier
from tests.helpers import (
    anthropic_key,
    aws_key_id,
    b64url,
    fly_token,
    github_token,
    jwt,
    npm_token,
    openai_key,
    openssh_key,
    pypi_token,
    rand,
    sas_query,
    stripe_key,
    uuid4_like,
)

NOW = int(time.time())
PAST, FUTURE = NOW - 86_400 * 400, NOW + 86_400 * 3650
ALNUM = string.ascii_letters + string.digits


def run(name: str, secret: str, key: str = "", line: str = "", window: str = "") -> DecodeResult:
    return run_decoder(name, secret, Surroundings(key=key, line=line or secret,
                                                  window=window or line or secret))


def _bad_checksum(token: str) -> str:
    last = token[-1]
    return token[:-1] + ("A" if last != "A" else "B")


# (decoder, secret, expected attributes) — attributes are DecodeResult fields.
CASES: list[tuple[str, str, dict[str, object]]] = [
    ("jwt", jwt({"iss": "supabase", "ref": "abcd", "role": "service_role", "exp": FUTURE}),
     {"tier": Tier.ADMIN, "scope": Scope.PROJECT, "expired": False, "valid": True}),
    ("jwt", jwt({"iss": "supabase", "ref": "abcd", "role": "anon", "exp": FUTURE}),
     {"tier": Tier.PUBLIC, "capabilities": ()}),
    ("jwt", jwt({"iss": "supabase-demo", "role": "service_role", "exp": FUTURE}),
     {"tier": Tier.ADMIN, "environment": Environment.LOCAL}),
    ("jwt", jwt({"iss": "https://acme-dev.eu.auth0.com/", "aud": "https://acme-dev.eu.auth0."
                 "com/api/v2/", "scope": "read:users delete:users", "exp": FUTURE}),
     {"tier": Tier.ADMIN, "environment": Environment.LOCAL}),
    ("jwt", jwt({"iss": "https://acme.auth0.com/", "scope": "read:users read:clients",
                 "exp": FUTURE}), {"tier": Tier.READ}),
    ("jwt", jwt({"iss": "kubernetes/serviceaccount",
                 "kubernetes.io/serviceaccount/namespace": "kube-system",
                 "kubernetes.io/serviceaccount/service-account.name": "deployer"}),
     {"tier": Tier.ADMIN, "scope": Scope.RESOURCE}),
    ("jwt", jwt({"iss": "https://k8s.local", "kubernetes.io": {
        "namespace": "prod", "serviceaccount": {"name": "web"}}, "exp": FUTURE}),
     {"tier": None, "environment": Environment.PRODUCTION}),
    ("jwt", jwt({"sub": "u1", "exp": PAST}), {"expired": True}),
    ("jwt", jwt({"sub": "u1"}, header={"alg": "none"}), {"valid": True}),
    ("github-checksum", github_token("ghp_", 3), {"valid": True, "tier": Tier.UNKNOWN}),
    ("github-checksum", github_token("ghs_", 4), {"valid": True, "tier": None}),
    ("github-checksum", _bad_checksum(github_token("ghp_", 5)), {"valid": False}),
    ("npm-checksum", npm_token(6), {"valid": True}),
    ("npm-checksum", _bad_checksum(npm_token(7)), {"valid": False}),
    ("stripe-mode", stripe_key("sk", "live"), {"environment": Environment.PRODUCTION}),
    ("stripe-mode", stripe_key("pk", "test"), {"environment": Environment.TEST}),
    ("stripe-mode", stripe_key("rk", "live"), {"tier": Tier.UNKNOWN}),
    ("env-prefix", "access_token$production$" + rand("abcdef0123456789", 16, 1) + "$"
     + rand("abcdef0123456789", 32, 2), {"environment": Environment.PRODUCTION}),
    ("env-prefix", "access_token$sandbox$" + rand("abcdef0123456789", 16, 3) + "$"
     + rand("abcdef0123456789", 32, 4), {"environment": Environment.TEST}),
    ("env-prefix", "sandbox-sq0csb-" + rand(ALNUM, 43, 5), {"environment": Environment.TEST}),
    ("env-prefix", "access-sandbox-" + uuid4_like(1), {"environment": Environment.TEST}),
    ("env-prefix", "access-development-" + uuid4_like(2), {"environment": Environment.LOCAL}),
    ("env-prefix", "access-production-" + uuid4_like(3),
     {"environment": Environment.PRODUCTION}),
    ("env-prefix", "live_" + rand(ALNUM, 30, 6), {"environment": Environment.PRODUCTION}),
    ("env-prefix", "shippo_test_" + rand("abcdef0123456789", 40, 7),
     {"environment": Environment.TEST}),
    ("pypi-macaroon", pypi_token("pypi.org", [{"version": 1, "permissions": "user"}]),
     {"environment": Environment.PRODUCTION, "scope": Scope.ACCOUNT, "tier": Tier.WRITE}),
    ("pypi-macaroon", pypi_token("test.pypi.org", [{"version": 1, "permissions":
                                                    {"projects": ["demo"]}}]),
     {"environment": Environment.TEST, "scope": Scope.PROJECT}),
    ("pypi-macaroon", pypi_token("pypi.org", [[0, PAST, PAST - 60], [1, ["credscope"]]]),
     {"expired": True, "scope": Scope.PROJECT}),
    ("pypi-macaroon", pypi_token("pypi.org", [[0, FUTURE, NOW], [3, "user-id"]]),
     {"expired": False, "scope": Scope.ACCOUNT}),
    ("fly-macaroon", fly_token([1, "x"]), {"valid": True}),
    ("fly-macaroon", "fo1_" + rand(ALNUM, 43, 8), {"tier": Tier.ADMIN, "scope": Scope.ACCOUNT}),
    ("grafana-cloud-token", "glc_" + b64url(
        b'{"o":"123","n":"stack-prod-read","k":"' + rand(ALNUM, 24, 9).encode()
        + b'","m":{"r":"prod-us-east-0"}}'),
     {"valid": True, "environment": Environment.PRODUCTION, "scope": Scope.ORG}),
    ("sentry-org-token", "sntrys_" + b64url(
        b'{"iat":1700000000,"url":"https://sentry.io","region_url":"https://us.sentry.io",'
        b'"org":"acme"}') + "_" + rand(ALNUM, 43, 10), {"tier": Tier.LIMITED, "valid": True}),
    ("doppler-token", "dp.st.prd." + rand(ALNUM, 40, 11),
     {"tier": Tier.READ, "environment": Environment.PRODUCTION}),
    ("doppler-token", "dp.st.dev." + rand(ALNUM, 40, 12), {"environment": Environment.LOCAL}),
    ("doppler-token", "dp.pt." + rand(ALNUM, 43, 13), {"tier": Tier.ADMIN}),
    ("azure-sas", sas_query("rl"), {"tier": Tier.READ, "scope": Scope.ACCOUNT}),
    ("azure-sas", sas_query("racwu", extra="sr=b"), {"tier": Tier.WRITE,
                                                     "scope": Scope.RESOURCE}),
    ("azure-sas", sas_query("rwdl"), {"tier": Tier.WRITE, "capabilities": (
        Capability.READ_DATA, Capability.WRITE_DATA, Capability.DELETE_DATA)}),
    ("azure-sas", sas_query("rl", se="2001-01-01T00:00:00Z"), {"expired": True}),
    ("azure-sas", sas_query("r", extra="sr=b&skoid=" + uuid4_like(9)), {"tier": Tier.READ}),
    ("azure-connection-string", "DefaultEndpointsProtocol=https;AccountName=prodstore;"
     f"AccountKey={rand(ALNUM, 86, 14)}==;EndpointSuffix=core.windows.net",
     {"tier": Tier.ADMIN, "scope": Scope.ACCOUNT}),
    ("azure-connection-string", "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName"
     f"=RootManageSharedAccessKey;SharedAccessKey={rand(ALNUM, 43, 15)}=",
     {"tier": Tier.ADMIN, "scope": Scope.RESOURCE}),
    ("azure-connection-string", "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
     f"AccountKey={AZURITE_KEY};", {"environment": Environment.LOCAL}),
    ("azure-connection-string", "UseDevelopmentStorage=true", {"environment": Environment.LOCAL}),
    ("aws-key-id", aws_key_id(123456789012), {"valid": True, "scope": Scope.ACCOUNT}),
    ("aws-key-id", aws_key_id(210987654321, prefix="ASIA"), {"tier": Tier.UNKNOWN}),
    ("private-key", openssh_key(), {"inert": None, "valid": True}),
    ("private-key", openssh_key("aes256-ctr", "bcrypt"),
     {"inert": "the key is encrypted with a passphrase"}),
    ("private-key", "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: "
     "AES-128-CBC,00\n\nMIIE\n-----END RSA PRIVATE KEY-----",
     {"inert": "the key is encrypted with a passphrase"}),
    ("private-key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIE\n-----END ENCRYPTED PRIVATE "
     "KEY-----", {"inert": "the key is encrypted with a passphrase"}),
    ("private-key", "-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----",
     {"inert": None, "valid": True}),
    ("private-key", "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: aes256-cbc\n",
     {"inert": "the key is encrypted with a passphrase"}),
    ("private-key", "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n", {"inert": None}),
    ("database-url", "postgres://postgres:" + rand(ALNUM, 20, 16)
     + "@db-prod.c9x.us-east-1.rds.amazonaws.com:5432/app",
     {"tier": Tier.ADMIN, "environment": Environment.PRODUCTION}),
    ("database-url", "mysql://readonly:" + rand(ALNUM, 20, 17) + "@mysql.staging.example.net/x",
     {"tier": Tier.READ, "environment": Environment.STAGING}),
    ("database-url", "postgresql://app:" + rand(ALNUM, 20, 18) + "@roundhouse.proxy.rlwy.net:"
     "41234/railway", {"tier": Tier.WRITE, "environment": None}),
    ("database-url", "postgres://postgres:postgres@localhost:5432/dev",
     {"environment": Environment.LOCAL, "not_a_secret":
      "a local development default (postgres on localhost)"}),
    ("database-url", "postgres://sa:" + rand(ALNUM, 20, 19) + "@host.docker.internal/db",
     {"environment": Environment.LOCAL, "not_a_secret": None, "tier": Tier.ADMIN}),
    ("openai-key", openai_key("admin"), {"tier": Tier.ADMIN, "valid": True, "scope": Scope.ORG}),
    ("openai-key", openai_key("proj"), {"tier": None, "scope": Scope.PROJECT}),
    ("anthropic-key", anthropic_key("admin01"), {"tier": Tier.ADMIN}),
    ("anthropic-key", anthropic_key("api03"), {"tier": Tier.WRITE, "scope": Scope.WORKSPACE}),
    ("slack-token", "xoxb-1234567890-1234567890123-" + rand(ALNUM, 24, 20),
     {"tier": Tier.WRITE, "scope": Scope.WORKSPACE}),
    ("slack-token", "https://hooks.slack.com/services/T0000/B0000/" + rand(ALNUM, 24, 21),
     {"tier": Tier.LIMITED}),
]


@pytest.mark.parametrize(("name", "secret", "expected"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_decoder_table(name: str, secret: str, expected: dict[str, object]) -> None:
    result = run(name, secret)
    for attr, want in expected.items():
        assert getattr(result, attr) == want, (attr, result)
    assert result.evidence, "every decoded fact comes with evidence"


MALFORMED = [
    ("jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx"),  # truncated: two parts
    ("jwt", "eyJ!!!.eyJ???.sig"),  # bad base64
    ("jwt", b64url(b"[1,2]") + "." + b64url(b"not json") + ".x"),
    ("github-checksum", "ghp_short"),
    ("npm-checksum", "npm_" + "x" * 12),
    ("stripe-mode", "sk_prod_abc"),
    ("env-prefix", "nothing-to-see"),
    ("pypi-macaroon", "pypi-" + b64url(b"\x02\x01\xff")),  # truncated field
    ("pypi-macaroon", "pypi-!!!notbase64"),
    ("pypi-macaroon", "pypi-" + b64url(b"\x01garbage macaroon")),
    ("pypi-macaroon", "pypi-" + b64url(bytes(range(256)))),
    ("fly-macaroon", "FlyV1 fm2_" + b64url(b"\xc1\xc1\xc1")),
    ("fly-macaroon", "FlyV1 fm2_" + b64url(b"\x95\x01")),  # truncated array
    ("fly-macaroon", "FlyV1 nothing"),
    ("grafana-cloud-token", "glc_" + "%%%"),
    ("grafana-cloud-token", "glc_" + b64url(b"[]")),
    ("sentry-org-token", "sntrys_" + b64url(b"{bad json") + "_" + "a" * 43),
    ("doppler-token", "dp.zz.abc"),
    ("azure-sas", "sv=2022&sp=rl"),
    ("azure-sas", "sig=abc&se=not-a-date&sp=r"),
    ("azure-connection-string", "just text"),
    ("aws-key-id", "AKIA123"),
    ("private-key", "-----BEGIN OPENSSH PRIVATE KEY-----\n!!!!\n-----END"),
    ("private-key", "no header here"),
    ("database-url", "not a url"),
    ("openai-key", "pk-nope"),
    ("anthropic-key", "sk-ant-zzz99-abc"),  # credscope: allow (deliberate test value)
    ("slack-token", "xyz"),
    ("railway-context", uuid4_like(1)),
]


@pytest.mark.parametrize(("name", "secret"), MALFORMED,
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(MALFORMED)])
def test_malformed_input_is_unknown_not_an_exception(name: str, secret: str) -> None:
    result = run(name, secret)
    if name == "azure-sas" and "sig=" in secret:  # readable query, unreadable date
        assert result.expired is False and result.tier is Tier.READ
        return
    assert result.valid is not False or name in ("github-checksum", "npm-checksum")
    assert result.tier is None and result.environment is None and not result.expired
    assert result.evidence, "an unknown result still says why"


def test_every_decoder_survives_random_bytes() -> None:
    for seed in range(40):
        junk = rand(string.printable, 80, f"junk{seed}")
        for name in DECODERS:
            for value in (junk, f"pypi-{junk}", f"glc_{junk}", f"FlyV1 fm2_{junk}"):
                assert isinstance(run(name, value), DecodeResult)


def test_unknown_decoder_name_and_a_crashing_decoder_give_unknown(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert "no decoder named" in run("no-such-decoder", "x").evidence[0]

    def boom(_s: str, _a: Surroundings) -> DecodeResult:
        raise ZeroDivisionError

    monkeypatch.setitem(DECODERS, "boom", boom)
    assert "ZeroDivisionError" in run("boom", "x").evidence[0]


def test_railway_context_reads_the_name_it_is_sent_under() -> None:
    token = uuid4_like(5)
    account = run("railway-context", token, key="RAILWAY_API_TOKEN")
    project = run("railway-context", token, key="RAILWAY_TOKEN")
    header = run("railway-context", token, key="Project-Access-Token")
    bearer = run("railway-context", token, line=f'-H "Authorization: Bearer {token}"')
    team = run("railway-context", token, key="Team-Access-Token")
    assert (account.tier, account.scope) == (Tier.ADMIN, Scope.ACCOUNT)
    assert Capability.DELETE_BACKUPS in (account.capabilities or ())
    assert (project.tier, project.scope) == (Tier.WRITE, Scope.ENVIRONMENT)
    assert header.tier is Tier.WRITE and bearer.tier is Tier.ADMIN
    assert team.scope is Scope.WORKSPACE
    assert all(token not in e for r in (account, bearer) for e in r.evidence)


def test_aws_account_id_round_trips_and_old_ids_have_none() -> None:
    assert aws_account_id(aws_key_id(123456789012)) == "123456789012"
    assert aws_account_id(aws_key_id(42, seed=3)) == "000000000042"
    assert aws_account_id("AKIAI" + "A" * 15) is None
    secret_key = rand(ALNUM + "/+", 40, 1)
    beside = run("aws-key-id", secret_key, window=f"id={aws_key_id(5550001111)}\nkey={secret_key}")
    assert ("account_id", "005550001111") in beside.details


def test_every_decoder_named_in_rules_exists() -> None:
    named = {(r.id, r.decoder) for r in load_rules() if r.decoder}
    missing = sorted(f"{rid}: {dec}" for rid, dec in named if dec not in DECODERS)
    assert not missing, "rules name decoders that do not exist:\n" + "\n".join(missing)


def test_no_positive_rule_example_is_suppressed_as_placeholder_or_invalid() -> None:
    """The filters apply to every rule: a rule's own positive examples must survive them."""
    from scanner.classify.classifier import DefaultClassifier
    from scanner.filters.placeholder import PlaceholderFilter
    from scanner.filters.validity import ValidityFilter
    from scanner.matching.engine import ReEngine
    from scanner.model import Blob, Finding, Location

    rules = load_rules()
    by_id, engine, classifier = {r.id: r for r in rules}, ReEngine(rules), DefaultClassifier()
    problems = []
    for rule in rules:
        for example in (e for e in rule.examples if e.positive):
            blob = Blob("src/app.txt", example.text.encode())
            for m in (m for m in engine.scan(blob.data) if m.rule_id == rule.id):
                c = classifier.classify(by_id[m.rule_id], m, blob)
                f = Finding(m.rule_id, "", "", Location("x", 1, 1, 1, 1), m.secret, "", "", c)
                for flt in (PlaceholderFilter(), ValidityFilter()):
                    if (s := flt.check(f, blob)) is not None:
                        problems.append(f"{rule.id}: {example.text[:60]!r}: {s.reason}")
    assert not problems, "\n".join(problems)
