"""Reports at scale, side by side in one run: credscope and Kingfisher writing JSON, SARIF and
HTML reports of the same histories.

    python bench/build_history_repo.py all            # input 1: bench/.work/history-repo
    git clone --bare /work/.mirror/rails+rails/repo bench/.work/rails.git   # input 2 (optional)
    python bench/bench_reports.py [--inputs history,rails,many] [--formats json,sarif,html]
        [--runs 1] [--src before=DIR --src after=.] [--no-kingfisher] [--mem-limit-gib 8]

Inputs: `history` (a bare clone of the offline-built history, `scan --history` and
`kingfisher scan --git-history full`), `rails` (any bare repository at bench/.work/rails.git;
`--repo NAME=PATH` adds others) and `many` (one 4.9 MB file holding 120,000 fake GitHub
tokens, a working-tree scan: issue 17's per-finding memory). For each input and format the
tools run alternately (credscope, Kingfisher, credscope, ...), after one untimed warm-up run
of each tool on the input. Each run is wrapped in `/usr/bin/time -f %M` (peak RSS of the
largest process). Printed per run: seconds, peak RSS, report size, gzipped size (SARIF), and
for credscope the findings and SARIF results; a Markdown table at the end.

`--src LABEL=DIR` (repeatable) runs credscope from that source tree (e.g. `git archive <commit>
scanner reports rules | tar -x -C bench/.work/before`) with this checkout's venv; with two,
before and after run alternately in the same minutes (a shared machine's load hits both).
credscope runs under an address-space limit (`--mem-limit-gib`, default 8): a run that needs
more fails with a MemoryError instead of taking the shared machine down; the table says so.
Each source tree is byte-compiled first (`compileall`), as `pip install` leaves an installed
copy: otherwise, where PYTHONDONTWRITEBYTECODE is set, every run compiles the package again.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work"
PYTHON = ROOT / ".venv" / "bin" / "python"
KINGFISHER = HERE / ".peers" / "bin" / "kingfisher"
OK_EXIT = (0, 1, 200, 205)  # findings make credscope exit 1 and Kingfisher 200/205
KF_FORMAT = {"json": "json", "sarif": "sarif", "html": "html"}


@dataclass
class Sample:
    seconds: float
    cpu: float  # user + system seconds of the process tree (steadier than wall time under load)
    rss_kib: int
    size: int
    gz: int
    ok: bool
    extra: dict[str, int] = field(default_factory=dict)


def timed(cmd: list[str], env: dict[str, str] | None = None, limit_gib: float = 0
          ) -> tuple[float, float, int, bool, str]:
    def cap() -> None:
        if limit_gib:
            size = int(limit_gib * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (size, size))

    started = time.perf_counter()
    # cwd: not the checkout, or `python -m scanner` would import ./scanner whatever --src says
    proc = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", *cmd], check=False, env=env,
                          cwd=WORK, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          preexec_fn=cap)
    seconds = time.perf_counter() - started
    err = proc.stderr.decode(errors="replace")
    last = (err.strip().splitlines() or [""])[-1].split()
    rss, cpu = (int(last[0]), float(last[1]) + float(last[2])) if len(last) == 3 else (0, 0.0)
    return seconds, cpu, rss, proc.returncode in OK_EXIT, err[-600:]


def credscope(target: Path, fmt: str, out: Path, history: bool) -> list[str]:
    return [str(PYTHON), "-m", "scanner", "scan", str(target), "--no-progress", "--format",
            fmt, "-o", str(out), "--fail-on", "never", *(["--history"] if history else []),
            *(["--no-default-excludes"] if not history else [])]


def kingfisher(target: Path, fmt: str, out: Path, history: bool) -> list[str]:
    return [str(KINGFISHER), "scan", str(target), "--no-validate", "--no-update-check",
            "--format", KF_FORMAT[fmt], "--output", str(out),
            "--git-history", "full" if history else "none"]


def measure(cmd: list[str], out: Path, env: dict[str, str] | None, limit: float,
            tool: str, fmt: str) -> Sample:
    out.unlink(missing_ok=True)
    seconds, cpu, rss, ok, err = timed(cmd, env, limit)
    if not ok or not out.exists():
        print(f"      {tool} {fmt} FAILED: {err.strip().splitlines()[-2:] if err else ''}")
        return Sample(seconds, cpu, rss, 0, 0, False)
    data = out.read_bytes()
    extra: dict[str, int] = {}
    if tool == "credscope" and fmt == "json":
        doc = json.loads(data)
        extra = {"findings": len(doc["findings"]), "bytes": doc["scan"]["bytes"],
                 "locations": sum(len(f["locations"]) for f in doc["findings"]),
                 "most": max((f["occurrences"] for f in doc["findings"]), default=0)}
    if tool == "credscope" and fmt == "sarif":
        run = json.loads(data)["runs"][0]
        extra = {"results": len(run["results"]),
                 "omitted": run.get("properties", {}).get("limits", {}).get("resultsOmitted",
                                                                            0)}
    gz = len(gzip.compress(data, 6)) if fmt == "sarif" else 0
    return Sample(seconds, cpu, rss, len(data), gz, True, extra)


def many_findings_tree() -> Path:
    """One file of 120,000 fake GitHub tokens (valid checksums, built here, never real)."""
    tree = WORK / "many-findings"
    target = tree / "tokens.txt"
    if not target.exists():
        sys.path.insert(0, str(ROOT))
        from tests.helpers import github_token  # noqa: PLC0415

        tree.mkdir(parents=True, exist_ok=True)
        target.write_text("".join(f"{github_token(seed=i)}\n" for i in range(120_000)))
    return tree


def inputs(args: argparse.Namespace, tmp: Path) -> dict[str, tuple[Path, bool]]:
    found: dict[str, tuple[Path, bool]] = {}
    repos = {"history": WORK / "history-repo", "rails": WORK / "rails.git"}
    repos.update({k: Path(v) for k, v in (spec.split("=", 1) for spec in args.repo)})
    for name in args.inputs.split(","):
        if name == "many":
            found[name] = (many_findings_tree(), False)
            continue
        repo = Path(repos[name]).resolve()  # Kingfisher does not follow a symlinked repository
        if not repo.exists():
            print(f"{name}: SKIPPED, {repo} is missing (see this file's docstring)")
            continue
        if name == "history":  # a bare clone: only history is read, by both tools
            bare = tmp / "history.git"
            subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(bare)], check=True)
            repo = bare
        found[name] = (repo, True)
    return found


def blob_totals(repo: Path, history: bool) -> tuple[int, int]:
    if not history:
        files = [p for p in repo.rglob("*") if p.is_file()]
        return len(files), sum(p.stat().st_size for p in files)
    lines = subprocess.run(["git", "cat-file", "--batch-all-objects",
                            "--batch-check=%(objecttype) %(objectsize)"], cwd=repo,
                           check=True, capture_output=True).stdout.decode().splitlines()
    sizes = [int(line.split()[1]) for line in lines if line.startswith("blob ")]
    return len(sizes), sum(sizes)


def _row(name: str, fmt: str, tool: str, runs: list[Sample], mib: float) -> str:
    good = [s for s in runs if s.ok]
    if not good:
        return (f"| {name} | {fmt} | {tool} | failed | | | "
                f"{max(s.rss_kib for s in runs) / 1024:.0f} | | | |")
    med = statistics.median(s.seconds for s in good)
    cpu = statistics.median(s.cpu for s in good)
    last = good[-1]
    counts = ", ".join(f"{k} {v:,}" for k, v in last.extra.items() if k != "bytes")
    gz = f"{last.gz / 1e6:.2f}" if fmt == "sarif" else ""
    return (f"| {name} | {fmt} | {tool} | {med:.1f} | {cpu:.1f} | {mib / med:.1f} | "
            f"{max(s.rss_kib for s in good) / 1024:.0f} | {last.size / 1e6:.2f} | {gz} | "
            f"{counts} |")


def compiled(src: Path) -> None:
    """Byte-compile a credscope source tree, as `pip install` does: with
    PYTHONDONTWRITEBYTECODE set (this machine sets it) every run would compile the package
    again, a tenth of a second no installed copy pays."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([str(PYTHON), "-m", "compileall", "-q", str(src / "scanner")], env=env,
                   check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", default="history,rails,many")
    ap.add_argument("--formats", default="json,sarif,html")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--src", action="append", default=[],
                    help="LABEL=DIR: a credscope source tree to run (repeatable)")
    ap.add_argument("--no-kingfisher", action="store_true")
    ap.add_argument("--no-warm", action="store_true", help="skip the untimed warm-up runs")
    ap.add_argument("--mem-limit-gib", type=float, default=8.0)
    ap.add_argument("--repo", action="append", default=[], help="NAME=PATH, another input")
    ap.add_argument("--results", type=Path, default=WORK / "reports-results.jsonl")
    args = ap.parse_args()
    sources = [spec.split("=", 1) for spec in args.src] or [["credscope", str(ROOT)]]
    for _, src in sources:
        compiled(Path(src))
    print(f"{time.strftime('%Y-%m-%d %H:%M')}; cpus {os.cpu_count()}; "
          f"load average {os.getloadavg()}; credscope from {sources}", flush=True)
    table = ["| input | format | tool | s | CPU s | MiB/s | peak RSS MiB | report MB |"
             " SARIF gz MB | findings / results |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---|"]
    with tempfile.TemporaryDirectory(prefix="bench-reports-", dir=WORK) as tmp_name:
        tmp = Path(tmp_name)
        for name, (target, history) in inputs(args, tmp).items():
            blobs, size = blob_totals(target, history)
            mib = size / 2**20
            print(f"{name}: {target} ({blobs:,} blobs/files, {mib:,.1f} MiB)", flush=True)
            for fmt in args.formats.split(","):
                tools: list[tuple[str, list[str], Path, dict[str, str] | None, float]] = [
                    (f"credscope ({label})" if args.src else "credscope",
                     credscope(target, fmt, tmp / f"cs-{label}.{fmt}", history),
                     tmp / f"cs-{label}.{fmt}",
                     {**os.environ, "PYTHONPATH": str(Path(src).resolve())},
                     args.mem_limit_gib) for label, src in sources]
                if not args.no_kingfisher:
                    tools.append(("kingfisher",
                                  kingfisher(target, fmt, tmp / f"kf.{fmt}", history),
                                  tmp / f"kf.{fmt}", None, 0.0))
                if not args.no_warm and fmt == args.formats.split(",")[0]:
                    # once per input: the page cache, credscope's compiled rule database
                    for _, cmd, _, tool_env, limit in (tools[0], tools[-1]):
                        timed(cmd, tool_env, limit)
                samples: dict[str, list[Sample]] = {t[0]: [] for t in tools}
                for i in range(args.runs):
                    for tool, cmd, out, tool_env, limit in tools:
                        kind = "credscope" if tool.startswith("credscope") else "kingfisher"
                        s = measure(cmd, out, tool_env, limit, kind, fmt)
                        samples[tool].append(s)
                        print(f"    {name} {fmt} run {i + 1} {tool:<20} {s.seconds:8.2f} s "
                              f"(cpu {s.cpu:7.1f} s) "
                              f"{s.rss_kib / 1024:7.0f} MiB {s.size / 1e6:9.2f} MB "
                              f"{s.gz / 1e6:6.2f} MB gz {s.extra}", flush=True)
                        with args.results.open("a") as log:
                            log.write(json.dumps({"input": name, "format": fmt, "tool": tool,
                                                  "when": time.time(), **s.__dict__}) + "\n")
                for tool, runs in samples.items():
                    table.append(_row(name, fmt, tool, runs, mib))
    print("\n".join(["", *table]))


if __name__ == "__main__":
    main()
