"""`credscope audit`: the whole flow, in the order it happens.

REPOS -> repositories (URLs mirrored) -> each one's config, git state and working tree's state
-> unchanged since the store's last run? reuse its result : its fingerprint scheme, then plan
and analyse it on Dask (driver.Driver) -> per-repository JSON and SARIF (the `scan`
reporters) -> organisation JSON and HTML.

Each repository is read as `scan --history` reads it: its history and its working tree
(gitignored files included), each blob once; with --history-only, its history alone.

Each repository's config is loaded as `scan` loads it without --trust-repo-config: the
user's own config (config.user_config_path), then the repository's within the trust boundary
(scanner/trust.py); what it narrowed or was refused is in its reports.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scanner.audit import report
from scanner.audit.assemble import Assembled
from scanner.audit.driver import OPEN_REPOSITORIES, Counts, Driver, RepoRun
from scanner.audit.identity import RepoScheme, repo_scheme
from scanner.audit.keys import repository_key, rules_digest
from scanner.audit.org import RepoReport
from scanner.audit.progress import AuditProgress
from scanner.audit.repos import (
    Repository,
    read_locations,
    refresh_mirror,
    repositories,
    repository_state,
    slug_of,
)
from scanner.audit.store import Store
from scanner.audit.tree import tree_state
from scanner.config import Config, load_config
from scanner.errors import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, ConfigError, ScannerError
from scanner.model import Severity

STORE_NAME = "audit.sqlite"
SHARD_BLOBS = 256  # a few seconds of one worker's time: small enough to balance and to lose
_GIT_THREADS = 8  # git calls to prepare repositories (refresh, state) run side by side


@dataclass(frozen=True)
class AuditOptions:
    repos: Path
    out: Path
    scheduler: str = "local"
    workers: int = 0  # LocalCluster worker processes (0: one per core)
    cache: Path | None = None  # mirrors of URLs (default OUT/mirrors)
    fail_on: Severity | None = None
    progress: bool = True
    shard_blobs: int = SHARD_BLOBS
    open_repositories: int = OPEN_REPOSITORIES  # walked and not yet done, at most
    history_only: bool = False  # as scan --history-only: not the working trees


@dataclass
class AuditOutcome:
    exit_code: int
    repos: list[RepoReport]
    counts: Counts = field(default_factory=Counts)


def run_audit(options: AuditOptions, client: Any = None,
              on_shard: Callable[[Counts], None] | None = None) -> AuditOutcome:
    rules_digest.cache_clear()  # rule files are read afresh for each audit
    locations = read_locations(options.repos)
    if not locations:
        raise ConfigError("no repositories listed", path=str(options.repos))
    repos = repositories(locations, options.cache or options.out / "mirrors")
    store = Store(options.out / STORE_NAME)
    progress = AuditProgress(len(repos), enabled=options.progress)
    reports: dict[str, RepoReport] = {}
    try:
        runs = _prepare(repos, options, store, reports, progress)
        counts = Counts()
        if runs:
            counts = _analyse(runs, options, store, reports, progress, client, on_shard)
    finally:
        progress.close()
        store.close()
    ordered = [reports[r.name] for r in repos]
    report.write_organisation(options.out, ordered, counts, options.scheduler)
    return AuditOutcome(_exit_code(ordered), ordered, counts)


def _prepare(repos: list[Repository], options: AuditOptions, store: Store,
             reports: dict[str, RepoReport], progress: AuditProgress) -> list[RepoRun]:
    """Refresh mirrors and read each repository's config and state (git calls, side by
    side); reuse what the store has for the unchanged ones."""
    with ThreadPoolExecutor(_GIT_THREADS) as pool:
        prepared = list(pool.map(lambda r: _state(r, options, store), repos))
        changed: list[tuple[Repository, Config, str]] = []
        for repo, state in zip(repos, prepared, strict=True):
            if isinstance(state, str):
                _failed(repo, state, reports, progress)
                continue
            config, key = state
            stored = store.repository(repo.name)
            if stored is not None and stored[0] == key:
                _, result, identities = stored
                reports[repo.name] = RepoReport(repo.name, repo.slug, "unchanged", result,
                                                identities=identities)
                report.write_repository(options.out, repo.slug, result, config,
                                        missing_only=True)
                progress.repository_done()
            else:
                changed.append((repo, config, key))
        # Only a repository to analyse needs its scheme (finding its root commit asks git).
        schemes = list(pool.map(lambda item: _scheme(item[1]), changed))
    runs = []
    for (repo, config, key), scheme in zip(changed, schemes, strict=True):
        if isinstance(scheme, str):
            _failed(repo, scheme, reports, progress)
        else:
            runs.append(RepoRun(repo.name, config, key, scheme, store.audit_salt,
                                options.history_only))
    return runs


def _failed(repo: Repository, error: str, reports: dict[str, RepoReport],
            progress: AuditProgress) -> None:
    reports[repo.name] = RepoReport(repo.name, repo.slug, "failed", error=error)
    print(f"credscope: audit: {repo.name}: {error}", file=sys.stderr)
    progress.repository_done()


def _scheme(config: Config) -> RepoScheme | str:
    """The repository's fingerprint scheme, or why `scan` would stop (its baseline)."""
    try:
        return repo_scheme(config)
    except ScannerError as err:
        return err.message


def _state(repo: Repository, options: AuditOptions, store: Store) -> tuple[Config, str] | str:
    try:
        if repo.url is not None:
            refresh_mirror(repo)
        if not repo.path.exists():
            return "path does not exist"
        root = repo.path if repo.path.is_dir() else repo.path.parent
        config = load_config(root).with_overrides(root=repo.path, progress=False, jobs=1,
                                                  fail_on=options.fail_on)
        reading = "history-only" if options.history_only else _tree(repo, config, store)
        return config, repository_key(config, repository_state(repo.path), reading)
    except ScannerError as err:
        return err.message


def _tree(repo: Repository, config: Config, store: Store) -> str:
    """The working tree's part of the repository's state (tree.py); its files' stats and ids
    are kept so that the next run reads only the files whose stat changed."""
    digest, snapshot = tree_state(config, store.tree(repo.name))
    if snapshot is not None:
        store.put_tree(repo.name, snapshot)
    return digest


def _analyse(runs: list[RepoRun], options: AuditOptions, store: Store,
             reports: dict[str, RepoReport], progress: AuditProgress, client: Any,
             on_shard: Callable[[Counts], None] | None) -> Counts:
    def done(run: RepoRun, finished: tuple[Assembled, dict[str, str]] | None,
             error: str | None) -> None:
        slug = slug_of(run.name)
        if finished is None:
            reports[run.name] = RepoReport(run.name, slug, "failed", error=error)
            print(f"credscope: audit: {run.name}: {error}", file=sys.stderr)
        else:
            assembled, texts = finished
            report.write_texts(report.report_paths(options.out, slug), texts)
            if not run.unstored:  # else a file changed under the audit: audit it again
                store.put_repository(run.name, run.key, assembled.result, assembled.identities,
                                     datetime.now(timezone.utc).isoformat(timespec="seconds"))
            reports[run.name] = RepoReport(run.name, slug, "scanned", assembled.result,
                                           identities=assembled.identities)
        progress.repository_done()

    def shard_done(counts: Counts) -> None:
        progress.analysed(counts.blobs, counts.bytes)
        if on_shard is not None:
            on_shard(counts)

    def drive(dask_client: Any) -> Counts:
        driver = Driver(dask_client, store, options.shard_blobs, done, shard_done,
                        options.open_repositories)
        driver.run(runs)
        return driver.counts

    if client is not None:
        return drive(client)
    from scanner.audit.cluster import connect  # noqa: PLC0415 - Dask loads only to analyse

    with connect(options.scheduler, options.workers) as own:
        return drive(own)


def _exit_code(repos: list[RepoReport]) -> int:
    """2 when a repository could not be audited (the audit is incomplete), else 1 when any
    has findings at or above its fail-on, else 0."""
    if any(r.status == "failed" for r in repos):
        return EXIT_USAGE
    if any(r.result is not None and r.result.exit_code for r in repos):
        return EXIT_FINDINGS
    return EXIT_CLEAN
