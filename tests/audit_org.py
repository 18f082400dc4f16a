"""A small organisation of real git repositories for the audit's tests and benchmark.

33 repositories: five upstreams, forks that share their history (one deletes a secret, one
adds its own, one is bare, one is a developer's checkout with work on disk that is not
committed: a new file, a gitignored .env, copies of committed blobs), vendored copies in
unrelated repositories (the same blob at the same path in another history, at another path,
and a shared secret in another file: other root commits, so other fingerprint salts), a
repository much larger than the rest, one with
its own config, one whose config tries what only the user's own config may do (load a
plugin and rules, allowlist by regex, exclude everything, never fail), one with a version 2
baseline under its own salt (fingerprint and imported sha1 entries, one stale) and one with
a version 1 baseline, a binary blob, an inline pragma, an empty repository, one whose name
would be markup, and a file:// URL. Tokens are fake and built at run time.

`user_config` writes the auditor's own config (CREDSCOPE_USER_CONFIG) the tests use: a
smaller max-file-size and a value allowlist, settings a repository's config may not make.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from scanner.baseline import Entry, dump_baseline, sha1_hex
from scanner.findings import Fingerprinter, legacy_fingerprint
from tests.helpers import commit_all, git, github_token, init_repo, npm_token, stripe_key

CHECKOUT = "checkout"  # the repository whose working tree holds what the history does not

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
    checkout = _checkout(ups[4], org / CHECKOUT)
    vendored_text = upstream_files(0)["app/settings.py"]
    vendors = [
        _repo(org / "vendor-same-path", {"app/settings.py": vendored_text, "x.py": "x = 1\n"}),
        _repo(org / "vendor-other-path", {"third_party/up0/settings.py": vendored_text}),
        _repo(org / "vendor-shared", {"ops/prod.env": f"TOKEN={shared}\n"}),
    ]
    large = _large(org / "large")
    configured = _repo(org / "configured", {
        # max-file-size below the user's: refused (it would skip more), and reported
        ".credscope.toml": 'exclude = ["ignored/**"]\nmax-file-size = "200B"\n',
        "ignored/key.txt": f"GITHUB_TOKEN={github_token(seed='ignored')}\n",
        "big.txt": "x" * 2000 + f"\nGITHUB_TOKEN={github_token(seed='big')}\n",
        "small.py": f'T = "{github_token(seed="small")}"\n'})
    untrusted = _untrusted(org / "untrusted", root / "plugin-ran")
    baselined = [_baselined(org / "baselined"), _baselined_v1(org / "baselined-v1")]
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
    local = [*ups, *forks, org / "mirror-bare.git", checkout, *vendors, large, configured,
             untrusted, *baselined, *misc]
    lines = ["# the organisation", *(str(p.relative_to(root)) for p in local)]
    lines += [f"file://{ups[3]}", "org/missing-repository"]
    return lines


def _checkout(upstream: Path, path: Path) -> Path:
    """A fork as it sits on a developer's disk: a file with a token not committed yet, a
    gitignored .env with a key of its own, an edited README, an untracked copy of a committed
    file (the same blob: read once, as that blob), and a gitignored backup of a file the fork
    deleted (its secret is no longer history-only: it is on disk)."""
    _fork(upstream, path, {".gitignore": ".env\n*.bak\n"})
    settings = (path / "app/settings.py").read_text(encoding="utf-8")
    client = (path / "tests/test_client.py").read_text(encoding="utf-8")
    git(path, "rm", "-q", "tests/test_client.py")
    commit_all(path, "drop the client test", date="2025-02-09T00:00:00+00:00")
    _write(path, {"notes/todo.py": f'TOKEN = "{github_token(seed="uncommitted")}"\n',
                  ".env": f"STRIPE_SECRET_KEY={stripe_key(seed='ignored-env')}\n",
                  "README.md": "# upstream 4, edited here\n",
                  "backup/settings.py": settings,
                  "tests/test_client.py.bak": client})
    return path


def _large(path: Path) -> Path:
    init_repo(path)
    for c in range(4):
        files = {f"src/mod{i:03d}.py": f"VALUE = {i * 7 + c}\n" for i in range(c, LARGE_FILES, 4)}
        files[f"config/settings{c}.py"] = f'API = "{github_token(seed=f"large{c}")}"\n'
        _write(path, files)
        commit_all(path, f"large {c}", date=f"2025-01-{c + 2:02d}T00:00:00+00:00")
    return path


BASELINE_SALT = b"baseline's-salt!"  # a baseline carries its own salt (16 bytes)


def _baselined(path: Path) -> Path:
    """A version 2 baseline with a salt of its own: the repository's fingerprints are under
    it. Its imported entry is the sha1 of a leading part of the secret, as detect-secrets'
    Stripe plugin stores it."""
    accepted = github_token(seed="accepted")
    imported = stripe_key(seed="imported")
    _repo(path, {"a.py": f'A = "{accepted}"\n', "b.env": f"STRIPE={imported}\n",
                 "c.py": f'C = "{github_token(seed="not-accepted")}"\n'})
    own = Fingerprinter(BASELINE_SALT)  # a GitHub token is provider-issued: a salted HMAC
    entries = [Entry(fingerprint=own.fingerprint("github.classic-pat", accepted, quick=True),
                     reason="test"),
               Entry(sha1=sha1_hex(imported[:32]), source="detect-secrets"),
               Entry(fingerprint=own.fingerprint("github.classic-pat", "gone"), reason="stale")]
    (path / ".credscope-baseline.json").write_text(dump_baseline(entries, BASELINE_SALT),
                                                   encoding="utf-8")
    return path


def _baselined_v1(path: Path) -> Path:
    """A version 1 baseline (v1 fingerprints, no salt), not yet updated."""
    accepted = npm_token(seed="v1-accepted")
    imported = github_token(seed="v1-imported")
    _repo(path, {"a.py": f'A = "{accepted}"\n', "b.py": f'B = "{imported}"\n',
                 "c.py": f'C = "{npm_token(seed="v1-other")}"\n'})
    entries = [{"fingerprint": legacy_fingerprint("npm.access-token", accepted), "reason": "v1"},
               {"sha1": sha1_hex(imported), "source": "detect-secrets"},
               {"fingerprint": legacy_fingerprint("npm.access-token", "gone"), "reason": "stale"}]
    (path / ".credscope-baseline.json").write_text(
        json.dumps({"version": 1, "tool": "credscope", "entries": entries}), encoding="utf-8")
    return path


def _untrusted(path: Path, marker: Path) -> Path:
    """A repository config trying what only the user's own config may do. Its plugin would
    create `marker` if anything imported it."""
    return _repo(path, {
        ".credscope.toml": 'detect-secrets-plugins = ["plugin.py"]\nrules-dirs = ["rules"]\n'
                           'allowlist-values = [".*"]\nfail-on = "never"\n'
                           'exclude = ["**", "docs/**"]\n',
        "plugin.py": f"from pathlib import Path\nPath({str(marker)!r}).touch()\n",
        "rules/silence.toml": "# never loaded\n",
        "docs/notes.md": "nothing to see\n",
        "deploy/prod/.env": f"TOKEN={github_token(seed='untrusted')}\n"})


def user_config(root: Path) -> Path:
    """The auditor's own config: trusted, so it may lower max-file-size and allowlist a value
    by pattern (here the binary repository's npm token)."""
    path = root / "user-config.toml"
    pattern = "^" + re.escape(npm_token(seed="bin")) + "$"
    path.write_text(f'max-file-size = "1KiB"\nallowlist-values = [{json.dumps(pattern)}]\n',
                    encoding="utf-8")
    return path


def add_commit(repo: Path, name: str, text: str) -> None:
    _write(repo, {name: text})
    commit_all(repo, f"add {name}", date="2025-04-01T00:00:00+00:00")
