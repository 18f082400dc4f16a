"""Full-history scan throughput: credscope against Kingfisher on the same repository.

    python bench/build_history_repo.py download && python bench/build_history_repo.py build
    bash bench/setup_peers.sh
    python bench/bench_history.py [--runs 3] [--repo bench/.work/history-repo]

Both tools scan a bare clone of the repository (pure history, no working tree) in their
git-history mode, runs alternating (credscope, kingfisher, credscope, ...) so load on a shared
machine hits both alike. Each run is wrapped in /usr/bin/time -v for its peak RSS (of the
largest single process: credscope's Python, or Kingfisher). MiB is the repository's unique
blob content, the same input for both, so MiB/s compares like with like. Kingfisher runs with
`--no-validate --no-update-check` (no network). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_REPO = HERE / ".work" / "history-repo"
KINGFISHER = HERE / ".peers" / "bin" / "kingfisher"
_RSS = re.compile(rb"Maximum resident set size \(kbytes\): (\d+)")


def blob_totals(repo: Path) -> tuple[int, int]:
    out = subprocess.run(["git", "cat-file", "--batch-all-objects",
                          "--batch-check=%(objecttype) %(objectsize)"], cwd=repo, check=True,
                         capture_output=True).stdout.decode()
    sizes = [int(line.split()[1]) for line in out.splitlines() if line.startswith("blob ")]
    return len(sizes), sum(sizes)


def timed(cmd: list[str]) -> tuple[float, int, bytes]:
    """Seconds, peak RSS in KiB and stderr of one run."""
    started = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, check=False)
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 1, 200, 205):  # findings exit non-zero in both tools
        sys.exit(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stderr.decode()[-2000:]}")
    rss = _RSS.search(proc.stderr)
    return seconds, int(rss.group(1)) if rss else 0, proc.stderr


# The history read path alone (git walk + cat-file + Blob objects, no matching): what this
# module owns, against the whole scan; the difference is the engine's time.
READ_PATH = """
import sys
from pathlib import Path
from scanner.config import Config
from scanner.sources.history import HistorySource
for _ in HistorySource(Config(root=Path(sys.argv[1]))).items():
    pass
"""


def commands(bare: Path, out: Path, jobs: int | None) -> dict[str, list[str]]:
    credscope = [sys.executable, "-m", "scanner", "scan", "--history", str(bare), "--format",
                 "json", "-o", str(out / "credscope.json"), "--no-progress", "--fail-on",
                 "never"]
    if jobs is not None:
        credscope += ["--jobs", str(jobs)]
    kingfisher = [str(KINGFISHER), "scan", str(bare), "--git-history", "full", "--no-validate",
                  "--no-update-check", "--format", "json", "--output",
                  str(out / "kingfisher.json")]
    read_path = [sys.executable, "-c", READ_PATH, str(bare)]
    return {"credscope": credscope, "kingfisher": kingfisher, "read-path": read_path}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=DEFAULT_REPO)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None, help="credscope --jobs")
    parser.add_argument("--only", choices=("credscope", "kingfisher", "read-path"), default=None)
    parser.add_argument("--read-path", action="store_true",
                        help="also time credscope's history read path alone (no matching)")
    args = parser.parse_args()
    if not (args.repo / ".git").exists() and not (args.repo / "HEAD").exists():
        sys.exit(f"{args.repo} is not a repository: run bench/build_history_repo.py first")
    if not KINGFISHER.exists() and args.only != "credscope":
        sys.exit("kingfisher is not installed: run bash bench/setup_peers.sh")
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        bare, out = Path(tmp) / "repo.git", Path(tmp)
        subprocess.run(["git", "clone", "-q", "--bare", str(args.repo), str(bare)], check=True)
        blobs, size = blob_totals(bare)
        mib = size / 2**20
        print(f"repository: {blobs:,} unique blobs, {mib:,.1f} MiB; cpus: {os.cpu_count()}")
        cmds = commands(bare, out, args.jobs)
        names = [args.only] if args.only else ["credscope", "kingfisher"]
        if args.read_path and "read-path" not in names:
            names.append("read-path")
        runs: dict[str, list[tuple[float, int]]] = {n: [] for n in names}
        for i in range(args.runs):
            for name in names:
                seconds, rss, _ = timed(cmds[name])
                runs[name].append((seconds, rss))
                print(f"  run {i + 1} {name:<10} {seconds:7.1f} s  {mib / seconds:6.1f} MiB/s  "
                      f"peak {rss / 1024:6.0f} MiB", flush=True)
        print(f"\n{'tool':<11}{'blobs':>9}{'MiB':>9}{'median s':>10}{'MiB/s':>8}{'peak MiB':>10}")
        medians = {}
        for name, samples in runs.items():
            med = statistics.median(s for s, _ in samples)
            medians[name] = med
            peak = max(r for _, r in samples) / 1024
            print(f"{name:<11}{blobs:>9,}{mib:>9,.0f}{med:>10.1f}{mib / med:>8.1f}{peak:>10.0f}")
        if {"credscope", "kingfisher"} <= medians.keys():
            print(f"\ncredscope throughput = {medians['kingfisher'] / medians['credscope']:.2f}x "
                  "Kingfisher")
        summarize_findings(out, names)
        shutil.rmtree(bare, ignore_errors=True)


def summarize_findings(out: Path, names: list[str]) -> None:
    """Sanity check: both tools must see the planted history-only key."""
    if "credscope" in names:
        doc = json.loads((out / "credscope.json").read_text())
        stripe = [f for f in doc["findings"] if f["ruleId"].startswith("stripe.")]
        print(f"credscope: {len(doc['findings'])} findings, {len(stripe)} Stripe "
              f"(history-only: {[f['classification']['historyOnly'] for f in stripe]})"
              if stripe and "classification" in stripe[0] else
              f"credscope: {len(doc['findings'])} findings, {len(stripe)} Stripe")
    if "kingfisher" in names:
        text = (out / "kingfisher.json").read_text()
        print(f"kingfisher: report {len(text):,} bytes, mentions sk_live: {'sk_live' in text}")


if __name__ == "__main__":
    main()
