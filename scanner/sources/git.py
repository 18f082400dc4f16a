"""All git access lives here: one environment, `-z` output, nothing a repository can run.

A hostile repository may set `core.fsmonitor`, hooks or filters in its config; every call
overrides those, clears inherited `GIT_*` variables and never goes through a shell.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import subprocess
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, TypeVar

from scanner.errors import SourceError
from scanner.model import Commit, pickled_by_fields

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

# Overrides that stop a repository's own config from running programs during our reads.
SAFE_CONFIG = (
    "-c", "core.fsmonitor=false",
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.untrackedCache=false",
    "-c", "diff.external=",
    "-c", "core.pager=cat",
    "-c", "protocol.allow=never",
)


def git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_OPTIONAL_LOCKS": "0",
        "LC_ALL": "C",
    })
    return env


def git_command(args: Sequence[str]) -> list[str]:
    return ["git", *SAFE_CONFIG, *args]


def run_git(args: Sequence[str], cwd: Path, *, check: bool = True,
            input: bytes | None = None) -> bytes:
    try:
        proc = subprocess.run(
            git_command(args), cwd=cwd, env=git_env(), capture_output=True, check=False,
            input=input, stdin=subprocess.DEVNULL if input is None else None,
        )
    except FileNotFoundError:
        raise SourceError("git is not installed or not on PATH") from None
    if check and proc.returncode != 0:
        raise git_failure(args[0], proc.stderr.decode("utf-8", "replace"), proc.returncode,
                          cwd)
    return proc.stdout


_DAMAGE = ("corrupt", "bad object", "loose object", "inflate", "unable to read",
           "missing blob", "missing tree", "invalid object", "bad packed object")


class RepositoryDamaged(SourceError):
    """git cannot read the repository's objects: exit 2 (input error), with git's words."""


def git_failure(command: str, stderr: str, code: int, cwd: Path) -> SourceError:
    """The error for a git command that failed: a damaged repository says so."""
    lines = stderr.strip().splitlines()
    last = lines[-1].strip() if lines else str(code)
    if any(word in stderr.lower() for word in _DAMAGE):
        cause = next((ln.strip() for ln in lines if any(w in ln.lower() for w in _DAMAGE)),
                     last)
        return RepositoryDamaged(f"the repository is damaged, git {command} cannot read it: "
                                 f"{cause} (`git fsck` says more)", path=str(cwd))
    return SourceError(f"git {command} failed: {last}", path=str(cwd))


def split_z(output: bytes) -> list[str]:
    """Split `-z` output into paths; undecodable bytes survive as surrogate escapes."""
    return [os.fsdecode(p) for p in output.split(b"\0") if p]


class RepositoryRefused(SourceError):
    """git will not read a repository owned by another user (safe.directory): credscope
    does not override that protection, and says what it could not see."""


def repo_toplevel(path: Path) -> Path | None:
    """The work tree containing `path`, or None when it is not inside one. Raises
    RepositoryRefused when git refuses the repository as owned by someone else."""
    try:
        proc = subprocess.run(git_command(["rev-parse", "--show-toplevel"]), cwd=path,
                              env=git_env(), capture_output=True, check=False,
                              stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        return None
    except OSError:  # the directory vanished, or cannot be entered
        return None
    if proc.returncode != 0:
        if b"dubious ownership" in proc.stderr:
            raise RepositoryRefused(
                "git refuses this repository: it is owned by another user (see `git config "
                "--global --add safe.directory`, if you trust it)", path=str(path))
        return None
    text = os.fsdecode(proc.stdout.strip())
    return Path(text) if text else None


def origin_identity(directory: Path) -> str | None:
    """The origin remote as host/path, lower case, without user, port, scheme or `.git`:
    `git@github.com:Org/Repo.git` and `https://github.com/org/repo` are the same."""
    url = os.fsdecode(run_git(["config", "--get", "remote.origin.url"], directory,
                              check=False)).strip()
    if not url:
        return None
    if "://" not in url and ":" in url and not url.startswith("/"):
        host, _, rest = url.partition(":")  # scp-like: [user@]host:path
        url = f"ssh://{host}/{rest}"
    from urllib.parse import urlsplit  # noqa: PLC0415

    parts = urlsplit(url)
    path = parts.path.strip("/").removesuffix(".git").lower()
    host = (parts.hostname or "").lower()
    return f"origin:{host}/{path}" if host or path else None


def root_commit(directory: Path) -> str | None:
    """The first (in hash order) root commit reachable from HEAD: the same in every full
    clone and fork."""
    out = run_git(["rev-list", "--max-parents=0", "HEAD"], directory, check=False)
    roots = sorted(os.fsdecode(out).split())
    return f"root:{roots[0]}" if roots else None


def identity(directory: Path) -> str | None:
    """What every copy of the repository at `directory` shares: its root commit, or in a
    shallow clone (whose roots are only where the clone stopped) its origin; None outside a
    repository or in one without commits or origin."""
    shallow = run_git(["rev-parse", "--is-shallow-repository"], directory, check=False)
    if shallow.strip() == b"true":
        return origin_identity(directory)
    return root_commit(directory) or origin_identity(directory)


def ignored_paths(root: Path) -> tuple[frozenset[str], tuple[str, ...]]:
    """Gitignored files and wholly ignored directories under `root`, relative to it.

    Returned as (files, directory prefixes ending in "/"); one git call for the whole tree.
    """
    out = run_git(
        ["ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"], root
    )
    files: set[str] = set()
    dirs: list[str] = []
    for p in split_z(out):
        (dirs.append(p) if p.endswith("/") else files.add(p))
    return frozenset(files), tuple(dirs)


# --- history and index reads ----------------------------------------------------------------
# Everything below streams: one `git log` for (commit, path, blob id) and one persistent
# `git cat-file --batch` for contents, so memory stays bounded however large the history.

T = TypeVar("T")

# Author dates as Unix time, reported in UTC: ISO 8601 whose text order is time order.
LOG_FORMAT = "--format=commit %H%x00%an%x00%ae%x00%at"
# `--root` and `--no-relative` defeat `log.showRoot=false` and `diff.relative`; combined merge
# diffs list only what a merge itself introduced (conflict resolutions), not its branches.
DIFF_OPTIONS = (
    "-r", "--raw", "-z", "--no-abbrev", "--no-renames", "--root", "--no-relative", "-c",
    "--no-show-signature", "--no-textconv", "--no-ext-diff", "--no-color", LOG_FORMAT,
)
# Below this many commits a walk is one `diff-tree`; above, it is split between processes.
_PARALLEL_WALK_MIN = 4096
ZERO_MODE = b"000000"
GITLINK_MODE = b"160000"
CHUNK = 1 << 20
WINDOW = 256  # cat-file requests in flight: 256 ids (< 17 KiB) always fit a pipe buffer


@dataclass(frozen=True, slots=True)
class RepoInfo:
    """A repository found by GitPython, and the facts a history scan must report."""

    workdir: Path  # where git runs: the work tree, or the git directory of a bare repository
    bare: bool
    shallow: bool
    detached: bool
    head: str | None  # HEAD's commit id; None in an empty repository
    branches: int
    tags: int


@pickled_by_fields  # shards of changes travel to workers (the audit's)
@dataclass(frozen=True, slots=True)
class Change:
    """One path whose content a commit set (or added) to a blob."""

    commit: Commit
    mode: bytes
    oid: bytes  # hex, as git prints it
    raw_path: bytes

    @property
    def path(self) -> str:
        return os.fsdecode(self.raw_path)


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A blob git could not give us, or one we chose not to read (too large)."""

    kind: str  # "too-large" or "unreadable"
    reason: str


def open_repository(path: Path) -> RepoInfo:
    """Discover the repository containing `path` (GitPython: file reads only, no commands)."""
    import git as gitpython  # slow import: only history scans need it

    repo_toplevel(path if path.is_dir() else path.parent)  # raises if git refuses it
    try:
        repo = gitpython.Repo(path, search_parent_directories=True)
    except (gitpython.exc.InvalidGitRepositoryError, gitpython.exc.NoSuchPathError):
        raise SourceError("not a git repository (history scans need one)",
                          path=str(path)) from None
    git_dir = Path(repo.git_dir)
    workdir = git_dir if repo.bare else Path(str(repo.working_tree_dir))
    head = run_git(["rev-parse", "-q", "--verify", "HEAD^{commit}"], workdir, check=False)
    refs = [str(r.path) for r in repo.refs]
    return RepoInfo(
        workdir=workdir, bare=bool(repo.bare), shallow=(git_dir / "shallow").exists(),
        detached=bool(repo.head.is_detached), head=head.decode().strip() or None,
        branches=sum(r.startswith("refs/heads/") for r in refs),
        tags=sum(r.startswith("refs/tags/") for r in refs),
    )


def verify_range(workdir: Path, revs: str) -> None:
    """Fail early and clearly on a revision or range that does not resolve."""
    try:
        run_git(["rev-parse", "--end-of-options", revs], workdir)
    except SourceError:
        raise SourceError(f"unknown revision or range {revs!r} (is it fetched? CI clones are "
                          "often shallow)", path=str(workdir)) from None


def tree_blob_ids(workdir: Path, rev: str = "HEAD") -> frozenset[str]:
    """Every blob id in `rev`'s tree (history-only is judged against it)."""
    out = run_git(["ls-tree", "-r", "-z", "--full-tree", "--end-of-options", rev], workdir)
    ids = set()
    for entry in out.split(b"\0"):
        meta, _, _path = entry.partition(b"\t")
        fields = meta.split(b" ")
        if len(fields) == 3 and fields[1] == b"blob":
            ids.add(fields[2].decode())
    return frozenset(ids)


def log_changes(workdir: Path, revs: Sequence[str], parts: int = 1) -> Iterator[Change]:
    """Every (commit, path, blob) that commits in `revs` introduced, oldest commit first.

    `git rev-list --topo-order --reverse` orders the commits (under a second on 100,000),
    then `git diff-tree --stdin` lists what each introduced: the bulk of the walk's time (a
    tree diff per commit, six seconds on a long history), and each commit's diff depends on
    nothing else, so a large walk is cut into `parts` runs of commits, each diffed by its own
    git at once. The first run is read as git writes it; the others are written to
    temporary files meanwhile and read in order after it: the same changes, in the same order,
    as one `git log --reverse --topo-order --diff-merges=combined` gives, in less time."""
    commits = run_git(["rev-list", "--topo-order", "--reverse", *revs],
                      workdir).splitlines(keepends=True)
    if not commits:
        return
    parts = max(1, min(parts, len(commits) // _PARALLEL_WALK_MIN))
    size = -(-len(commits) // parts)
    with contextlib.ExitStack() as stack:
        runs = [stack.enter_context(_DiffRun(workdir, commits[i:i + size], to_file=i > 0))
                for i in range(0, len(commits), size)]
        del commits
        for run in runs:
            yield from run.changes()


class _DiffRun:
    """One `git diff-tree --stdin` over a run of commits, started on entering; its output
    is read from a pipe as git writes it, or (`to_file`) from a temporary file once git is
    done, so that it runs while an earlier run is read. Leaving kills a git still running."""

    def __init__(self, workdir: Path, commits: list[bytes], *, to_file: bool) -> None:
        self.workdir = workdir
        self.stack = contextlib.ExitStack()  # the temporary files, closed on leaving
        self.stdin = self._temporary()
        self.stdin.writelines(commits)
        self.stdin.seek(0)
        self.errors = self._temporary()
        self.output = self._temporary() if to_file else None
        self.args = ["diff-tree", "--stdin", *DIFF_OPTIONS]
        try:
            self.proc = _popen(self.args, workdir, stdin=self.stdin, stderr=self.errors,
                               stdout=subprocess.PIPE if self.output is None else self.output)
        except SourceError:
            self.stack.close()
            raise

    def _temporary(self) -> IO[bytes]:
        return self.stack.enter_context(tempfile.TemporaryFile())

    def __enter__(self) -> _DiffRun:
        return self

    def __exit__(self, *_: object) -> None:
        try:
            _finish(self.proc, kill=True)  # a git not done (the reader stopped early) is killed
        finally:
            self.stack.close()

    def changes(self) -> Iterator[Change]:
        if self.output is None:
            assert self.proc.stdout is not None
            yield from _parse_log(_tokens(self.proc.stdout))
        if self.proc.wait() != 0:
            self.errors.seek(0)
            raise git_failure(self.args[0], self.errors.read().decode("utf-8", "replace"),
                              self.proc.returncode, self.workdir)
        if self.output is not None:
            self.output.seek(0)
            yield from _parse_log(_tokens(self.output))


def stored_order(workdir: Path) -> Iterator[bytes]:
    """Every object id in the repository (reachable or not), in the order git stores them:
    pack order, where a delta's base precedes it and a file's versions sit together. Reading
    blobs in this order lets `cat-file` resolve each delta from the base it just inflated;
    in commit order it re-inflates whole delta chains (2.5x its time on a history of
    released versions). Raises SourceError if git cannot list them (a corrupt pack)."""
    yield from _streamed(["cat-file", "--batch-all-objects", "--unordered",
                          "--batch-check=%(objectname)"], workdir,
                         lambda out: (line.rstrip(b"\n") for line in out))


def _streamed(args: Sequence[str], workdir: Path,
              parse: Callable[[IO[bytes]], Iterator[T]]) -> Iterator[T]:
    """What `parse` reads from a git command's output while git still writes it. A reader
    stopped early kills its git; a git that fails raises SourceError with its last word."""
    with tempfile.TemporaryFile() as errors:
        proc = _popen(args, workdir, stdin=subprocess.DEVNULL, stderr=errors)
        complete = False
        try:
            assert proc.stdout is not None
            yield from parse(proc.stdout)
            complete = True
        finally:
            _finish(proc, kill=not complete)
        if proc.returncode != 0:
            errors.seek(0)
            raise git_failure(args[0], errors.read().decode("utf-8", "replace"),
                              proc.returncode, workdir)


def index_changes(workdir: Path, against_head: bool) -> Iterator[tuple[bytes, bytes, bytes]]:
    """(mode, blob id, path) of what the next commit would write: index entries that differ
    from HEAD (`diff-index --cached`), or every entry before the first commit. Deletions and
    unmerged entries have no blob and are left out."""
    if against_head:
        out = run_git(["diff-index", "--cached", "--raw", "-z", "--no-abbrev", "--no-renames",
                       "--no-relative", "HEAD"], workdir)
        tokens = iter(out.split(b"\0"))
        for meta in tokens:
            if meta.startswith(b":"):
                fields = meta[1:].split(b" ")
                path = next(tokens, b"")
                if fields[1] != ZERO_MODE and set(fields[3]) != {ord("0")}:
                    yield fields[1], fields[3], path
        return
    out = run_git(["ls-files", "-s", "-z"], workdir)
    for entry in out.split(b"\0"):
        meta, _, path = entry.partition(b"\t")
        fields = meta.split(b" ")
        if len(fields) == 3 and fields[2] == b"0":
            yield fields[0], fields[1], path



def read_blobs(workdir: Path, requests: Iterable[T], oid: Callable[[T], bytes],
               limit: int) -> Iterator[tuple[T, bytes | Unreadable]]:
    """Contents of each request's blob, in order, through one persistent `cat-file --batch`.

    Up to WINDOW ids are in flight so git inflates the next blobs while we scan this one. A
    blob over `limit` bytes is skipped from its header, its body read and dropped in chunks.
    If git dies on a corrupt object, that one is reported unreadable and a new git resumes.
    """
    pending: deque[T] = deque()
    source = iter(requests)
    cat = _idle_reader(workdir) or _CatFile(workdir)
    drained = False
    try:
        while True:
            if len(pending) <= WINDOW // 2:
                cat.send([oid(r) for r in _take(source, WINDOW - len(pending), pending)])
            if not pending:
                drained = True
                return
            request = pending.popleft()
            try:
                result = cat.receive(oid(request), limit)
            except _CatFileDied:
                result = Unreadable("unreadable", "git could not read this object (corrupt?)")
                cat.close()
                cat = _CatFile(workdir)
                cat.send([oid(r) for r in pending])
            yield request, result
    finally:
        if drained:
            _keep_idle(workdir, cat)
        else:
            cat.close()  # stopped early: git may still be writing what we did not read


# The last `cat-file --batch` this process drained, kept for its next read of the same
# repository: a worker reading history shard after shard keeps one git, with its delta-base
# cache warm, instead of starting one per shard (which cost more than the shards' reading).
# One at most, so a process that reads many repositories holds no more than one git.
_IDLE: list[tuple[int, Path, _CatFile]] = []


def _idle_reader(workdir: Path) -> _CatFile | None:
    if _IDLE and _IDLE[0][0] == os.getpid() and _IDLE[0][1] == workdir:
        cat = _IDLE.pop()[2]
        if cat.proc.poll() is None:
            return cat
        cat.close()
    return None


def _keep_idle(workdir: Path, cat: _CatFile) -> None:
    if cat.proc.poll() is not None:
        cat.close()
        return
    _close_idle()
    _IDLE.append((os.getpid(), workdir, cat))


def _close_idle() -> None:
    """Close the kept reader (a forked child inherited its pipes but never uses them)."""
    while _IDLE:
        pid, _, cat = _IDLE.pop()
        if pid == os.getpid():
            cat.close()


atexit.register(_close_idle)


def _take(source: Iterator[T], n: int, into: deque[T]) -> list[T]:
    taken = list(itertools.islice(source, n))
    into.extend(taken)
    return taken


class _CatFileDied(Exception):
    pass


class _CatFile:
    def __init__(self, workdir: Path) -> None:
        self.proc = _popen(["cat-file", "--batch"], workdir, stdin=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout

    def send(self, oids: list[bytes]) -> None:
        if not oids:
            return
        try:
            self.stdin.write(b"\n".join(oids) + b"\n")
            self.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass  # git died; the next receive() notices and restarts it

    def receive(self, oid: bytes, limit: int) -> bytes | Unreadable:
        header = self.stdout.readline()
        fields = header.split()
        if not header.endswith(b"\n") or not fields or fields[0] != oid:
            raise _CatFileDied
        if len(fields) != 3:  # "<oid> missing" (also what git says for a corrupt loose object)
            return Unreadable("unreadable", "object is missing or corrupt in the repository")
        size = int(fields[2])
        if size > limit:
            self._discard(size + 1)
            return Unreadable("too-large", f"larger than max-file-size ({size:,} bytes)")
        data = self.stdout.read(size)  # then its newline: `data[:-1]` copied every blob again
        if len(data) != size or self.stdout.read(1) != b"\n":
            raise _CatFileDied
        if fields[1] != b"blob":
            return Unreadable("unreadable", f"object is a {fields[1].decode()}, not a blob")
        return data

    def _discard(self, n: int) -> None:
        while n > 0:
            got = len(self.stdout.read(min(n, CHUNK)))
            if not got:
                raise _CatFileDied
            n -= got

    def close(self) -> None:
        _finish(self.proc, kill=False)  # closing its pipes ends it; nothing is left to read


def _popen(args: Sequence[str], cwd: Path, *, stdin: int | IO[bytes],
           stderr: int | IO[bytes], stdout: int | IO[bytes] = subprocess.PIPE
           ) -> subprocess.Popen[bytes]:
    try:
        proc = subprocess.Popen(git_command(args), cwd=cwd, env=git_env(), stdin=stdin,
                                stdout=stdout, stderr=stderr, bufsize=CHUNK)
    except FileNotFoundError:
        raise SourceError("git is not installed or not on PATH") from None
    if proc.stdout is not None:
        _widen_pipe(proc.stdout.fileno())
    return proc


def _widen_pipe(fd: int) -> None:
    """Let git run up to 1 MiB ahead of us (Linux; default 64 KiB): fewer wake-ups and
    context switches per MiB, which is most of the cost on a busy machine."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if set_size is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, set_size, CHUNK)


def _finish(proc: subprocess.Popen[bytes], *, kill: bool) -> None:
    """Reap a git child; one we stopped reading early is killed, never left behind."""
    if kill and proc.poll() is None:
        proc.kill()
    for pipe in (proc.stdin, proc.stdout):
        with contextlib.suppress(OSError, ValueError):
            if pipe is not None:
                pipe.close()  # a git blocked writing to us gets EPIPE and exits
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _tokens(stream: IO[bytes]) -> Iterator[bytes]:
    """NUL-separated fields of a stream, read a chunk at a time."""
    rest = b""
    while chunk := stream.read1(CHUNK):  # type: ignore[attr-defined]
        fields = (rest + chunk).split(b"\0")
        rest = fields.pop()
        yield from fields
    if rest:
        yield rest


def _parse_log(tokens: Iterator[bytes]) -> Iterator[Change]:
    """Parse `DIFF_OPTIONS` output: a header per commit, then ':'-entries, each with a path.

    Header fields and paths are taken by position, so no name or path can be mistaken for
    a record. A combined (merge) entry has one more mode and id per parent; the result's
    mode and id are the last of each.
    """
    commit: Commit | None = None
    for token in tokens:
        token = token.lstrip(b"\n")  # git separates a header from its entries by a newline
        if token.startswith(b":"):
            path = next(tokens, b"")
            fields = token.lstrip(b":").split(b" ")
            parents = (len(fields) - 1) // 2 - 1
            mode, oid = fields[parents], fields[-2]
            if commit is not None and mode != ZERO_MODE:
                yield Change(commit, mode, oid, path)
        elif token.startswith(b"commit "):
            author, email, stamp = (next(tokens, b"").decode("utf-8", "replace")
                                    for _ in range(3))
            date = datetime.fromtimestamp(int(stamp or 0), timezone.utc).isoformat()
            commit = Commit(token[7:].decode(), author, email, date)
