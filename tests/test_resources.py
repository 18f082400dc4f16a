"""Resource bounds: huge files, huge lines, huge directories, huge git blobs, and regex input
built to be slow. Each scan runs in a subprocess that reports its own peak RSS (and its
children's: git) from getrusage; every one must stay under 1 GiB and finish, or skip with a
reason. The measured numbers are printed (pytest -s) and recorded in docs/reliability.md.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.matching.engine import extract
from scanner.matching.loader import load_rules
from scanner.sources.worktree import MEMORY_CAP
from tests.helpers import git, github_token, init_repo

GiB = 1024**3
MiB = 1024**2
RSS_BOUND_KIB = 1024 * 1024  # 1 GiB, as ru_maxrss reports it on Linux
ROOT = Path(__file__).resolve().parents[1]

_MEASURE = """
import json, resource, sys, time
from scanner.cli import main
sys.argv = ['credscope', *sys.argv[1:]]
start = time.perf_counter()
try:
    main()
    code = 0
except SystemExit as done:
    code = done.code
# ru_maxrss of RUSAGE_SELF keeps the high-water mark of the process that exec'd us (pytest);
# /proc's VmHWM is this program's own peak. Report both; the bound is on the larger honest one.
hwm = next((int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')), 0)
print('RUSAGE ' + json.dumps({
    'code': code, 'seconds': round(time.perf_counter() - start, 2),
    'rss_self_kib': hwm or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    'ru_maxrss_self_kib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    'rss_children_kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def measured_scan(tmp_path: Path, *args: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run `credscope scan ARGS -f json` in a subprocess; return (usage, report)."""
    out = tmp_path / f"report-{time.monotonic_ns()}.json"
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, "scan", *args, "--no-progress", "--no-baseline",
         "-f", "json", "-o", str(out)],
        capture_output=True, text=True, check=False, cwd=ROOT, timeout=600)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RUSAGE ")), None)
    assert line is not None, proc.stderr
    usage = json.loads(line.removeprefix("RUSAGE "))
    print(f"\n{args}: {usage}")  # the numbers docs/reliability.md quotes
    assert usage["code"] in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    assert usage["rss_self_kib"] < RSS_BOUND_KIB
    assert usage["rss_children_kib"] < RSS_BOUND_KIB
    return usage, json.loads(out.read_text())


def skipped(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["path"]: s for s in report["skipped"]}


def test_two_gib_file_is_skipped_unread_and_read_in_bounded_memory_when_allowed(
        tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    with (tree / "huge.log").open("wb") as fh:
        fh.truncate(2 * GiB)  # sparse: costs no disk, but reading it would cost 2 GiB
    (tree / "small.py").write_text(f'TOKEN = "{github_token(seed="res")}"\n')
    usage, report = measured_scan(tmp_path, str(tree))
    assert "max-file-size" in skipped(report)["huge.log"]["reason"]
    assert report["scan"]["files"] == 1 and report["findings"]
    # Allowed, it is read in windows; its first window shows it is binary (all NUL), so
    # the rest is never read.
    usage, report = measured_scan(tmp_path, str(tree), "--max-file-size", "3GiB")
    assert skipped(report)["huge.log"]["kind"] == "binary"
    assert max(usage["rss_self_kib"], usage["rss_children_kib"]) < 400 * 1024


# The `re` engine's keyword prefilter reads a blob once per keyword: on hundreds of MiB of
# one repeated character that takes many minutes (about 3 s per MiB of "x"), so the tests
# that match such files need hyperscan; test_windows.py covers windows with both engines.
SLOW_WITHOUT_HYPERSCAN = "the `re` engine takes minutes on hundreds of MiB of one character"


def test_one_500_mib_line_is_skipped_at_the_default_limit(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    with (tree / "line.txt").open("wb") as fh:
        fh.truncate(500 * MiB)  # never read: skipped from its size
    _, report = measured_scan(tmp_path, str(tree))
    assert skipped(report)["line.txt"]["kind"] == "too-large"


def test_one_500_mib_line_is_scanned_in_windows_when_allowed(tmp_path: Path) -> None:
    pytest.importorskip("hyperscan", reason=SLOW_WITHOUT_HYPERSCAN)
    tree = tmp_path / "tree"
    tree.mkdir()
    with (tree / "line.txt").open("wb") as fh:
        chunk = b"a" * MiB
        for _ in range(500):
            fh.write(chunk)
    usage, report = measured_scan(tmp_path, str(tree), "--max-file-size", "1GiB")
    assert "line.txt" not in skipped(report)  # read in windows, one line cut mid-line
    assert report["scan"]["files"] == 1 and report["scan"]["bytes"] == 500 * MiB
    # Just under the cap, one line is read whole and scanned: a secret at its very end is
    # found at line 1, the right column, in bounded memory.
    (tree / "line.txt").unlink()
    token = github_token(seed="long-line")
    size = MEMORY_CAP - 64 * 1024
    with (tree / "under.txt").open("wb") as fh:
        fh.write(b"x" * (size - len(token) - 1) + b" " + token.encode())
    usage, report = measured_scan(tmp_path, str(tree), "--max-file-size", "1GiB")
    found = report["findings"][0]
    assert (found["ruleId"], found["line"], found["column"]) == (
        "github.classic-pat", 1, size - len(token) + 1)
    assert usage["rss_self_kib"] < RSS_BOUND_KIB


def test_a_300_mib_file_is_scanned_in_windows_and_its_secret_found_at_its_line(
        tmp_path: Path) -> None:
    """Over the in-memory limit (MEMORY_CAP) a file is read in overlapping windows: a secret
    near the end is found once, at its line and column, in bounded memory."""
    pytest.importorskip("hyperscan", reason=SLOW_WITHOUT_HYPERSCAN)
    tree = tmp_path / "tree"
    tree.mkdir()
    line = b"request handled in 12 ms, status 200, nothing to see here\n"
    block = line * (MiB // len(line))
    blocks = 301
    token = github_token(seed="windowed")
    with (tree / "huge.log").open("wb") as fh:
        for _ in range(blocks):
            fh.write(block)
        fh.write(b"  token = '" + token.encode() + b"'\n")
        fh.write(block[:4096])
    size = (tree / "huge.log").stat().st_size
    assert size > 300 * MiB > 2 * MEMORY_CAP
    usage, report = measured_scan(tmp_path, str(tree), "--max-file-size", "1GiB")
    assert report["skipped"] == []
    assert report["scan"]["files"] == 1 and report["scan"]["bytes"] == size
    [found] = report["findings"]
    assert (found["ruleId"], found["path"], found["line"], found["column"]) == (
        "github.classic-pat", "huge.log", blocks * (MiB // len(line)) + 1, 12)
    # Two 64 MiB windows and the engine's work, in whichever process read the file (a large
    # scan reads in a worker).
    assert max(usage["rss_self_kib"], usage["rss_children_kib"]) < 512 * 1024


def test_directory_of_200k_empty_files(tmp_path: Path) -> None:
    tree = tmp_path / "many"
    for d in range(200):
        sub = tree / f"d{d:03d}"
        sub.mkdir(parents=True)
        for i in range(1000):
            os.close(os.open(sub / f"{i:04d}", os.O_CREAT | os.O_WRONLY, 0o644))
    started = time.perf_counter()
    usage, report = measured_scan(tmp_path, str(tree))
    assert report["scan"]["files"] == 200_000
    assert usage["code"] == 0
    assert time.perf_counter() - started < 300


def test_history_with_a_1_gib_blob_skips_it_in_bounded_memory(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    big = tmp_path / "big.txt"
    line = b"filler line of a generated dataset, nothing secret in it at all 0123456789\n"
    with big.open("wb") as fh:
        block = line * (MiB // len(line) + 1)
        for _ in range(1024):
            fh.write(block[:MiB])
    oid = git(repo, "hash-object", "-w", str(big)).strip()
    big.unlink()
    git(repo, "update-index", "--add", "--cacheinfo", f"100644,{oid},data/big.txt")
    (repo / "app.py").write_text(f'TOKEN = "{github_token(seed="hist")}"\n')
    git(repo, "add", "app.py")  # not `add -A`: that would stage big.txt's absence
    git(repo, "commit", "-q", "-m", "big blob and a token")
    assert oid in git(repo, "ls-tree", "-r", "HEAD")
    for extra in ((), ("--max-file-size", "3GiB")):
        _, report = measured_scan(tmp_path, str(repo), "--history", *extra)
        assert skipped(report)["data/big.txt"]["kind"] == "too-large"
        assert [f["ruleId"] for f in report["findings"]] == ["github.classic-pat"]


# -- pathological regex input --------------------------------------------------------------

RULES = load_rules()
ATOMS = [b"a", b"0", b"=", b"-", b"eyJ", b"AKIA", b"A", b"/", b"+", b"_", b".", b" ", b"\n",
         b"aB3", b"%2F", b'"', b":", b"a=", b"\\"]


def _cpu(rule_index: int, data: bytes) -> float:
    start = time.process_time()
    extract(RULES, [rule_index], data)
    return time.process_time() - start


@pytest.fixture()
def no_cyclic_gc() -> Iterator[None]:
    """Hold the cyclic GC off while timing: a full collection walks every object the whole
    test session keeps alive, which made a rule with many matches look super-linear when it
    is not (these tests hunt regex backtracking, not the collector)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _runs(rule_index: int) -> list[bytes]:
    keywords = [k.encode() for k in RULES[rule_index].keywords]
    return [*ATOMS, *keywords, *(k + b"a1" * 20 for k in keywords)]


@pytest.mark.parametrize("shard", range(4))
@pytest.mark.usefixtures("no_cyclic_gc")
def test_no_rule_is_super_linear_on_long_runs(shard: int) -> None:
    """For every rule: long runs of characters its pattern repeats (and of its keywords).
    Screen each run at 16 KiB; time the worst one at 256 KiB and 1 MiB: a linear rule takes
    about 4x as long, a quadratic one 16x."""
    slow = []
    for index in range(shard, len(RULES), 4):
        worst = max(_runs(index), key=lambda run: _cpu(index, run * (16 * 1024 // len(run))))
        small = worst * (256 * 1024 // len(worst))
        big = worst * (MiB // len(worst))
        t_small, t_big = _cpu(index, small), _cpu(index, big)
        if t_big > 0.05 and t_big > 8 * max(t_small, 1e-3):
            slow.append((RULES[index].id, worst[:8], round(t_small, 3), round(t_big, 3)))
        # Linear but slow on its own keyword repeated: google.oauth-access-token's {29,2000}
        # retries 2,000 characters at every "ya29." (about 7 s per hostile MiB).
        assert t_big < 20, (RULES[index].id, worst[:8], t_big)
    assert not slow, slow


def test_many_separate_secrets_in_one_blob_cost_linear_time() -> None:
    """Overlap resolution and line numbering once compared every match with every other:
    32,000 tokens in one file took minutes. Now it is one pass."""
    from scanner.matching.engine import ReEngine

    engine = ReEngine(RULES)
    blob = (f"x = {github_token(seed='many')}\n".encode()) * 8_000
    start = time.process_time()
    small = engine.scan(blob)
    t_small = time.process_time() - start
    start = time.process_time()
    big = engine.scan(blob * 4)
    t_big = time.process_time() - start
    assert len(big) == 4 * len(small) == 32_000
    assert big[-1].line == 32_000
    assert t_big < 8 * max(t_small, 0.01), (t_small, t_big)
