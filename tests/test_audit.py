"""`credscope audit` on a real Dask LocalCluster with two worker processes, over 33 real git
repositories: the same findings as `scan --history` one repository at a time (fingerprints,
configuration effects and baselines included, with the auditor's own config; history and
working tree, gitignored files included, each blob once), shared secrets
reported once with every place across unrelated repositories too, nothing lost to a killed
worker or a crashed driver, and re-runs that do only the work that changed (counted in blobs
analysed, not timed).

Dask's processes talk over loopback TCP, so these tests are `allow_loopback`: the test process
and (through a worker preload) every worker process may reach 127.0.0.1 and nothing else.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import psutil
import pytest

from scanner.audit.cluster import LOOPBACK, local_cluster
from scanner.audit.driver import Counts
from scanner.audit.identity import repo_scheme
from scanner.audit.repos import slug_of
from scanner.audit.run import STORE_NAME, AuditOptions, AuditOutcome, run_audit
from scanner.baseline import sha1_candidates
from scanner.config import Config, load_config
from scanner.findings import Fingerprinter
from scanner.pipeline import scan
from scanner.runner import run_scan
from scanner.sources.combined import HistoryAndTreeSource
from scanner.sources.select import SourceOptions
from tests import loopback
from tests.audit_org import BASELINE_SALT, CHECKOUT, add_commit, build_org, user_config
from tests.helpers import git, github_token, init_repo, stripe_key

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.allow_loopback

SHARD_BLOBS = 16  # small shards: the large repository is cut into many, as a big one would be


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The suite's per-test environment, for the module: a cluster started here outlives
    any one test, and its workers inherit what is set when they start."""
    base = tmp_path_factory.mktemp("audit")
    with pytest.MonkeyPatch.context() as mp:
        for var, value in {
            "CREDSCOPE_CACHE_DIR": str(base / "cache"), "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "Test Author",
            "GIT_AUTHOR_EMAIL": "author@example.invalid", "GIT_COMMITTER_NAME": "Test Author",
            "GIT_COMMITTER_EMAIL": "author@example.invalid",
        }.items():
            mp.setenv(var, value)
        mp.delenv("CREDSCOPE_FINGERPRINT_KEY", raising=False)
        mp.setenv("CREDSCOPE_USER_CONFIG", str(user_config(base)))
        loopback.install(mp.setattr)
        yield base


@pytest.fixture(autouse=True)
def auditor_config(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The auditor's own config for every test here (conftest clears it for each test)."""
    monkeypatch.setenv("CREDSCOPE_USER_CONFIG", str(env / "user-config.toml"))


@pytest.fixture(scope="module")
def org(env: Path) -> Path:
    """The organisation, and its REPOS file."""
    lines = build_org(env)
    (env / "repos.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return env / "repos.txt"


def start_cluster() -> Any:
    """Two worker processes, each holding itself to loopback (tests/loopback.py)."""
    with dask.config.set({"distributed.worker.preload": ["tests.loopback"]}):
        return local_cluster(workers=2)


@pytest.fixture(scope="module")
def client(env: Path) -> Iterator[Any]:
    with start_cluster() as cluster, distributed.Client(cluster) as dask_client:
        yield dask_client


def audit(org: Path, out: Path, client: Any, on_shard: Any = None, **options: Any
          ) -> AuditOutcome:
    settings = AuditOptions(repos=org, out=out, progress=False, shard_blobs=SHARD_BLOBS,
                            **options)
    return run_audit(settings, client=client, on_shard=on_shard)


def _config(path: Path) -> Any:
    root = path if path.is_dir() else path.parent
    return load_config(root).with_overrides(root=path, progress=False, jobs=1)


HISTORY = SourceOptions(history=True)  # what `scan --history` reads


def scan_one(path: Path, out: Path, options: SourceOptions = HISTORY
             ) -> tuple[dict[str, Any], dict[str, Any]]:
    """What `credscope scan --history PATH --format json` and `--format sarif` write."""
    out.mkdir(parents=True, exist_ok=True)
    run_scan(_config(path), options, [("json", out / "scan.json"), ("sarif", out / "scan.sarif")])
    return _report(out / "scan.json"), _report(out / "scan.sarif")


Place = tuple[str, str, int, str | None]  # repository, path, line, commit (None: on disk)


def secrets_in(name: str, path: Path) -> dict[tuple[str, str], set[Place]]:
    """Where `scan --history` finds each (rule, secret) of a repository active: the secret
    itself, which no report holds, is what tells the same credential in two repositories."""
    config = _config(path)
    found: dict[tuple[str, str], set[Place]] = {}
    for finding in scan(config, HistoryAndTreeSource(config)).findings:
        for loc in finding.occurrences:
            found.setdefault((finding.rule_id, finding.secret), set()).add(
                (name, loc.path, loc.line, loc.commit.sha if loc.commit else None))
    return found


def _sha(place: dict[str, Any]) -> str | None:
    return place["commit"]["sha"] if place["commit"] else None


def _report(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    doc.get("scan", {}).pop("seconds", None)  # the only field that may differ: time taken
    return doc


def audited(out: Path, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    base = out / "repositories" / slug_of(name)
    return _report(base.with_suffix(".json")), _report(base.with_suffix(".sarif"))


@pytest.fixture(scope="module")
def one_by_one(org: Path, env: Path) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Each repository scanned on its own (the mirror of a URL stands for the URL)."""
    found = {}
    for i, (name, location) in enumerate(_names(org)):
        if Path(location).exists():
            found[name] = scan_one(Path(location), env / "scans" / str(i))
    return found


def _names(org: Path) -> list[tuple[str, str]]:
    from scanner.audit.repos import read_locations, repositories

    repos = repositories(read_locations(org), org.parent / "out" / "mirrors")
    return [(r.name, str(r.path)) for r in repos]


def assert_same_as_scans(out: Path, scans: dict[str, Any], outcome: AuditOutcome) -> None:
    scanned = [r for r in outcome.repos if r.status != "failed"]
    assert len(scanned) == 33
    for repo in scanned:
        assert audited(out, repo.name) == scans[repo.name], repo.name


@pytest.fixture(scope="module")
def first_run(org: Path, env: Path, client: Any,
              one_by_one: dict[str, Any]) -> AuditOutcome:
    return audit(org, env / "out", client)


@pytest.fixture(scope="module")
def secrets(first_run: AuditOutcome, org: Path) -> dict[tuple[str, str], set[Place]]:
    """Every active (rule, secret) of the organisation and its places, from scans one by
    one (after the audit, which mirrored the URL)."""
    found: dict[tuple[str, str], set[Place]] = {}
    for name, location in _names(org):
        if Path(location).exists():
            for key, places in secrets_in(name, Path(location)).items():
                found.setdefault(key, set()).update(places)
    return found


def test_audit_equals_scan_history_one_by_one(first_run: AuditOutcome, env: Path,
                                              one_by_one: dict[str, Any]) -> None:
    out = env / "out"
    # The URL's mirror was made by the audit; scan it as the user would have.
    url_name = next(r.name for r in first_run.repos if r.name.startswith("file://"))
    mirror = next(p for n, p in _names(env / "repos.txt") if n == url_name)
    one_by_one[url_name] = scan_one(Path(mirror), env / "scans" / "url")
    assert_same_as_scans(out, one_by_one, first_run)
    failed = [r for r in first_run.repos if r.status == "failed"]
    assert [(r.name.rsplit("/", 1)[-1], r.error) for r in failed] == [
        ("missing-repository", "path does not exist")]
    assert first_run.exit_code == 2  # one repository could not be audited


def _repo_report(out: Path, outcome: AuditOutcome, base: str) -> dict[str, Any]:
    name = next(r.name for r in outcome.repos if r.name.endswith(f"/{base}"))
    return audited(out, name)[0]


def test_fingerprints_are_each_repositorys_own(first_run: AuditOutcome, env: Path) -> None:
    """Equal to the scans (above), and so: under a version 2 baseline's own salt, else the
    repository's root commit's (a fork's are its upstream's, an unrelated repository's are
    not), and every kind of baseline entry matched."""
    out = env / "out"
    baselined = _repo_report(out, first_run, "baselined")
    accepted = next(f for f in baselined["suppressed"] if f["suppression"]["reason"] == "test")
    own = Fingerprinter(BASELINE_SALT)
    assert accepted["fingerprint"] == own.fingerprint("github.classic-pat",
                                                      github_token(seed="accepted"), quick=True)
    assert {f["suppression"]["reason"] for f in baselined["suppressed"]} == {
        "test", "accepted in the baseline (detect-secrets)"}  # fingerprint, sha1 of a prefix
    assert len(baselined["staleBaseline"]) == 1
    legacy = _repo_report(out, first_run, "baselined-v1")
    assert {f["suppression"]["reason"] for f in legacy["suppressed"]} == {
        "v1", "accepted in the baseline (detect-secrets)"}  # v1 fingerprint, full sha1
    prints = {base: {f["ruleId"]: f["fingerprint"] for f in
                     _repo_report(out, first_run, base)["findings"]}
              for base in ("upstream0", "fork5", "vendor-same-path")}
    assert prints["upstream0"]["github.classic-pat"] == prints["fork5"]["github.classic-pat"]
    assert prints["upstream0"]["github.classic-pat"] != \
        prints["vendor-same-path"]["github.classic-pat"]


def test_repository_config_is_held_to_the_trust_boundary(first_run: AuditOutcome,
                                                         env: Path) -> None:
    """As `scan` without --trust-repo-config: the auditor's own config applies (a value
    allowlist, a smaller max-file-size); a repository's config may narrow only in ways its
    reports show, and its plugin never runs, on the driver or on any worker."""
    out = env / "out"
    untrusted = _repo_report(out, first_run, "untrusted")
    effects = {(e["setting"], e["value"]): (e["applied"], e["detail"])
               for e in untrusted["configuration"]}
    assert {key for key, (applied, _) in effects.items() if not applied} == {
        ("exclude", "**"), ("allowlist-values", ".*"), ("rules-dirs", "rules"),
        ("detect-secrets-plugins", "plugin.py"), ("fail-on", "never")}
    # docs/notes.md in the history, and the docs/ directory on disk (the tree is read too)
    assert effects[("exclude", "docs/**")] == (True, "excluded 1 file and 1 directory")
    assert untrusted["summary"]["failing"] == 1  # its fail-on = never was refused
    assert not (env / "plugin-ran").exists()
    configured = _repo_report(out, first_run, "configured")
    assert [(e["setting"], e["applied"]) for e in configured["configuration"]] == [
        ("exclude", True), ("max-file-size", False)]
    # the user's 1 KiB: big.txt in the history, and on disk (too large to hash: read neither)
    assert configured["summary"]["skippedByKind"] == {"too-large": 2}
    binary = _repo_report(out, first_run, "binary")
    assert [f["suppression"]["kind"] for f in binary["suppressed"]] == ["allowlist"]


def test_shared_credentials_are_reported_once_with_every_place(
        first_run: AuditOutcome, env: Path, one_by_one: dict[str, Any],
        secrets: dict[tuple[str, str], set[Place]]) -> None:
    """One credential per secret, with every place in every repository, whatever each
    repository's own fingerprint for it; each place names that fingerprint."""
    doc = json.loads((env / "out" / "organisation.json").read_text(encoding="utf-8"))
    fingerprint_at: dict[Place, str] = {}
    for name, (report, _) in one_by_one.items():
        for finding in report["findings"]:
            for loc in finding["locations"]:
                fingerprint_at[(name, loc["path"], loc["line"], _sha(loc))] = \
                    finding["fingerprint"]
    creds = doc["credentials"]
    assert len(creds) == len({c["identity"] for c in creds}) == len(secrets)
    grouped = []
    for cred in creds:
        places = [(p["repository"], p["path"], p["line"], _sha(p)) for p in cred["places"]]
        assert len(places) == len(set(places))
        grouped.append(frozenset(places))
        assert cred["repositories"] == sorted({p[0] for p in places})
        assert all(p["fingerprint"] == fingerprint_at[place]
                   for p, place in zip(cred["places"], places, strict=True))
    assert sorted(grouped, key=sorted) == sorted(map(frozenset, secrets.values()), key=sorted)
    shared = {c["identity"]: c for c in creds if len(c["repositories"]) > 1}
    assert set(doc["shared"]) == set(shared)
    everywhere = next(c for c in shared.values()
                      if any(p["path"] == "ops/prod.env" for p in c["places"]))
    assert {r.rsplit("/", 1)[-1] for r in everywhere["repositories"]} >= {
        "upstream0", "fork0", "fork5", "fork10", "vendor-shared"}
    # Unrelated repositories (other root commits): other fingerprints, one credential.
    assert len({p["fingerprint"] for p in everywhere["places"]}) == 2
    [accepted] = everywhere["suppressedPlaces"]  # allowed by a pragma there: still a place
    assert accepted["repository"].endswith("/pragma") and accepted["path"] == "shared.py"
    assert accepted["suppression"]["kind"] == "pragma"
    ranks = [(-{"error": 3, "warning": 2, "note": 1}[c["severity"]], -c["securitySeverity"])
             for c in creds]
    assert ranks == sorted(ranks)  # most dangerous first


def test_forks_share_the_work(first_run: AuditOutcome, env: Path,
                              one_by_one: dict[str, Any]) -> None:
    """A blob held by several repositories is read and matched once per (blob, path) at
    most: every blob a fork, a bare clone or a mirror shares with its upstream is work saved
    against scanning each repository on its own. Only a place with findings is analysed
    again, once per other fingerprint salt that needs it (a vendored copy in an unrelated
    repository); one without findings is stored once for all."""
    files = {name: report["scan"]["files"] for name, (report, _) in one_by_one.items()}
    by_base = {name.rsplit("/", 1)[-1]: files[name] for name in files if "://" not in name}
    upstream_of = [f"upstream{n % 5}" for n in range(12)]  # the forks
    upstream_of += ["upstream1", "upstream3"]  # the bare clone, the file:// URL's mirror
    saved = sum(by_base[upstream] for upstream in upstream_of)
    with sqlite3.connect(env / "out" / STORE_NAME) as db:
        rows = [(blob, os.fsdecode(path), scheme, outcome) for blob, path, scheme, outcome
                in db.execute("SELECT blob, path, scheme, outcome FROM places")]
    places = {(blob, path) for blob, path, _, _ in rows}
    outcomes = {(blob, path, scheme): pickle.loads(data) for blob, path, scheme, data in rows}
    assert first_run.counts.blobs <= len(rows)
    assert first_run.counts.blobs <= sum(files.values()) - saved
    unread = {blob for (blob, _, _), o in outcomes.items() if o.skipped is not None}
    assert first_run.counts.blobs >= len({blob for blob, _ in places} - unread)
    for (_, path, scheme), outcome in outcomes.items():
        assert (scheme == "") == (not outcome.findings), path
    schemes: dict[tuple[str, str], set[str]] = {}
    for blob, path, scheme, _ in rows:
        schemes.setdefault((blob, path), set()).add(scheme)
    # The settings file of upstream0 and its forks, vendored at the same path in an unrelated
    # repository: analysed under both salts. A third repository holds the same blob at another
    # path; depending on which shard reads the blob first, the place may be judged under its
    # salt too (one analysis more, stored under its own scheme, never served to another).
    vendored = [place for place in places if place[1] == "app/settings.py"
                and len(schemes[place]) >= 2]
    assert len(vendored) == 1
    key = {name: repo_scheme(Config(root=env / "org" / name)).key
           for name in ("upstream0", "vendor-same-path", "vendor-other-path")}
    assert {key["upstream0"], key["vendor-same-path"]} <= schemes[vendored[0]] <= set(key.values())


def test_the_store_holds_no_secret_nor_a_fast_hash_of_one(
        first_run: AuditOutcome, env: Path, secrets: dict[tuple[str, str], set[Place]]) -> None:
    stored = b"".join(path.read_bytes() for path in (env / "out").glob(f"{STORE_NAME}*"))
    assert secrets
    for _, secret in secrets:
        assert secret.encode() not in stored
        assert not any(digest.encode() in stored for digest in sha1_candidates(secret))


def test_html_report_is_self_contained_and_escaped(first_run: AuditOutcome, env: Path) -> None:
    page = (env / "out" / "organisation.html").read_text(encoding="utf-8")
    assert "evil&lt;b&gt;name&lt;/b&gt;" in page and "evil<b>" not in page
    assert "<script" not in page and "<link" not in page and 'src="' not in page
    assert "default-src 'none'" in page
    assert page.index('data-testid="credentials"') < page.index('data-testid="shared"')
    assert "not audited: path does not exist" in page
    assert "too-large" in page and "binary" in page
    assert github_token(seed="shared-everywhere") not in page  # redacted, always


def test_the_working_tree_is_read_beside_the_history(first_run: AuditOutcome, env: Path,
                                                    org: Path) -> None:
    """As `scan --history` reads it (the reports are equal, above): a file not committed and
    a gitignored .env are new blobs read from disk, commit-less; a file whose content is a
    committed blob is that blob, read once; a deleted file's secret that sits on disk in a
    gitignored backup is ignored-but-present, not history-only. A gitignored file's place
    is judged under an analysis of its own; the bare clone has no tree to read."""
    out = env / "out"
    report = _repo_report(out, first_run, CHECKOUT)
    at = {loc["path"]: (f, loc) for f in report["findings"] for loc in f["locations"]}
    checkout = org.parent / "org" / CHECKOUT
    for path, ignored in (("notes/todo.py", False), (".env", True)):
        finding, loc = at[path]
        assert loc["commit"] is None and finding["ignoredButPresent"] is ignored
        assert loc["blobId"] == git(checkout, "hash-object", path).strip()
        assert not finding["historyOnly"]
    deleted, loc = at["tests/test_client.py"]  # its backup, tests/test_client.py.bak, on disk
    assert loc["commit"] is not None and len(deleted["locations"]) == 1
    assert deleted["ignoredButPresent"] and not deleted["historyOnly"]
    assert at["app/settings.py"][0]["locations"] == [at["app/settings.py"][1]]  # not backup/
    assert not {"backup/settings.py", "tests/test_client.py.bak"} & set(at)
    assert "6 working-tree file(s) hold the same content as a history blob" in \
        report["notes"][0]
    with sqlite3.connect(out / STORE_NAME) as db:
        analyses = {(blob, os.fsdecode(path)): analysis for analysis, blob, path
                    in db.execute("SELECT analysis, blob, path FROM places")}
    assert not {"backup/settings.py", "tests/test_client.py.bak"} & {p for _, p in analyses}
    place = {path: (at[path][1]["blobId"], path) for path in ("notes/todo.py", ".env")}
    assert analyses[place["notes/todo.py"]] != analyses[place[".env"]]
    assert analyses[place["notes/todo.py"]] == analyses[(at["app/settings.py"][1]["blobId"],
                                                         "app/settings.py")]
    bare = _repo_report(out, first_run, "mirror-bare.git")
    assert "bare repository: there is no working tree to scan beside the history" in \
        bare["notes"]


def test_history_only_reads_the_history_alone(org: Path, env: Path, client: Any) -> None:
    """--history-only, as `scan --history-only`: the working tree is not read. Its places are
    a full audit's: auditing the tree afterwards reads only the tree's new blobs."""
    checkout = org.parent / "org" / CHECKOUT
    listing = env / "checkout.txt"
    listing.write_text(f"{checkout}\n", encoding="utf-8")
    out = env / "history-only"
    alone = audit(listing, out, client, history_only=True)
    assert alone.counts.planned == 1
    assert audited(out, str(checkout)) == scan_one(checkout, env / "scans" / "history-only",
                                                   SourceOptions(history_only=True))
    full = audit(listing, out, client)
    assert full.counts.planned == 1  # another state: the tree is read now
    assert full.counts.blobs == 3  # notes/todo.py, .env and the edited README.md
    assert audited(out, str(checkout)) == scan_one(checkout, env / "scans" / "full")


def test_reruns_do_only_the_work_that_changed(first_run: AuditOutcome, org: Path, env: Path,
                                              client: Any) -> None:
    out = env / "out"
    before = {p.name: p.read_bytes() for p in (out / "repositories").iterdir()}
    credentials = _credentials(out)
    again = audit(org, out, client)
    assert (again.counts.planned, again.counts.blobs, again.counts.shards) == (0, 0, 0)
    assert {r.status for r in again.repos} == {"unchanged", "failed"}
    assert {p.name: p.read_bytes() for p in (out / "repositories").iterdir()} == before
    assert _credentials(out) == credentials  # the audit's salt is the store's: the same ids

    changed = org.parent / "org" / "fork7"
    add_commit(changed, "new/.env", f"TOKEN={github_token(seed='new-secret')}\n")
    third = audit(org, out, client)
    assert third.counts.planned == 1 and third.counts.blobs == 1  # the one new blob
    assert [r.name for r in third.repos if r.status == "scanned"] == [str(changed)]
    report = audited(out, str(changed))
    assert report == scan_one(changed, env / "scans" / "changed")
    old = json.loads(before[f"{slug_of(str(changed))}.json"])
    assert report[0]["summary"]["findings"] == old["summary"]["findings"] + 1

    # The working tree: an edited file is one new blob; a file touched but not changed is
    # read again by the driver (its stat changed) and found the same: nothing to audit.
    checkout = org.parent / "org" / CHECKOUT
    (checkout / ".env").write_text(f"STRIPE_SECRET_KEY={stripe_key(seed='edited')}\n",
                                   encoding="utf-8")
    os.utime(org.parent / "org" / "upstream0" / "README.md")
    fourth = audit(org, out, client)
    assert fourth.counts.planned == 1 and fourth.counts.blobs == 1  # the edited .env
    assert [r.name for r in fourth.repos if r.status == "scanned"] == [str(checkout)]
    assert audited(out, str(checkout)) == scan_one(checkout, env / "scans" / "edited")


def _credentials(out: Path) -> list[tuple[str, list[Any]]]:
    doc = json.loads((out / "organisation.json").read_text(encoding="utf-8"))
    return [(c["identity"], c["places"]) for c in doc["credentials"]]


def test_crashed_driver_resumes_without_losing_or_duplicating(
        org: Path, env: Path, client: Any, one_by_one: dict[str, Any]) -> None:
    out = env / "crash"

    def crash(counts: Counts) -> None:
        if counts.shards == 3:
            raise KeyboardInterrupt  # the driver dies with three shards stored

    with pytest.raises(KeyboardInterrupt):
        audit(org, out, client, on_shard=crash)
    with sqlite3.connect(out / STORE_NAME) as db:
        stored = db.execute("SELECT count(*) FROM places").fetchone()[0]
    assert stored > 0
    resumed = audit(org, out, client, open_repositories=3)  # and a narrow window of walks
    with sqlite3.connect(out / STORE_NAME) as db:
        total = db.execute("SELECT count(*) FROM places").fetchone()[0]
    assert resumed.counts.reused >= stored  # what was stored is not analysed again
    assert resumed.counts.blobs <= total - stored
    _same_as_scans_where_unchanged(out, one_by_one, resumed)


def _same_as_scans_where_unchanged(out: Path, scans: dict[str, Any],
                                   outcome: AuditOutcome) -> None:
    for repo in outcome.repos:
        # fork7 and the checkout changed in the re-run test; a URL's mirror is per output
        # directory
        if repo.name in scans and not repo.name.endswith(("fork7", CHECKOUT)) \
                and "://" not in repo.name:
            assert audited(out, repo.name) == scans[repo.name], repo.name


def test_a_worker_killed_mid_run_loses_nothing(org: Path, env: Path,
                                               one_by_one: dict[str, Any]) -> None:
    out = env / "killed"
    killed: list[int] = []
    with start_cluster() as cluster, distributed.Client(cluster) as own:

        def kill_a_busy_worker(counts: Counts) -> None:
            if killed:
                return
            busy = {addr: keys for addr, keys in own.processing().items() if keys}
            pids = own.run(os.getpid)
            addr = max(busy, key=lambda a: len(busy[a])) if busy else next(iter(pids))
            os.kill(pids[addr], signal.SIGKILL)  # a real worker process, mid-shard
            killed.append(pids[addr])

        outcome = audit(org, out, own, on_shard=kill_a_busy_worker)
        assert killed and killed[0] not in own.run(os.getpid).values()
    _same_as_scans_where_unchanged(out, one_by_one, outcome)
    assert len([r for r in outcome.repos if r.status == "scanned"]) == 33


def test_local_cluster_listens_on_loopback_only(client: Any) -> None:
    me = psutil.Process()
    listening = [c.laddr.ip for p in (me, *me.children(recursive=True))
                 for c in p.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    assert listening and set(listening) == {LOOPBACK}

    def reach_out() -> str:
        try:
            socket.create_connection(("192.0.2.1", 80), timeout=1)
        except loopback.NetworkBlocked as err:
            return str(err)
        return "connected"

    assert all("only loopback" in r for r in client.run(reach_out).values())


def test_audit_on_an_existing_scheduler(env: Path, tmp_path: Path) -> None:
    """`--scheduler tcp://...`: a plain `dask scheduler` and `dask worker` (the documented
    example), on loopback, the worker held to loopback by the same preload."""
    from typer.testing import CliRunner

    from scanner.cli import app

    repo = init_repo(tmp_path / "svc")
    add_commit(repo, "deploy/prod/.env", f"TOKEN={github_token(seed='scheduler')}\n")
    (tmp_path / "repos.txt").write_text("svc\n", encoding="utf-8")
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port = probe.getsockname()[1]
    address = f"tcp://{LOOPBACK}:{port}"
    dask_cli = str(Path(sys.executable).parent / "dask")
    child_env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": child_env}
    started = [subprocess.Popen([dask_cli, "scheduler", "--host", LOOPBACK, "--port", str(port),
                                 "--no-dashboard", "--dashboard-address", f"{LOOPBACK}:0"],
                                **quiet)]
    try:
        started.append(subprocess.Popen(
            [dask_cli, "worker", address, "--host", LOOPBACK, "--nworkers", "1", "--nthreads",
             "1", "--no-dashboard", "--preload", "tests.loopback"], **quiet))
        with distributed.Client(address, timeout="60s") as probe_client:
            probe_client.wait_for_workers(1, timeout=60)
        out = tmp_path / "out"
        result = CliRunner().invoke(app, ["audit", str(tmp_path / "repos.txt"), "--out",
                                          str(out), "--scheduler", address, "--no-progress"])
        assert result.exit_code == 1, result.output  # a production token: an error finding
        assert audited(out, str(repo)) == scan_one(repo, tmp_path / "scan")
    finally:
        for proc in reversed(started):
            proc.terminate()
            proc.wait(timeout=30)
