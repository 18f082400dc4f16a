"""A small organisation of real git repositories for the audit's tests and benchmark.

30 repositories: five upstreams, forks that share their history (one deletes a secret, one
adds its own, one is bare), vendored copies (the same blob at the same path in another
history, and at another path), a repository much larger than the rest, one with its own
config, one with a baseline (fingerprint and imported sha1 entries), a binary blob, an
inline pragma, an empty repository, one whose name would be markup, and a file:// URL.
Tokens are fake and built at run time.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from scanner.baseline import sha1_hex
from scanner.findings import fingerprint
from tests.helpers import commit_all, git, github_token, init_repo, npm_token, stripe_key

LARGE_FILES = 400


def _write(repo: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _repo(path: Path, *commits: dict[str, str | bytes]) -> Path:
    init_repo(path)
    for i, files in enumerate(commits):
        _write(path, files)
        commit_all(path, f"commit {i}", date=f"2025-01-{i + 2:02d}T00:00:00+00:00")
    return path


def _fork(upstream: Path, path: Path, *commits: dict[str, str | bytes]) -> Path:
    subprocess.run(["git", "clone", "-q", str(upstream), str(path)], check=True)
    for i, files in enumerate(commits):
        _write(path, files)
        commit_all(path, f"fork commit {i}", date=f"2025-02-{i + 2:02d}T00:00:00+00:00")
    return path


def upstream_files(n: int) -> dict[str, str]:
    return {
        "app/settings.py": f'GITHUB_TOKEN = "{github_token(seed=f"up{n}")}"\n',
        ".env.production": f"STRIPE_SECRET_KEY={stripe_key(seed=f'up{n}')}\n",
        "tests/test_client.py": f'NPM = "{npm_token(seed=f"up{n}")}"\n',
        "README.md": f"# upstream {n}\n",
    }


def build_org(root: Path) -> list[str]:
    """Build the organisation under `root`; return the lines of its REPOS file."""
    org = root / "org"
    shared = github_token(seed="shared-everywhere")
    ups = [_repo(org / f"upstream{n}", upstream_files(n),
                 {"app/main.py": f"print({n})\n", "README.md": f"# upstream {n}, v2\n"})
           for n in range(5)]
    _write(ups[0], {"deploy/k8s/prod/secret.yaml": f"token: {shared}\n"})
    commit_all(ups[0], "shared token", date="2025-01-09T00:00:00+00:00")
    forks = []
    for n in range(12):
        up = ups[n % 5]
        commits: list[dict[str, str | bytes]] = [{f"fork{n}.txt": f"fork {n}\n"}]
        if n == 1:
            commits.append({"extra/.env": f"OWN={github_token(seed='fork-own')}\n"})
        forks.append(_fork(up, org / f"fork{n}", *commits))
    git(forks[2], "rm", "-q", "app/settings.py")  # the secret lives on in history only
    commit_all(forks[2], "remove the token", date="2025-03-01T00:00:00+00:00")
    subprocess.run(["git", "clone", "-q", "--bare", str(ups[1]), str(org / "mirror-bare.git")],
                   check=True)
    vendored_text = upstream_files(0)["app/settings.py"]
    vendors = [
        _repo(org / "vendor-same-path", {"app/settings.py": vendored_text, "x.py": "x = 1\n"}),
        _repo(org / "vendor-other-path", {"third_party/up0/settings.py": vendored_text}),
        _repo(org / "vendor-shared", {"ops/prod.env": f"TOKEN={shared}\n"}),
    ]
    large = _large(org / "large")
    configured = _repo(org / "configured", {
        ".credscope.toml": 'exclude = ["ignored/**"]\nmax-file-size = "200B"\n',
        "ignored/key.txt": f"GITHUB_TOKEN={github_token(seed='ignored')}\n",
        "big.txt": "x" * 300 + f"\nGITHUB_TOKEN={github_token(seed='big')}\n",
        "small.py": f'T = "{github_token(seed="small")}"\n'})
    baselined = _baselined(org / "baselined")
    misc = [
        _repo(org / "binary", {"logo.png": b"\x89PNG\0\0binary" + b"\0" * 64,
                               "key.py": f'K = "{npm_token(seed="bin")}"\n'}),
        _repo(org / "pragma", {"conf.py": f'T = "{github_token(seed="pragma")}"  '
                                          "# credscope: allow\n",
                               "shared.py": f'S = "{shared}"  # credscope: allow\n'}),
        _repo(org / "clean", {"main.py": "print('hello')\n"}, {"main.py": "print('bye')\n"}),
        init_repo(org / "empty"),
        _repo(org / "evil<b>name</b>", {"a.py": f'T = "{github_token(seed="evil")}"\n'}),
    ]
    local = [*ups, *forks, org / "mirror-bare.git", *vendors, large, configured, baselined,
             *misc]
    lines = ["# the organisation", *(str(p.relative_to(root)) for p in local)]
    lines += [f"file://{ups[3]}", "org/missing-repository"]
    return lines


def _large(path: Path) -> Path:
    init_repo(path)
    for c in range(4):
        files = {f"src/mod{i:03d}.py": f"VALUE = {i * 7 + c}\n" for i in range(c, LARGE_FILES, 4)}
        files[f"config/settings{c}.py"] = f'API = "{github_token(seed=f"large{c}")}"\n'
        _write(path, files)
        commit_all(path, f"large {c}", date=f"2025-01-{c + 2:02d}T00:00:00+00:00")
    return path


def _baselined(path: Path) -> Path:
    accepted = github_token(seed="accepted")
    imported = stripe_key(seed="imported")
    _repo(path, {"a.py": f'A = "{accepted}"\n', "b.env": f"STRIPE={imported}\n",
                 "c.py": f'C = "{github_token(seed="not-accepted")}"\n'})
    entries = [{"fingerprint": fingerprint("github.classic-pat", accepted), "reason": "test"},
               {"sha1": sha1_hex(imported), "source": "detect-secrets"},
               {"fingerprint": fingerprint("github.classic-pat", "gone"), "reason": "stale"}]
    (path / ".credscope-baseline.json").write_text(
        json.dumps({"version": 1, "tool": "credscope", "entries": entries}), encoding="utf-8")
    return path


def add_commit(repo: Path, name: str, text: str) -> None:
    _write(repo, {name: text})
    commit_all(repo, f"add {name}", date="2025-04-01T00:00:00+00:00")
