"""Baselines: create/update/check/import, and identity that survives code moving."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scanner import pipeline
from scanner.baseline import BASELINE_NAME, load_baseline, sha1_hex
from scanner.cli import app
from scanner.matching.engine import ReEngine
from tests.helpers import commit_all, git, github_token, init_repo, rand, stripe_key

KEY = stripe_key(seed="baseline")
OTHER = stripe_key(seed="baseline-2")


@pytest.fixture(autouse=True)
def _re_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about baselines, not engines: skip compiling the hyperscan database
    (both engines give identical findings by construction, see test_engine.py)."""
    monkeypatch.setattr(pipeline, "make_engine", lambda rules, prefer="auto": ReEngine(rules))


def cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def scan_json(path: Path, *extra: str) -> dict[str, Any]:
    result = cli("scan", str(path), "--format", "json", "--no-progress", "--fail-on", "never",
                 *extra)
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def active(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f["ruleId"], f["path"]) for f in doc["findings"]]


def baselined(doc: dict[str, Any]) -> list[str]:
    return [f["path"] for f in doc["suppressed"] if f["suppression"]["kind"] == "baseline"]


def repo_with_secret(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "repo")
    (repo / "app").mkdir()
    (repo / "app" / "settings.py").write_text(f"import os\n\nSTRIPE = '{KEY}'\n")
    commit_all(repo, "add settings")
    return repo


def test_create_writes_fingerprints_without_lines_times_or_plaintext(tmp_path: Path) -> None:
    repo = repo_with_secret(tmp_path)
    result = cli("baseline", "create", str(repo), "--reason", "legacy, rotated in JIRA-1")
    assert result.exit_code == 0, result.output
    text = (repo / BASELINE_NAME).read_text()
    doc = json.loads(text)
    [entry] = doc["entries"]
    assert entry["fingerprint"].startswith("v2:")
    assert entry["rule"] == "stripe.secret-key"
    assert entry["reason"] == "legacy, rotated in JIRA-1"
    assert KEY not in text and KEY[8:] not in text
    assert not {"line", "path", "date", "time", "commit", "timestamp"} & set(entry)
    assert "2025" not in text  # the pinned git date never leaks in
    # Deterministic: creating it again yields the same bytes (reviewable diffs).
    assert cli("baseline", "create", str(repo), "--force", "--reason",
               "legacy, rotated in JIRA-1").exit_code == 0
    assert (repo / BASELINE_NAME).read_text() == text
    # And it refuses to overwrite without --force, with a usage error, not a finding.
    assert cli("baseline", "create", str(repo)).exit_code == 2


def test_default_baseline_is_applied_and_still_counted(tmp_path: Path) -> None:
    repo = repo_with_secret(tmp_path)
    assert cli("baseline", "create", str(repo)).exit_code == 0
    doc = scan_json(repo)
    assert active(doc) == []
    assert baselined(doc) == ["app/settings.py"]
    assert doc["summary"]["suppressedBy"] == {"baseline": 1}
    assert cli("scan", str(repo), "--no-progress").exit_code == 0
    # --no-baseline turns it off; --baseline FILE applies one from elsewhere.
    assert active(scan_json(repo, "--no-baseline")) == [("stripe.secret-key", "app/settings.py")]
    moved = tmp_path / "elsewhere.json"
    (repo / BASELINE_NAME).rename(moved)
    assert active(scan_json(repo)) != []
    assert baselined(scan_json(repo, "--baseline", str(moved))) == ["app/settings.py"]


def test_baseline_survives_moves_and_a_squash_but_not_a_new_secret(tmp_path: Path) -> None:
    repo = repo_with_secret(tmp_path)
    base = git(repo, "rev-parse", "HEAD").strip()
    assert cli("baseline", "create", str(repo)).exit_code == 0
    commit_all(repo, "baseline")
    settings = repo / "app" / "settings.py"

    settings.write_text(f"import os\n\n\n# moved down\nX = 1\n\nSTRIPE = '{KEY}'\n")
    commit_all(repo, "move to another line")
    assert active(scan_json(repo)) == []
    assert baselined(scan_json(repo)) == ["app/settings.py"]

    (repo / "billing").mkdir()
    git(repo, "mv", "app/settings.py", "billing/keys.py")
    (repo / "billing" / "keys.py").write_text(f"KEYS = {{'stripe': '{KEY}'}}\n")
    commit_all(repo, "move to another file")
    assert active(scan_json(repo)) == []
    assert baselined(scan_json(repo)) == ["billing/keys.py"]

    git(repo, "reset", "--soft", base)
    commit_all(repo, "squashed")
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "2"
    for doc in (scan_json(repo), scan_json(repo, "--history")):
        assert active(doc) == [], doc["findings"]
        assert "billing/keys.py" in baselined(doc)
    assert doc["staleBaseline"] == []

    # A different secret on the very line the baselined one sat on is a new finding, and
    # the entry whose secret is gone is reported stale.
    (repo / "billing" / "keys.py").write_text(f"KEYS = {{'stripe': '{OTHER}'}}\n")
    doc = scan_json(repo)
    assert active(doc) == [("stripe.secret-key", "billing/keys.py")]
    [entry] = load_baseline(repo / BASELINE_NAME).entries
    assert doc["staleBaseline"] == [entry.fingerprint]
    terminal = cli("scan", str(repo), "--no-progress").output
    assert "stale" in terminal


def test_update_and_check(tmp_path: Path) -> None:
    repo = repo_with_secret(tmp_path)
    assert cli("baseline", "create", str(repo), "--reason", "old").exit_code == 0
    assert cli("baseline", "check", str(repo)).exit_code == 0

    (repo / "app" / "settings.py").write_text(f"STRIPE = '{OTHER}'\n")
    check = cli("baseline", "check", str(repo))
    assert check.exit_code == 1
    assert "1 findings not in it, 1 stale" in check.output
    assert KEY not in check.output and OTHER not in check.output

    result = cli("baseline", "update", str(repo), "--reason", "new one")
    assert result.exit_code == 0, result.output
    assert "1 added, 0 kept, 0 converted from detect-secrets, 1 stale removed" in result.output
    [entry] = load_baseline(repo / BASELINE_NAME).entries
    assert entry.reason == "new one"
    assert cli("baseline", "check", str(repo), "--strict").exit_code == 0

    # An entry nothing matches fails --strict only; plain check passes.
    (repo / "app" / "settings.py").write_text("STRIPE = os.environ['STRIPE']\n")
    assert cli("baseline", "check", str(repo)).exit_code == 0
    assert cli("baseline", "check", str(repo), "--strict").exit_code == 1


def test_a_broken_baseline_is_a_usage_error(tmp_path: Path) -> None:
    repo = repo_with_secret(tmp_path)
    (repo / BASELINE_NAME).write_text("{not json")
    result = cli("scan", str(repo), "--no-progress")
    assert result.exit_code == 2
    assert BASELINE_NAME in result.output and "Traceback" not in result.output
    (repo / BASELINE_NAME).write_text('{"results": {}}')
    assert "baseline import" in cli("scan", str(repo), "--no-progress").output


def test_import_a_real_detect_secrets_baseline(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    token = github_token(seed="import")
    (repo / "pay.sh").write_text(f"curl -u {KEY}: https://api.stripe.com/v1/charges\n")
    (repo / "gh.py").write_text(f'TOKEN = "{token}"\n')
    git(repo, "add", "-A")
    scanned = subprocess.run([sys.executable, "-m", "detect_secrets", "scan"], cwd=repo,
                             check=True, capture_output=True, text=True)
    # Kept outside the repository: its hashes are not credscope's business.
    detect_baseline = tmp_path / ".secrets.baseline"
    detect_baseline.write_text(scanned.stdout)
    hashes = {r["hashed_secret"] for rs in json.loads(scanned.stdout)["results"].values()
              for r in rs}
    # detect-secrets keeps only part of a Stripe key: the import must match a leading part.
    assert sha1_hex(KEY) not in hashes and sha1_hex(KEY[:32]) in hashes

    before = scan_json(repo)
    assert sorted(p for _, p in active(before)) == ["gh.py", "pay.sh"]
    result = cli("baseline", "import", str(detect_baseline), "--baseline",
                 str(repo / BASELINE_NAME))
    assert result.exit_code == 0, result.output
    imported = load_baseline(repo / BASELINE_NAME).entries
    assert imported and all(e.sha1 and not e.fingerprint for e in imported)

    after = scan_json(repo)
    assert active(after) == []
    assert sorted(baselined(after)) == ["gh.py", "pay.sh"]

    # `update` turns the imported entries into fingerprints; the scan result is unchanged.
    assert cli("baseline", "update", str(repo)).exit_code == 0
    entries = load_baseline(repo / BASELINE_NAME).entries
    assert all(e.fingerprint and not e.sha1 for e in entries)
    assert len(entries) == 2
    assert sorted(baselined(scan_json(repo))) == ["gh.py", "pay.sh"]


# -- fingerprints v2: salted, deliberately slow, portable ----------------------------------

def test_fingerprints_are_slow_salted_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fingerprint in a published report must cost a dictionary attacker scrypt's work per
    guess, under a salt of its repository: not a fast hash under a public key."""
    import hashlib

    from scanner import findings

    calls: list[dict[str, Any]] = []
    real = hashlib.scrypt

    def spy(password: bytes, **kw: Any) -> bytes:
        calls.append(kw)
        return real(password, **kw)

    monkeypatch.setattr(findings.hashlib, "scrypt", spy)
    findings._stretched.cache_clear()
    one = findings.Fingerprinter(b"salt-of-repo-one")
    two = findings.Fingerprinter(b"salt-of-repo-two")
    assert one.fingerprint("r.x", "Tr0ub4dor&3") != two.fingerprint("r.x", "Tr0ub4dor&3")
    assert one.fingerprint("r.x", "Tr0ub4dor&3") == one.fingerprint("r.x", "Tr0ub4dor&3")
    assert one.fingerprint("r.x", "Tr0ub4dor&3").startswith("v2:")
    assert calls and all(c["n"] >= 2**11 and c["r"] >= 8 for c in calls)
    assert {c["salt"] for c in calls} == {b"salt-of-repo-one", b"salt-of-repo-two"}
    # The redaction's tag comes from the same stretched key: no fast oracle beside it.
    assert one.redact("Tr0ub4dor&3") != two.redact("Tr0ub4dor&3")
    assert len(calls) == 2  # one stretch per secret and salt, however often it is asked


def test_a_baseline_carries_its_salt_and_works_in_any_clone(tmp_path: Path) -> None:
    repo = repo_with_secret(tmp_path)
    git(repo, "remote", "add", "origin", "https://example.invalid/acme/app.git")
    assert cli("baseline", "create", str(repo)).exit_code == 0
    doc = json.loads((repo / BASELINE_NAME).read_text())
    assert doc["version"] == 2 and doc["fingerprint"].startswith("$scrypt$ln=11,r=8,p=1$")
    commit_all(repo, "baseline")
    # Another clone, elsewhere, with another remote: the baseline's salt still matches.
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    git(clone, "remote", "set-url", "origin", "git@example.invalid:someone/fork.git")
    assert active(scan_json(clone)) == []
    assert baselined(scan_json(clone)) == ["app/settings.py"]


def test_report_fingerprints_agree_across_clones_and_forks(tmp_path: Path) -> None:
    """Code scanning alerts must not churn, and an audit shares work between forks: every
    full clone and fork of a repository gives the same fingerprints (no baseline: the salt
    comes from the root commit); shallow clones of one origin agree with each other."""
    repo = repo_with_secret(tmp_path)
    git(repo, "remote", "add", "origin", "https://Example.invalid/Acme/App.git")
    fork = tmp_path / "fork"
    git(tmp_path, "clone", "-q", str(repo), str(fork))
    git(fork, "remote", "set-url", "origin", "git@example.invalid:someone/fork")
    shallow = [tmp_path / f"shallow{i}" for i in range(2)]
    for i, copy in enumerate(shallow):
        git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(copy))
        git(copy, "remote", "set-url", "origin", ("https://example.invalid/acme/app",
                                                  "git@example.invalid:acme/app.git")[i])
    fps = {d: {f["fingerprint"] for f in scan_json(d)["findings"]}
           for d in (repo, fork, *shallow)}
    assert fps[repo] == fps[fork] and len(fps[repo]) == 1
    assert fps[shallow[0]] == fps[shallow[1]]
    unrelated = init_repo(tmp_path / "unrelated")  # another history with the same secret
    (unrelated / "config.py").write_text(f"STRIPE = '{KEY}'\n")
    commit_all(unrelated, "another project")
    assert {f["fingerprint"] for f in scan_json(unrelated)["findings"]}.isdisjoint(fps[repo])


def test_a_version_1_baseline_still_applies_and_update_migrates_it(tmp_path: Path) -> None:
    from scanner.findings import legacy_fingerprint

    repo = repo_with_secret(tmp_path)
    v1 = {"version": 1, "tool": "credscope", "entries": [
        {"fingerprint": legacy_fingerprint("stripe.secret-key", KEY),
         "rule": "stripe.secret-key", "reason": "accepted long ago"}]}
    (repo / BASELINE_NAME).write_text(json.dumps(v1))
    assert active(scan_json(repo)) == []
    result = cli("baseline", "update", str(repo))
    assert result.exit_code == 0 and "1 converted" in result.output, result.output
    doc = json.loads((repo / BASELINE_NAME).read_text())
    assert doc["version"] == 2
    [entry] = doc["entries"]
    assert entry["fingerprint"].startswith("v2:") and entry["reason"] == "accepted long ago"
    assert active(scan_json(repo)) == []


@pytest.mark.parametrize("fingerprint", [
    "$scrypt$ln=40,r=8,p=1$c2FsdHNhbHRzYWx0", "$scrypt$ln=11,r=8,p=1$", "md5$x", 5,
])
def test_a_bad_fingerprint_scheme_is_a_baseline_error(tmp_path: Path, fingerprint: Any
                                                      ) -> None:
    from scanner.errors import BaselineError

    path = tmp_path / BASELINE_NAME
    path.write_text(json.dumps({"version": 2, "fingerprint": fingerprint, "entries": []}))
    with pytest.raises(BaselineError):
        load_baseline(path)


def test_only_values_a_person_may_have_chosen_are_stretched(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """scrypt protects a guessable value (a password) from a dictionary run against a
    published fingerprint. Real code holds thousands of candidates judged not to be secrets
    (placeholders, identifiers), and a hostile file can hold 120,000 provider tokens: a
    scrypt for each would dominate a scan, and neither is guessable. Passwords, whether
    active or suppressed for other reasons (a pragma), are stretched."""
    import hashlib

    from scanner import findings

    stretched: list[bytes] = []
    real = hashlib.scrypt

    def spy(password: bytes, **kw: Any) -> bytes:
        stretched.append(password)
        return real(password, **kw)

    monkeypatch.setattr(findings.hashlib, "scrypt", spy)
    findings._stretched.cache_clear()
    repo = repo_with_secret(tmp_path)
    chosen = rand("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 14, "chosen") + "#1"
    other = rand("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 14, "other") + "%2"
    (repo / "app" / "example.py").write_text(
        'PASSWORD = "changeme"\nAPI_TOKEN = "<your-token>"\n'
        f'OLD = "{OTHER}"  # credscope: allow\n'
        f'SMTP_PASSWORD = "{other}"  # credscope: allow\n')
    (repo / "app" / "db.py").write_text(f'DB_PASSWORD = "{chosen}"\n')
    doc = scan_json(repo)
    kinds = {f["suppression"]["kind"] for f in doc["suppressed"]}
    assert "pragma" in kinds and kinds & {"placeholder", "not-a-secret"}
    found = {f["ruleId"] for f in doc["findings"]}
    assert "stripe.secret-key" in found and any(r.startswith("generic.") for r in found)
    assert {chosen.encode(), other.encode()} <= set(stretched)
    assert not {b"changeme", b"<your-token>", KEY.encode(), OTHER.encode()} & set(stretched)
    fps = [f["fingerprint"] for f in doc["findings"] + doc["suppressed"]]
    assert all(fp.startswith("v2:") for fp in fps) and len(set(fps)) == len(fps)


def test_issued_tokens_are_told_from_chosen_values() -> None:
    """A rule's literal prefix then a long random body is issued; a URL, a user:password
    pair, a short or repetitive body after a prefix, or no prefix at all is not."""
    from scanner.findings import issued_token

    body = rand("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 30, "issued")
    assert issued_token("ghp_" + body, ("ghp_",))
    assert issued_token(KEY, ("sk_live_", "sk_test_"))
    assert not issued_token("postgres://app:" + body + "@db.internal/app", ("postgres://",))
    assert not issued_token("ghp_" + body[:12], ("ghp_",))
    assert not issued_token("ghp_" + "ab" * 15, ("ghp_",))
    assert not issued_token(body, ("ghp_",))
    assert not issued_token("xy" + body, ("xy",))  # a prefix too short to mean anything


@pytest.mark.skipif(not hasattr(os, "fork"), reason="shared keys serve forked workers")
def test_a_password_is_stretched_once_between_forked_workers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers of a parallel scan share the keys they stretched (findings.SharedKeys): a
    key stretched in one process is found by another, under its salt and cost only."""

    from scanner import findings

    prints = findings.Fingerprinter(b"salt-of-a-repo")
    expected = prints.fingerprint("r.x", "Tr0ub4dor&3")
    findings._stretched.cache_clear()
    findings.share_keys()
    try:
        child = os.fork()
        if child == 0:  # a worker: stretches the password, then leaves
            prints.fingerprint("r.x", "Tr0ub4dor&3")
            os._exit(0)
        os.waitpid(child, 0)

        def refuse(*_: object, **__: object) -> bytes:
            raise AssertionError("stretched again")

        monkeypatch.setattr(findings.hashlib, "scrypt", refuse)
        assert prints.fingerprint("r.x", "Tr0ub4dor&3") == expected
        other_salt = findings.Fingerprinter(b"salt-of-another-repo")
        with pytest.raises(AssertionError, match="stretched again"):
            other_salt.fingerprint("r.x", "Tr0ub4dor&3")
        cheaper = findings.Fingerprinter(b"salt-of-a-repo", findings.Cost(n=2**10))
        with pytest.raises(AssertionError, match="stretched again"):
            cheaper.fingerprint("r.x", "Tr0ub4dor&3")
    finally:
        findings.stop_sharing_keys()
        findings._stretched.cache_clear()


def test_a_torn_or_foreign_slot_of_the_shared_table_is_a_miss() -> None:
    """Workers write the table without locks: a slot whose key does not match its check
    (read mid-write, or two writers' halves) is never taken; a full neighbourhood of slots
    just stops sharing."""
    from scanner.findings import DEFAULT_COST, SharedKeys

    table = SharedKeys(slots=8)
    tag = table.tag(b"password", b"salt", DEFAULT_COST)
    assert table.get(tag) is None
    table.put(tag, b"k" * 32)
    assert table.get(tag) == b"k" * 32
    offset = table._offsets(tag)[0]
    table._table[offset + 20] ^= 0xFF  # one byte of the key changes under the reader
    assert table.get(tag) is None
    for i in range(20):  # more secrets than slots: the rest are simply not shared
        other = table.tag(b"p%d" % i, b"salt", DEFAULT_COST)
        table.put(other, bytes([i]) * 32)
        assert table.get(other) in (bytes([i]) * 32, None)
    table.close()
    assert table.get(tag) is None  # a closed table (the scan is over) answers nothing
    table.put(tag, b"k" * 32)
