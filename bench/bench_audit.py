"""Organisation audit: `credscope scan --history` one repository at a time against
`credscope audit` on a Dask LocalCluster, on the same organisation.

    python bench/bench_audit.py [--workers 2] [--real devise,vaultwarden,grav,stripe-node]

The organisation (bench/.work/audit-org): real public repositories (mirrors fetched into
/work/.mirror, cloned locally), forks of each (a clone plus a commit of its own: the fork
shares its upstream's whole history), and the 33-repository synthetic organisation of the
tests. Measured:
  - sequential: one `credscope scan --history --format json --report sarif=...` process per
    repository (the same two reports the audit writes; default options, as a user would
    loop), wall time and the peak RSS of the largest one;
  - audit: `credscope audit --workers N`, wall time, peak RSS of the driver and of each
    worker process (sampled every 0.1 s), the CPU seconds of every process in the tree
    (workers, their git readers, the driver), blobs and MiB analysed;
  - re-run with nothing changed, wall time;
  - equality: every repository's audit JSON against its own scan (all but `seconds`).
The per-blob and per-MiB costs it prints are what docs/audit.md's estimate starts from.

    python bench/bench_audit.py --in-process

measures the audit's own analysis path without Dask: each real upstream walked and analysed
in this one process (plan_repository, then analyse_shard over shards of 256 blobs), its CPU
and its git children's, per blob and per GiB, and how many distinct secrets it fingerprinted
(two scrypt derivations each: the repository's key and the identity).
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work" / "audit-bench"
MIRRORS = Path("/work/.mirror")
REAL = {"devise": "heartcombo+devise", "vaultwarden": "dani-garcia+vaultwarden",
        "grav": "getgrav+grav", "stripe-node": "stripe+stripe-node"}
CREDSCOPE = [sys.executable, "-m", "scanner"]
sys.path.insert(0, str(ROOT))


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def build(real: list[str], forks: int) -> Path:
    """The organisation, once; its REPOS file."""
    org = WORK / "org"
    listing = WORK / "repos.txt"
    if listing.exists():
        return listing
    from tests.audit_org import build_org

    os.environ.update({"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
                       "GIT_COMMITTER_NAME": "Bench",
                       "GIT_COMMITTER_EMAIL": "bench@example.invalid"})
    lines = build_org(WORK)
    for name in real:
        source = MIRRORS / REAL[name] / "repo"
        if not source.exists():
            sys.exit(f"{source} is missing: fetch github:{REAL[name].replace('+', '/')} first")
        upstream = org / f"real-{name}.git"
        git(WORK, "clone", "-q", "--mirror", str(source), str(upstream))
        lines.append(str(upstream.relative_to(WORK)))
        for n in range(forks):
            fork = org / f"real-{name}-fork{n}"
            git(WORK, "clone", "-q", "--no-checkout", str(upstream), str(fork))
            git(fork, "commit", "-q", "--allow-empty", "-m", f"fork {n} of {name}")
            lines.append(str(fork.relative_to(WORK)))
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return listing


def repositories(listing: Path) -> list[tuple[str, Path]]:
    from scanner.audit.repos import read_locations, repositories

    return [(r.name, r.path) for r in repositories(read_locations(listing), WORK / "mirrors")
            if r.url is None and r.path.exists()]


def sequential(repos: list[tuple[str, Path]], out: Path) -> dict[str, Any]:
    from scanner.audit.repos import slug_of

    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    peak = 0
    cpu = 0.0
    for name, path in repos:
        base = out / slug_of(name)
        proc = subprocess.Popen([*CREDSCOPE, "scan", "--history", str(path), "--format", "json",
                                 "-o", f"{base}.json", "--report", f"sarif={base}.sarif",
                                 "--no-progress"], cwd=ROOT)
        _, _, usage = os.wait4(proc.pid, 0)  # its own usage and its reaped children's (git)
        peak = max(peak, usage.ru_maxrss)
        cpu += usage.ru_utime + usage.ru_stime
    return {"seconds": time.perf_counter() - started, "peak_rss_mib": peak / 1024,
            "cpu_seconds": round(cpu, 2)}


def audit(listing: Path, out: Path, workers: int) -> dict[str, Any]:
    """One `credscope audit`, sampling its process tree for peak RSS and CPU."""
    started = time.perf_counter()
    proc = psutil.Popen([*CREDSCOPE, "audit", str(listing), "--out", str(out), "--workers",
                         str(workers), "--no-progress"], cwd=ROOT, stderr=subprocess.DEVNULL)
    peak: dict[int, int] = {}
    cpu: dict[int, float] = {}
    kind: dict[int, str] = {}
    while proc.poll() is None:
        for p in (proc, *_children(proc)):
            try:
                with p.oneshot():
                    what = kind.get(p.pid) or _kind(p, proc)
                    rss = p.memory_info().rss
                    times = p.cpu_times()
            except psutil.Error:
                continue
            kind[p.pid] = what
            peak[p.pid] = max(peak.get(p.pid, 0), rss)
            cpu[p.pid] = times.user + times.system
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    doc = json.loads((out / "organisation.json").read_text(encoding="utf-8"))["audit"]
    workers_rss = sorted((peak[p] / 2**20 for p in peak if kind[p] == "worker"), reverse=True)
    return {"seconds": seconds, "driver_rss_mib": peak[proc.pid] / 2**20,
            "worker_rss_mib": [round(r, 1) for r in workers_rss],
            "cpu_seconds": {k: round(sum(cpu[p] for p in cpu if kind[p] == k), 2)
                            for k in ("driver", "worker", "git", "other")},
            "blobs": doc["blobsAnalysed"], "mib": doc["bytesAnalysed"] / 2**20,
            "walked": doc["repositoriesWalked"], "reused": doc["placesReused"],
            "rejudged": doc["placesRejudged"], "exit": proc.returncode}


def _children(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return proc.children(recursive=True)
    except psutil.Error:
        return []


def _kind(p: psutil.Process, driver: psutil.Process) -> str:
    if p.pid == driver.pid:
        return "driver"
    cmd = " ".join(p.cmdline())
    if cmd.startswith("git ") or "/git " in cmd:
        return "git"
    return "worker" if "spawn_main" in cmd or "multiprocessing" in cmd else "other"


def compare(repos: list[tuple[str, Path]], seq: Path, out: Path) -> tuple[int, list[str]]:
    from scanner.audit.repos import slug_of

    def load(path: Path) -> Any:
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["scan"].pop("seconds")
        return doc

    differ = [name for name, _ in repos
              if load(seq / f"{slug_of(name)}.json")
              != load(out / "repositories" / f"{slug_of(name)}.json")]
    return len(repos) - len(differ), differ


def in_process(real: list[str]) -> dict[str, Any]:
    import hashlib
    import resource

    from scanner.audit.identity import repo_scheme
    from scanner.audit.keys import analysis_key, portable
    from scanner.audit.work import RepoTask, ShardTask, analyse_shard, plan_repository
    from scanner.config import load_config

    def cpu() -> float:
        mine, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF,
                                                      resource.RUSAGE_CHILDREN))
        return mine.ru_utime + mine.ru_stime + kids.ru_utime + kids.ru_stime

    started, blobs, size, secrets = cpu(), 0, 0, set()
    for name in real:
        path = WORK / "org" / f"real-{name}.git"
        config = load_config(path).with_overrides(root=path, progress=False, jobs=1)
        task = RepoTask(name, portable(config), analysis_key(config), repo_scheme(config),
                        os.urandom(16))
        changes = plan_repository(task).reads
        for start in range(0, len(changes), 256):
            shard = ShardTask(task, tuple((c, (c.path,)) for c in changes[start:start + 256]))
            result = analyse_shard(shard)
            blobs, size = blobs + result.blobs, size + result.size
            secrets |= {k.identity for _, o in result.outcomes for k in o.findings}
    seconds = cpu() - started
    one = time.perf_counter()
    for i in range(20):
        hashlib.scrypt(b"%d" % i, salt=b"s" * 16, n=2**11, r=8, p=1, maxmem=1 << 23)
    scrypt_ms = (time.perf_counter() - one) / 20 * 1000
    return {"repositories": real, "blobs": blobs, "mib": round(size / 2**20, 1),
            "cpu_seconds": round(seconds, 2), "ms_per_blob": round(1000 * seconds / blobs, 3),
            "cpu_s_per_gib": round(seconds / (size / 2**30), 2),
            "distinct_secrets": len(secrets), "scrypt_ms": round(scrypt_ms, 2),
            "scrypt_share": round(2 * len(secrets) * scrypt_ms / 1000 / seconds, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--real", default=",".join(REAL))
    parser.add_argument("--forks", type=int, default=2)
    parser.add_argument("--fresh", action="store_true", help="rebuild the organisation")
    parser.add_argument("--reuse-sequential", action="store_true",
                        help="keep the last sequential run (its reports and timing)")
    parser.add_argument("--in-process", action="store_true",
                        help="only the analysis path's cost in one process, without Dask")
    args = parser.parse_args()
    if args.fresh:
        shutil.rmtree(WORK, ignore_errors=True)
    real = [n for n in args.real.split(",") if n]
    listing = build(real, args.forks)
    if args.in_process:
        print(json.dumps(in_process(real), indent=2))
        return
    repos = repositories(listing)
    shutil.rmtree(WORK / "out", ignore_errors=True)
    saved = WORK / "sequential.json"
    if args.reuse_sequential and saved.exists():
        seq = json.loads(saved.read_text(encoding="utf-8"))
    else:
        shutil.rmtree(WORK / "seq", ignore_errors=True)
        seq = sequential(repos, WORK / "seq")
        saved.write_text(json.dumps(seq), encoding="utf-8")
    first = audit(listing, WORK / "out", args.workers)
    again = audit(listing, WORK / "out", args.workers)
    same, differ = compare(repos, WORK / "seq", WORK / "out")
    worker_cpu = first["cpu_seconds"]["worker"] + first["cpu_seconds"]["git"]
    result = {
        "repositories": len(repos), "sequential": seq, "audit": first,
        "audit_unchanged": {"seconds": again["seconds"], "blobs": again["blobs"],
                            "walked": again["walked"]},
        "equal_to_scans": f"{same}/{len(repos)}", "differ": differ,
        "worker_cpu_ms_per_blob": round(1000 * worker_cpu / max(first["blobs"], 1), 3),
        "worker_cpu_s_per_gib": round(worker_cpu / max(first["mib"] / 1024, 1e-9), 2),
        "speedup": round(seq["seconds"] / first["seconds"], 2),
    }
    (WORK / "result.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
