"""Speed, side by side in one run: credscope, Kingfisher and detect-secrets on the same inputs.

    bash bench/setup_peers.sh                      # peers in bench/.peers
    python bench/build_worktree.py                 # input 1: bench/.work/tree
    python bench/build_history_repo.py all         # input 2: bench/.work/history-repo
    python bench/bench_speed.py [--runs 5] [--only tree,history,small]

Three inputs: the working tree (>= 500 MiB of text in ~50k files, scanned with every tool's
default excludes off), the full history of the benchmark repository (a bare clone, so only
history is read), and a pre-commit-sized input of 10 files. Runs alternate between the tools
(credscope, kingfisher, detect-secrets, credscope, ...) so that load from other work on a
shared machine hits all of them alike; each tool's wall time is the median of its runs.

Every run is wrapped in `/usr/bin/time -f %M`: peak RSS of the largest process in the tree
(credscope's workers are forked and share pages with the parent, so a sum would overcount).
detect-secrets reads about 1 MiB/s, so on the working tree it scans a fixed subset (every
`--ds-stride`-th file, hard-linked into bench/.work/ds-subset) fewer times (`--ds-runs`), and
its throughput on the subset is extrapolated to the whole tree; the table says so. It has no
history mode. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work"
TREE = WORK / "tree"
HISTORY = WORK / "history-repo"
VENV_BIN = ROOT / ".venv" / "bin"
PEERS = HERE / ".peers" / "bin"
OK_EXIT = (0, 1, 200, 205)  # findings make credscope exit 1 and Kingfisher 200/205


@dataclass
class Tool:
    name: str
    cmd: list[str]
    count: Callable[[], int]  # findings in the report the last run wrote
    runs: int
    note: str = ""
    warm: bool = True  # one untimed run first (tools sharing the page cache need not)
    scale: float = 1.0  # input bytes of this tool's runs / the input's bytes (subset runs)
    samples: list[tuple[float, int]] = field(default_factory=list)  # (seconds, peak KiB)


def timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one run; stdout/stderr are discarded."""
    started = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], cwd=cwd, check=False,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - started
    if proc.returncode not in OK_EXIT:
        sys.exit(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stderr.decode()[-2000:]}")
    tail = proc.stderr.decode(errors="replace").strip().splitlines()
    return seconds, int(tail[-1]) if tail and tail[-1].isdigit() else 0


def text_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def tree_size(files: list[Path]) -> int:
    return sum(p.stat().st_size for p in files)


# -- findings counters ---------------------------------------------------------------------

def credscope_count(report: Path) -> Callable[[], int]:
    return lambda: len(json.loads(report.read_text())["findings"])


def kingfisher_count(report: Path) -> Callable[[], int]:
    return lambda: len(json.loads(report.read_text())["findings"])


def ds_count(report: Path) -> Callable[[], int]:
    return lambda: sum(len(v) for v in json.loads(report.read_text())["results"].values())


# -- tool command lines ----------------------------------------------------------------------

def credscope_cmd(target: Path, out: Path, *extra: str) -> list[str]:
    return [str(VENV_BIN / "credscope"), "scan", str(target), "--no-progress", "--format",
            "json", "-o", str(out), "--fail-on", "never", *extra]


def kingfisher_cmd(target: Path, out: Path, *extra: str) -> list[str]:
    return [str(PEERS / "kingfisher"), "scan", str(target), "--no-validate",
            "--no-update-check", "--format", "json", "--output", str(out), *extra]


def ds_cmd(cwd: Path, out: Path, *paths: str) -> list[str]:
    """detect-secrets scans relative to the working directory and prints its baseline JSON
    on stdout: a shell runs it in `cwd` and redirects the report."""
    quoted = " ".join(_sh(p) for p in paths)
    return ["sh", "-c", f"cd {_sh(str(cwd))} && {_sh(str(PEERS / 'detect-secrets'))} scan "
            f"--all-files {quoted} > {_sh(str(out))}"]


def _sh(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


# -- inputs -----------------------------------------------------------------------------------

def ds_subset(files: list[Path], stride: int) -> tuple[Path, int]:
    """Every `stride`-th file of the tree, hard-linked (copied across devices) under
    bench/.work/ds-subset; rebuilt each run so it always matches the tree."""
    subset = WORK / "ds-subset"
    shutil.rmtree(subset, ignore_errors=True)
    size = 0
    for path in files[::stride]:
        target = subset / path.relative_to(TREE)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target)
        except OSError:
            shutil.copy2(path, target)
        size += path.stat().st_size
    return subset, size


def tree_tools(args: argparse.Namespace, out: Path) -> tuple[list[Tool], int, int]:
    files = text_files(TREE)
    size = tree_size(files)
    subset, sub_size = ds_subset(files, args.ds_stride)
    tools = [
        Tool("credscope", credscope_cmd(TREE, out / "cs.json", "--no-default-excludes"),
             credscope_count(out / "cs.json"), args.runs),
        Tool("kingfisher", kingfisher_cmd(TREE, out / "kf.json"),
             kingfisher_count(out / "kf.json"), args.runs),
        Tool("detect-secrets", ds_cmd(subset, out / "ds.json", "."),
             ds_count(out / "ds.json"), args.ds_runs, warm=False,
             note=f"subset: every {args.ds_stride}th file, {sub_size / 2**20:.0f} MiB; "
                  "throughput extrapolated", scale=sub_size / size),
    ]
    return tools, len(files), size


def history_tools(args: argparse.Namespace, out: Path) -> tuple[list[Tool], int, int] | None:
    sys.path.insert(0, str(HERE))
    from build_history_repo import VERSIONS  # noqa: PLC0415 - the builder's own list

    last_tag = f"refs/tags/v{VERSIONS[-1]}"
    probe = subprocess.run(["git", "-C", str(HISTORY), "rev-parse", "-q", "--verify",
                            last_tag], capture_output=True, check=False)
    if probe.returncode != 0:
        print(f"history: SKIPPED: {HISTORY} is missing or not fully built (no {last_tag}); "
              "run `python bench/build_history_repo.py all` first")
        return None
    bare = out / "history.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(HISTORY), str(bare)], check=True)
    sizes = subprocess.run(["git", "cat-file", "--batch-all-objects",
                            "--batch-check=%(objecttype) %(objectsize)"], cwd=bare,
                           check=True, capture_output=True).stdout.decode().splitlines()
    blobs = [int(line.split()[1]) for line in sizes if line.startswith("blob ")]
    tools = [
        Tool("credscope", credscope_cmd(bare, out / "csh.json", "--history"),
             credscope_count(out / "csh.json"), args.runs),
        Tool("kingfisher", kingfisher_cmd(bare, out / "kfh.json", "--git-history", "full"),
             kingfisher_count(out / "kfh.json"), args.runs),
    ]
    return tools, len(blobs), sum(blobs)


def small_tools(args: argparse.Namespace, out: Path) -> tuple[list[Tool], int, int]:
    """10 files, as a pre-commit hook gets them: the hook entry point on the file list."""
    small = out / "small"
    small.mkdir()
    picks = [p for p in text_files(TREE / "Django-5.1.5") if p.suffix == ".py"
             and 2_000 < p.stat().st_size < 40_000][: args.small_files]
    for i, p in enumerate(picks):
        shutil.copy2(p, small / f"{i:02d}_{p.name}")
    names = sorted(p.name for p in small.iterdir())
    tools = [
        Tool("credscope-hook", ["sh", "-c", f"cd {_sh(str(small))} && "
                                f"{_sh(str(VENV_BIN / 'credscope-hook'))} --fail-on never "
                                + " ".join(_sh(n) for n in names)], lambda: -1, args.runs,
             note="pre-commit entry point; findings not counted"),
        Tool("credscope", credscope_cmd(small, out / "css.json"),
             credscope_count(out / "css.json"), args.runs),
        Tool("kingfisher", kingfisher_cmd(small, out / "kfs.json"),
             kingfisher_count(out / "kfs.json"), args.runs),
        Tool("detect-secrets", ds_cmd(small, out / "dss.json", *names),
             ds_count(out / "dss.json"), args.runs),
    ]
    return tools, len(names), tree_size(sorted(small.iterdir()))


# -- running and reporting -----------------------------------------------------------------

def run_alternating(tools: list[Tool]) -> None:
    for tool in tools:  # page cache and credscope's compiled database: every tool starts warm
        if tool.warm:
            timed(tool.cmd)
    for i in range(max(t.runs for t in tools)):
        for tool in tools:
            if i < tool.runs:
                seconds, rss = timed(tool.cmd)
                tool.samples.append((seconds, rss))
                print(f"    run {i + 1} {tool.name:<15}{seconds:8.2f} s {rss / 1024:7.0f} MiB",
                      flush=True)


def report(label: str, tools: list[Tool], files: int, size: int) -> list[str]:
    mib = size / 2**20
    rows = [f"### {label}: {files:,} files/blobs, {mib:,.1f} MiB ({size:,} bytes)", "",
            "| tool | runs | median s | MiB/s | peak RSS MiB | findings | note |",
            "|---|---:|---:|---:|---:|---:|---|"]
    rates: dict[str, float] = {}
    for t in tools:
        med = statistics.median(s for s, _ in t.samples)
        rate = mib * t.scale / med
        rates[t.name] = rate
        peak = max(r for _, r in t.samples) / 1024
        found = t.count()
        rows.append(f"| {t.name} | {len(t.samples)} | {med:.2f} | {rate:.1f} | {peak:.0f} | "
                    f"{found if found >= 0 else '-'} | {t.note} |")
    base = rates.get("credscope")
    if base:
        for name, rate in rates.items():
            if name not in ("credscope", "credscope-hook"):
                rows.append(f"\ncredscope throughput = {base / rate:.2f}x {name}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ds-runs", type=int, default=2, help="detect-secrets runs (tree)")
    parser.add_argument("--ds-stride", type=int, default=25, help="detect-secrets tree subset")
    parser.add_argument("--small-files", type=int, default=10)
    parser.add_argument("--only", default="tree,history,small")
    args = parser.parse_args()
    for exe in (VENV_BIN / "credscope", PEERS / "kingfisher", PEERS / "detect-secrets"):
        if not exe.exists():
            sys.exit(f"missing {exe}: install the project venv and run bench/setup_peers.sh")
    if not TREE.is_dir():
        sys.exit(f"missing {TREE}: run python bench/build_worktree.py")
    print(f"cpus: {os.cpu_count()}; load average: {os.getloadavg()}")
    out_lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-speed-") as tmp:
        out = Path(tmp)
        builders = {"tree": ("working tree", tree_tools), "history": ("full history",
                                                                      history_tools),
                    "small": ("10-file pre-commit input", small_tools)}
        for key in args.only.split(","):
            label, build = builders[key]
            print(f"\n== {label}", flush=True)
            built = build(args, out)
            if built is None:
                out_lines.append(f"### {label}: skipped (input not built)")
                continue
            tools, files, size = built
            run_alternating(tools)
            out_lines += [*report(label, tools, files, size), ""]
    print(f"\nload average at the end: {os.getloadavg()}\n")
    print("\n".join(out_lines))


if __name__ == "__main__":
    main()
