"""pre-commit latency of the credscope hook: a commit of 10 changed files, median of N runs.

    python bench/bench_hook.py [--runs 10] [--files 10] [--tree 300]

Builds a throwaway git repository (in a temp dir) with `--tree` text files, installs a
`repo: local` hook whose entry is this venv's `credscope-hook`, then for each run changes
`--files` files, stages them and times `pre-commit run` (what `git commit` triggers). "cold"
empties credscope's cache directory before every run (the hyperscan database is recompiled);
"warm" keeps it. A baseline for comparison times a no-op hook (`true`) the same way, which is
pre-commit's own overhead. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
CONFIG = """repos:
- repo: local
  hooks:
  - id: credscope
    name: credscope
    entry: '{entry}'
    language: system
    types: [text]
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def make_repo(root: Path, tree: int, entry: str) -> Path:
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for i in range(tree):
        sub = repo / f"pkg{i % 10}"
        sub.mkdir(exist_ok=True)
        body = "".join(f"def f{j}(x):\n    return x * {j}  # module {i}\n" for j in range(60))
        (sub / f"mod{i}.py").write_text(f'"""Module {i}."""\n\n{body}')
    (repo / ".pre-commit-config.yaml").write_text(CONFIG.format(entry=entry))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "init", "--no-verify")
    return repo


def one_run(repo: Path, env: dict[str, str], run: int, files: int, cold: bool) -> float:
    for i in range(files):
        path = repo / f"pkg{i % 10}" / f"mod{i}.py"
        path.write_text(path.read_text() + f"VALUE_{run} = {run * 1000 + i}\n")
    git(repo, "add", "-A")
    if cold:
        shutil.rmtree(env["CREDSCOPE_CACHE_DIR"], ignore_errors=True)
    started = time.perf_counter()
    proc = subprocess.run([str(BIN / "pre-commit"), "run"], cwd=repo, env=env,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"pre-commit failed:\n{proc.stdout}\n{proc.stderr}")
    git(repo, "commit", "-q", "-m", f"run {run}", "--no-verify")
    return elapsed


def measure(entry: str, args: argparse.Namespace, cold: bool) -> list[float]:
    with tempfile.TemporaryDirectory(prefix="credscope-bench-") as tmp:
        root = Path(tmp)
        env = {**os.environ, "PRE_COMMIT_HOME": str(root / "pc-home"),
               "CREDSCOPE_CACHE_DIR": str(root / "cache")}
        repo = make_repo(root, args.tree, entry)
        one_run(repo, env, -1, args.files, cold=False)  # pre-commit sets up its own env once
        return [one_run(repo, env, run, args.files, cold) for run in range(args.runs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--tree", type=int, default=300)
    parser.add_argument("--skip-cold", action="store_true", help="Only the no-op and warm runs.")
    args = parser.parse_args()
    hook = str(BIN / "credscope-hook")
    for label, entry, cold in (("pre-commit + no-op hook", "true", False),
                               ("credscope cold (cache emptied)", hook, True),
                               ("credscope warm", hook, False)):
        if cold and args.skip_cold:
            continue
        times = measure(entry, args, cold)
        print(f"{label:<32} median {statistics.median(times):.3f} s  "
              f"min {min(times):.3f}  max {max(times):.3f}  ({args.runs} runs, "
              f"{args.files} files)")


if __name__ == "__main__":
    main()
