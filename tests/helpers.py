"""Shared test helpers: git repositories in tmp_path and fake tokens built at run time."""

from __future__ import annotations

import base64
import binascii
import json
import random
import string
import subprocess
from pathlib import Path

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


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
    return f"{kind}_{mode}_" + rand(string.ascii_letters + string.digits, 32, f"st{kind}{mode}{seed}")


def uuid4_like(seed: int | str) -> str:
    h = rand("0123456789abcdef", 32, f"uuid{seed}")
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"
