"""Shared test helpers: git repositories in tmp_path and fake tokens built at run time."""

from __future__ import annotations

import base64
import binascii
import json
import random
import string
import subprocess
from pathlib import Path

import pytest

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase

# hyperscan is optional by platform (no wheel for macOS arm64; `.ci/run` also runs the suite
# with it hidden): tests that need it skip, saying why.
try:
    import hyperscan  # noqa: F401

    HAVE_HYPERSCAN = True
except ImportError:
    HAVE_HYPERSCAN = False
needs_hyperscan = pytest.mark.skipif(not HAVE_HYPERSCAN, reason="hyperscan is not installed "
                                     "(optional by platform); the `re` engine is tested alone")


def git(repo: Path, *args: str, date: str | None = None) -> str:
    """Run git in `repo` with the pinned identity from conftest (optionally another date)."""
    env = None
    if date is not None:
        import os

        env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    out = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)
    return out.stdout.decode()


def init_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "Test Author")
    git(path, "config", "user.email", "author@example.invalid")
    git(path, "config", "commit.gpgsign", "false")
    return path


def commit_all(repo: Path, message: str, date: str | None = None) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, date=date)
    return git(repo, "rev-parse", "HEAD").strip()


def rand(alphabet: str, n: int, seed: int | str) -> str:
    rng = random.Random(str(seed))
    return "".join(rng.choice(alphabet) for _ in range(n))


def base62(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = BASE62[r] + out
    return out.rjust(width, "0")


def github_token(prefix: str = "ghp_", seed: int | str = 1) -> str:
    """A fake GitHub token whose last 6 characters are a valid CRC32 checksum."""
    body = rand(string.ascii_letters + string.digits, 30, f"gh{prefix}{seed}")
    return f"{prefix}{body}{base62(binascii.crc32(body.encode()), 6)}"


def npm_token(seed: int | str = 1) -> str:
    body = rand(string.ascii_letters + string.digits, 30, f"npm{seed}")
    return f"npm_{body}{base62(binascii.crc32(body.encode()), 6)}"


def jwt(payload: dict[str, object], header: dict[str, object] | None = None) -> str:
    def enc(obj: dict[str, object]) -> str:
        raw = json.dumps(obj, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    sig = base64.urlsafe_b64encode(bytes(range(32))).decode().rstrip("=")
    return f"{enc(header or {'alg': 'HS256', 'typ': 'JWT'})}.{enc(payload)}.{sig}"


def stripe_key(kind: str = "sk", mode: str = "live", seed: int | str = 1) -> str:
    body = rand(string.ascii_letters + string.digits, 32, f"st{kind}{mode}{seed}")
    return f"{kind}_{mode}_{body}"


def uuid4_like(seed: int | str) -> str:
    h = rand("0123456789abcdef", 32, f"uuid{seed}")
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


# --- classification (issue 4): fake tokens whose payloads the offline decoders can read ---


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _field(kind: int, data: bytes) -> bytes:
    assert len(data) < 128  # one-byte varint length is all these fixtures need
    return bytes([kind, len(data)]) + data


def pypi_token(location: str = "pypi.org", caveats: list[object] | None = None,
               seed: int | str = 1) -> str:
    """A binary v2 macaroon as PyPI issues it: location, identifier, JSON caveats, signature."""
    ident = rand(string.ascii_letters, 24, f"pypi{seed}").encode()
    body = bytes([2]) + _field(1, location.encode()) + _field(2, ident) + b"\0"
    for caveat in caveats or []:
        body += _field(2, json.dumps(caveat, separators=(",", ":")).encode()) + b"\0"
    sig = rand(string.ascii_letters, 32, f"pypisig{seed}").encode()
    return "pypi-" + b64url(body + b"\0" + _field(6, sig))


def _msgpack(value: object) -> bytes:
    if isinstance(value, bool) or value is None:
        return {None: b"\xc0", False: b"\xc2", True: b"\xc3"}[value]
    if isinstance(value, int) and 0 <= value < 128:
        return bytes([value])
    if isinstance(value, str):
        raw = value.encode()
        head = bytes([0xA0 | len(raw)]) if len(raw) < 32 else b"\xd9" + bytes([len(raw)])
        return head + raw
    if isinstance(value, bytes):
        return b"\xc4" + bytes([len(value)]) + value
    if isinstance(value, list):
        return bytes([0x90 | len(value)]) + b"".join(_msgpack(v) for v in value)
    raise TypeError(value)


def fly_token(caveats: list[object] | None = None, seed: int | str = 1) -> str:
    nonce = [rand(string.ascii_letters, 16, f"flyk{seed}").encode(), b"r" * 8, False]
    mac = [nonce, "https://api.fly.io/v1", caveats or [], rand("ab", 32, seed).encode()]
    return "FlyV1 fm2_" + base64.b64encode(_msgpack(mac)).decode()


def aws_key_id(account: int, prefix: str = "AKIA", seed: int | str = 1) -> str:
    """A key id whose base32 bits encode `account` the way AWS does (since 2019)."""
    low = random.Random(str(seed)).getrandbits(7)
    head = ((account << 7) | low).to_bytes(6, "big")
    tail = bytes(random.Random(f"t{seed}").getrandbits(8) for _ in range(4))
    return prefix + base64.b32encode(head + tail).decode()


def sas_query(sp: str = "rl", se: str = "2099-01-01T00:00:00Z", extra: str = "ss=b&srt=sco",
              seed: int | str = 1) -> str:
    sig = rand(string.ascii_letters + string.digits, 43, f"sas{seed}") + "%3D"
    return f"sv=2022-11-02&{extra}&sp={sp}&se={se}&sig={sig}"


def openssh_key(cipher: str = "none", kdf: str = "none", seed: int | str = 1) -> str:
    def sshstr(b: bytes) -> bytes:
        return len(b).to_bytes(4, "big") + b

    body = b"openssh-key-v1\0" + sshstr(cipher.encode()) + sshstr(kdf.encode())
    body += rand(string.ascii_letters, 90, f"ssh{seed}").encode()
    text = base64.b64encode(body).decode()
    lines = "\n".join(text[i:i + 70] for i in range(0, len(text), 70))
    return f"-----BEGIN OPENSSH PRIVATE KEY-----\n{lines}\n-----END OPENSSH PRIVATE KEY-----"


def openai_key(kind: str = "admin", seed: int | str = 1) -> str:
    alnum = string.ascii_letters + string.digits
    return (f"sk-{kind}-" + rand(alnum, 58, f"oa{seed}") + "T3BlbkFJ"
            + rand(alnum, 58, f"ob{seed}"))


def anthropic_key(kind: str = "admin01", seed: int | str = 1) -> str:
    return f"sk-ant-{kind}-" + rand(string.ascii_letters + string.digits + "_-", 93,
                                    f"an{seed}") + "AA"


def commit_sha(seed: int | str = 1) -> str:
    return rand("0123456789abcdef", 40, f"sha{seed}")
