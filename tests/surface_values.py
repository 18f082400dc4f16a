"""Fake values for the {placeholders} of the agent-surface catalogue's examples, built at
run time in each credential's own format (valid checksums where the format has one)."""

from __future__ import annotations

import base64
import json
import re
import string

from tests.helpers import (
    anthropic_key,
    aws_key_id,
    github_token,
    jwt,
    npm_token,
    openai_key,
    pypi_token,
    rand,
    stripe_key,
    uuid4_like,
)

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
B64URL = ALNUM + "-_"
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")


def _pem(seed: str) -> str:
    body = base64.b64encode(rand(ALNUM, 600, f"pem{seed}").encode()).decode()
    lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN RSA PRIVATE KEY-----\n{lines}\n-----END RSA PRIVATE KEY-----"


def _openssh(seed: str) -> str:
    """An unencrypted OpenSSH key laid out as ssh-keygen writes one (cipher and kdf none, no
    kdf options, one key), with random key material."""
    def sshstr(b: bytes) -> bytes:
        return len(b).to_bytes(4, "big") + b

    pub = sshstr(b"ssh-ed25519") + sshstr(rand(ALNUM, 32, f"pub{seed}").encode())
    body = (b"openssh-key-v1\0" + sshstr(b"none") + sshstr(b"none") + sshstr(b"")
            + (1).to_bytes(4, "big") + sshstr(pub) + sshstr(rand(ALNUM, 140, seed).encode()))
    text = base64.b64encode(body).decode()
    lines = "\n".join(text[i:i + 70] for i in range(0, len(text), 70))
    return f"-----BEGIN OPENSSH PRIVATE KEY-----\n{lines}\n-----END OPENSSH PRIVATE KEY-----"


def _msal_access(seed: str) -> str:
    claims = {"aud": "https://management.core.windows.net/",
              "iss": "https://sts.windows.net/" + uuid4_like(seed) + "/",
              "appid": "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "scp": "user_impersonation",
              "exp": 4102444800, "wids": [uuid4_like(f"w{i}{seed}") for i in range(40)],
              "xms_tcdt": rand(ALNUM, 900, seed)}
    return jwt(claims, {"typ": "JWT", "alg": "RS256", "kid": rand(ALNUM, 27, seed)})


def _public(*parts: str) -> str:
    return "".join(parts)  # published values, assembled so this file holds none whole


GENERATORS = {
    "uuid": lambda s: uuid4_like(s),
    "password": lambda s: rand(ALNUM, 22, f"pw{s}"),
    "ghp": lambda s: github_token("ghp_", s),
    "gho": lambda s: github_token("gho_", s),
    "github_pat": lambda s: "github_pat_" + rand(ALNUM, 22, s) + "_" + rand(ALNUM, 59, s),
    "openai": lambda s: openai_key("proj", s),
    "anthropic": lambda s: anthropic_key("api03", s),
    "anthropic_oat": lambda s: "sk-ant-oat01-" + rand(B64URL, 95, s) + "AA",
    "anthropic_ort": lambda s: "sk-ant-ort01-" + rand(B64URL, 95, s) + "AA",
    "sk_live": lambda s: stripe_key("sk", "live", s),
    "sk_test": lambda s: stripe_key("sk", "test", s),
    "rk_live": lambda s: stripe_key("rk", "live", s),
    "hex24": lambda s: rand(HEX, 24, s),
    "hex32": lambda s: rand(HEX, 32, s),
    "hex40": lambda s: rand(HEX, 40, s),
    "alnum24": lambda s: rand(ALNUM, 24, s),
    "alnum32": lambda s: rand(ALNUM, 32, s),
    "alnum40": lambda s: rand(ALNUM, 40, s),
    "alnum64": lambda s: rand(ALNUM, 64, s),
    "hf": lambda s: "hf_" + rand(string.ascii_letters, 34, s),
    "google_refresh": lambda s: "1//0" + rand(B64URL, 99, s),
    "ya29": lambda s: "ya29." + rand(B64URL, 160, s),
    "google_api_key": lambda s: "AIza" + rand(B64URL, 35, s),
    "glpat": lambda s: "glpat-" + rand(ALNUM, 20, s),
    "docker_auth": lambda s: base64.b64encode(f"ci:{rand(ALNUM, 24, s)}".encode()).decode(),
    "aws_key_id": lambda s: aws_key_id(123456789012, seed=s),
    "asia_key_id": lambda s: aws_key_id(123456789012, prefix="ASIA", seed=s),
    "aws_secret": lambda s: rand(ALNUM + "/+", 40, s),
    "aws_session": lambda s: "IQoJb3JpZ2luX2Vj" + rand(ALNUM + "/+", 300, s),
    "aws_sso_token": lambda s: "aoa" + rand(ALNUM, 30, s) + ":" + rand(ALNUM + "+/", 400, s),
    "aws_sso_refresh": lambda s: "aor" + rand(ALNUM, 30, s) + ":" + rand(ALNUM + "+/", 400, s),
    "sntryu": lambda s: "sntryu_" + rand(HEX, 64, s),
    "pypi": lambda s: pypi_token(seed=s),
    "npm": lambda s: npm_token(s),
    "dop": lambda s: "dop_v1_" + rand(HEX, 64, s),
    "cf_oauth": lambda s: rand(B64URL, 43, s) + "." + rand(B64URL, 43, s + "b"),
    "cf_oauth_refresh": lambda s: rand(B64URL, 43, s + "r") + "." + rand(B64URL, 43, s + "s"),
    "sbp": lambda s: "sbp_" + rand(HEX, 40, s),
    "postgres_url": lambda s: (f"postgresql://postgres:{rand(ALNUM, 20, s)}"
                               "@db.prod.acme-corp.io:5432/app"),
    "ngrok": lambda s: rand(ALNUM, 27, s) + "_" + rand(ALNUM, 21, s),
    "nfp": lambda s: "nfp_" + rand(ALNUM, 36, s),
    "netlify_cli": lambda s: rand(B64URL, 43, s),
    "msal_refresh": lambda s: "1.AXoA" + rand(B64URL + ".", 1100, s),
    "msal_access": _msal_access,
    "atlasv1": lambda s: rand(ALNUM, 14, s) + ".atlasv1." + rand(B64URL, 67, s),
    "slack_bot": lambda s: f"xoxb-{rand('0123456789', 12, s)}-{rand('0123456789', 13, s)}-"
                           + rand(ALNUM, 24, s),
    "sendgrid": lambda s: "SG." + rand(B64URL, 22, s) + "." + rand(B64URL, 43, s),
    "rubygems": lambda s: "rubygems_" + rand(HEX, 48, s),
    "railway_cli": lambda s: "rw_" + rand(B64URL, 60, s),
    "pul": lambda s: "pul-" + rand(HEX, 40, s),
    "pem_key": _pem,
    "openssh_key": _openssh,
    "notion": lambda s: "ntn_" + rand("0123456789", 11, s) + rand(ALNUM, 35, s),
    "linear": lambda s: "lin_api_" + rand(ALNUM, 40, s),
    "hvs": lambda s: "hvs." + rand(B64URL, 90, s),
    "fo1": lambda s: "fo1_" + rand(B64URL, 43, s),
    "entra_secret": lambda s: rand(ALNUM, 3, s) + "8Q~" + rand(ALNUM + "_~.-", 34, s),
    "doppler_ct": lambda s: "dp.ct." + rand(ALNUM, 43, s),
    "dapi": lambda s: "dapi" + rand(HEX, 32, s),
    "crates": lambda s: "cio" + rand(ALNUM, 32, s),
    "ccipat": lambda s: "CCIPAT_" + rand(ALNUM, 22, s) + "_" + rand(HEX, 40, s),
    # published public values (suppressed as such by the scan)
    "gcloud_client_secret": lambda s: _public("ZmssLNjJy299", "8hD4CTg2ejr2"),
    "gcloud_adc_client_secret": lambda s: _public("d-FL95Q19q7M", "QmFpd7hHD0Ty"),
}
PUBLIC_PLACEHOLDERS = frozenset({"gcloud_client_secret", "gcloud_adc_client_secret"})


def fill(template: str, seed: str) -> tuple[str, dict[str, str]]:
    """The template with every {placeholder} replaced (the same name, the same value), and
    the values used: name -> value. Unknown names raise KeyError (a typo in the catalogue)."""
    values: dict[str, str] = {}

    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in values:
            values[name] = GENERATORS[name](f"{seed}:{name}")
        return values[name]

    return PLACEHOLDER.sub(one, template), values


def is_json_template(template: str) -> bool:
    try:
        json.loads(PLACEHOLDER.sub("x", template))
    except ValueError:
        return False
    return True
