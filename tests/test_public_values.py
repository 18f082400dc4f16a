"""The public-values list: every entry is recognised (a value built here at run time, since
the list stores only hashes and encoded signing secrets), suppressed with its reason and
source, and a look-alike that is not on the list stays a finding."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.errors import RuleError
from scanner.filters import public_values as pv
from scanner.model import SuppressionKind
from scanner.pipeline import build_stages, scan
from scanner.sources.worktree import WorktreeSource
from tests.helpers import rand, uuid4_like

ENTRIES = {e.id: e for e in pv.builtin()}


def _join(*parts: str) -> str:
    """Public values, assembled at run time so this file holds none of them whole."""
    return "".join(parts)


# Each sha256 entry's values, in the form a scan meets them.
EXACT: dict[str, list[str]] = {
    "supabase.cli-local-publishable-key": [_join("sb_publishable_", "ACJWlzQHlZjBrEgu",
                                                 "HvfOxg_3BJgxAaH")],
    "supabase.cli-local-secret-key": [_join("sb_secret_", "N7UND0UgjKTVK-Uo", "dkm0Hg_xSvEMPvz")],
    "gcloud.oauth-client-secret": [_join("ZmssLNjJy299", "8hD4CTg2ejr2")],
    "gcloud.adc-oauth-client-secret": [_join("d-FL95Q19q7M", "QmFpd7hHD0Ty")],
    "github-cli.oauth-client-secret": [_join("34ddeff2b558a23d", "38fba8a6de74f086ede1cc0b")],
    "firebase-cli.oauth-client-secret": [_join("j9iVZfS8kkCE", "FUPaAeJV0sAi")],
    "gemini-cli.oauth-client-secret": [_join("GOCSPX-", "4uHgMPm-1o7Sk-", "geV6Cu5clXFsxl")],
    "azure-cli.client-id": [_join("04b07795-8ddb-", "461a-bbee-02f9e1bf7b46")],
    "azure.cosmos-emulator-key": [_join("C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9n",
                                        "DuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==")],
    "stripe.docs-sample-test-key": [_join("sk_test_", "BQokikJOvBiI2HlWgH4olfQ2"),
                                    _join("sk_test_", "4eC39HqLyjWDarjtT1zdp7dc"),
                                    _join("pk_test_", "TYooMQauvdEDq54NiTphI7jx")],
    "hardhat.default-accounts": [
        _join("0xac0974bec39a17e36ba4a6b4d238ff94", "4bacb478cbed5efcae784d7bf4f2ff80"),
        _join("59c6995e998f97a5a0044966f0945389", "dc9e86dae88c7a8412f4603b6b78690d"),
        _join("0x5de4111afa1a4b94908f83103eb1f170", "6367c2e68ca870fc3fb9a804cdab365a")],
}


def hs256(payload: dict[str, object], secret: bytes, alg: str = "HS256") -> str:
    def enc(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()
                                        ).decode().rstrip("=")

    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    head = f"{enc({'alg': alg, 'typ': 'JWT'})}.{enc(payload)}"
    sig = hmac.new(secret, head.encode(), digest).digest()
    return f"{head}.{base64.urlsafe_b64encode(sig).decode().rstrip('=')}"


def test_every_entry_has_a_test_here() -> None:
    tested = set(EXACT) | {i for i, e in ENTRIES.items() if e.match != "sha256"}
    assert tested == set(ENTRIES), "add values for new public-values entries to this test"
    for entry in ENTRIES.values():
        assert entry.source.startswith("https://") and entry.why and entry.title


@pytest.mark.parametrize("entry_id", sorted(EXACT))
def test_exact_values_are_recognised(entry_id: str) -> None:
    for value in EXACT[entry_id]:
        found = pv.public_value(value)
        assert found is not None and found.id == entry_id, value[:8]
        # inside a longer match (a connection string, an assignment the rule captured whole)
        assert pv.public_value(f"AccountEndpoint=https://localhost:8081/;AccountKey={value};"
                               ) is not None
    near = EXACT[entry_id][0][:-2] + ("AA" if not EXACT[entry_id][0].endswith("AA") else "BB")
    assert pv.public_value(near) is None


def test_0x_is_cut_only_where_the_entry_says_so() -> None:
    entry = ENTRIES["github-cli.oauth-client-secret"]
    value = EXACT["github-cli.oauth-client-secret"][0]
    assert pv.public_value("0x" + value, entries=(entry,)) is None
    assert pv.public_value(value, entries=(entry,)) is entry


@pytest.mark.parametrize("entry_id", sorted(i for i, e in ENTRIES.items()
                                            if e.match == "jwt-hmac"))
@pytest.mark.parametrize("alg", ["HS256", "HS512"])
def test_jwt_families_are_verified_by_their_signature(entry_id: str, alg: str) -> None:
    secret = ENTRIES[entry_id].signing_secret
    for claims in ({"iss": "supabase-demo", "role": "service_role", "exp": 1983812996},
                   {"sub": "1234567890", "name": "John Doe", "iat": 1516239022},
                   {"sub": "anything", "role": "admin"}):
        assert pv.public_value(hs256(claims, secret, alg)).id == entry_id  # type: ignore[union-attr]
        # the same claims signed with any other secret are a real token
        other = hs256(claims, secret + b"-not-the-demo-secret", alg)
        assert pv.public_value(other) is None


def test_unsigned_or_asymmetric_tokens_are_never_public() -> None:
    secret = ENTRIES["jwt.io.example"].signing_secret
    token = hs256({"sub": "1"}, secret)
    head = base64.urlsafe_b64encode(b'{"alg":"RS256"}').decode().rstrip("=")
    assert pv.public_value(head + token[token.index("."):]) is None
    head = base64.urlsafe_b64encode(b'{"alg":"none"}').decode().rstrip("=")
    assert pv.public_value(head + token[token.index("."):]) is None


@pytest.mark.parametrize(("name", "value", "public"), [
    ("request_id", uuid4_like("r1"), True),
    ("X-Request-Id", uuid4_like("r2"), True),
    ("x-amzn-RequestId", uuid4_like("r3"), True),
    ("RequestId", uuid4_like("r4"), True),
    ("traceparent", "00-" + rand("0123456789abcdef", 32, "t") + "-" + rand("0123456789abcdef",
                                                                           16, "s") + "-01",
     True),
    ("correlationId", rand("0123456789abcdef", 32, "c"), True),
    ("api_key", uuid4_like("k1"), False),
    ("RAILWAY_TOKEN", uuid4_like("k2"), False),
    ("request_id", "ghp_" + rand("abcdefghijklmnopqrstuvwxyz0123456789", 36, "g"), False),
])
def test_request_ids(name: str, value: str, public: bool) -> None:
    found = pv.public_value(value, assigned_to=name)
    assert (found is not None and found.id == "request-id.uuid") is public


@pytest.mark.parametrize(("name", "public"), [
    ("home_account_id", True), ("realm", True), ("tenantId", True), ("client_id", False),
    ("project", True), ("environment", True), ("subscriptionId", True), ("id", True),
    ("token", False), ("RAILWAY_TOKEN", False), ("api_key", False), ("secret", False),
    ("HEROKU_API_KEY", False), ("password", False),
])
def test_resource_ids(name: str, public: bool) -> None:
    found = pv.public_value(uuid4_like(name), assigned_to=name, place="cli-credentials")
    assert (found is not None and found.id == "resource-id.uuid") is public
    # in the repository a UUID under these names is the generic detectors' call
    assert pv.public_value(uuid4_like(name), assigned_to=name) is None
    assert pv.public_value("ghp_" + rand("abcdef0123456789", 36, name), assigned_to=name) \
        is None


def test_client_ids_only_in_cli_credential_stores() -> None:
    value = uuid4_like("client")
    assert pv.public_value(value, "client_id") is None  # a repository file: reported
    found = pv.public_value(value, "client_id", place="cli-credentials")
    assert found is not None and found.id == "cli-store.client-id"


def test_a_scan_suppresses_them_with_reason_and_source(tmp_path: Path) -> None:
    demo = ENTRIES["supabase.cli-local-jwt"].signing_secret
    service = hs256({"iss": "supabase-demo", "role": "service_role", "exp": 1983812996}, demo)
    real = hs256({"iss": "supabase", "ref": "abcdefghijklmnopqrst", "role": "service_role",
                  "exp": 1983812996}, rand("abcdefXYZ0123456789", 40, "real").encode())
    (tmp_path / "app.env").write_text(
        f"SUPABASE_URL=http://127.0.0.1:54321\nSUPABASE_SERVICE_ROLE_KEY={service}\n"
        f"PROD_SUPABASE_SERVICE_ROLE_KEY={real}\n"
        f"GH_OAUTH_CLIENT_SECRET={EXACT['github-cli.oauth-client-secret'][0]}\n")
    (tmp_path / "handler.log").write_text(f"START RequestId: {uuid4_like('lambda')} "
                                          "Version: $LATEST\n")
    config = Config(root=tmp_path)
    result = scan(config, WorktreeSource(config), build_stages(config))
    public = [f for f in result.suppressed if f.suppression is not None
              and f.suppression.kind is SuppressionKind.PUBLIC_VALUE]
    assert {f.secret for f in public} >= {service, EXACT["github-cli.oauth-client-secret"][0]}
    assert all("source: https://" in f.suppression.reason for f in public  # type: ignore[union-attr]
               )
    assert [f.secret for f in result.findings] == [real]


def test_the_list_itself_is_no_leak(tmp_path: Path) -> None:
    """Scanned like any file, with no allowlist: values are hashed, secrets encoded."""
    text = (Path(pv.__file__).resolve().parents[2] / "rules" / pv.CATALOGUE).read_text()
    (tmp_path / "public-values.toml").write_text(text)
    config = Config(root=tmp_path)
    result = scan(config, WorktreeSource(config), build_stages(config))
    assert result.findings == ()


@pytest.mark.parametrize(("text", "message"), [
    ("[[public]]\nid = 'x'\n", "missing or empty `title`"),
    ("[[public]]\nid='x'\ntitle='t'\nmatch='regex'\nwhy='w'\nsource='s'\n", "`match` must be"),
    ("[[public]]\nid='x'\ntitle='t'\nmatch='jwt-hmac'\nwhy='w'\nsource='s'\n"
     "signed_with_b64='***'\n", "bad jwt-hmac entry"),
    ("public = 3\n", "expected [[public]] tables"),
])
def test_a_broken_list_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(RuleError, match=message.replace("[", r"\[").replace("]", r"\]")):
        pv.load(path)
