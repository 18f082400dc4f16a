"""Build the history benchmark repository: dozens of Django releases committed one after another.

Two steps, the second offline and reproducible (same sdists -> same commit hashes):

    python bench/build_history_repo.py download   # pip download the sdists into bench/.work/sdists
    python bench/build_history_repo.py build      # offline: bench/.work/history-repo

Each release is unpacked over the previous one (files that vanished are deleted) and committed
with a pinned author and a date one day after the previous release, then tagged. One fake
Stripe key is planted in an early release and removed later, so a history-only secret exists.
The repository holds well over 1 GiB of unique blob content; `build` prints the totals.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import string
import subprocess
import sys
import tarfile
from pathlib import Path

WORK = Path(__file__).resolve().parent / ".work"
SDISTS = WORK / "sdists"
REPO = WORK / "history-repo"

# Every minor line from 1.0 on, first and last patch release, plus a few patch releases in
# between: big minor releases give most of the unique content, patch releases give churn.
VERSIONS = (
    "1.1.3", "1.1.4", "1.2", "1.2.3", "1.2.7", "1.3", "1.3.3", "1.3.7", "1.4", "1.4.5", "1.4.10",
    "1.4.15", "1.4.22", "1.5", "1.5.5", "1.5.12", "1.6", "1.6.5", "1.6.11", "1.7", "1.7.5",
    "1.7.11", "1.8", "1.8.5", "1.8.10", "1.8.14", "1.8.19", "1.9", "1.9.5", "1.9.13", "1.10",
    "1.10.4", "1.10.8", "1.11", "1.11.5", "1.11.10", "1.11.15", "1.11.20", "1.11.25", "1.11.29",
    "2.0", "2.0.5", "2.0.13", "2.1", "2.1.5", "2.1.10", "2.1.15", "2.2", "2.2.5", "2.2.10",
    "2.2.14", "2.2.20", "2.2.24", "2.2.28", "3.0", "3.0.5", "3.0.10", "3.0.14", "3.1", "3.1.5",
    "3.1.10", "3.1.14", "3.2", "3.2.5", "3.2.12", "3.2.18", "3.2.25", "4.0", "4.0.5", "4.0.10",
    "4.1", "4.1.5", "4.1.10", "4.1.13", "4.2", "4.2.5", "4.2.10", "4.2.15", "4.2.20", "4.2.25",
    "5.0", "5.0.8", "5.0.14", "5.1", "5.1.4", "5.1.8", "5.1.12", "5.2", "5.2.5",
)
PLANT_AT, REMOVE_AT = "1.4", "2.0"  # the fake key lives in these releases' history only
EPOCH = 1_250_000_000  # 2009-08-11: first release date; one day more per release


def fake_stripe_key() -> str:
    """Built at run time, never a real key (house rule)."""
    rng = random.Random("bench-history-stripe")
    return "sk_live_" + "".join(rng.choice(string.ascii_letters + string.digits)
                                for _ in range(32))


def git_env(day: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    date = f"@{EPOCH + day * 86400} +0000"
    env.update({
        "GIT_AUTHOR_NAME": "Bench Author", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
        "GIT_COMMITTER_NAME": "Bench Author", "GIT_COMMITTER_EMAIL": "bench@example.invalid",
        "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
        "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
    })
    return env


def git(*args: str, day: int = 0) -> str:
    out = subprocess.run(["git", *args], cwd=REPO, env=git_env(day), check=True,
                         capture_output=True)
    return out.stdout.decode()


def sdist(version: str) -> Path:
    found = [p for p in SDISTS.glob("*") if p.name.lower() in (
        f"django-{version}.tar.gz", f"django-{version}.tgz")]
    if not found:
        sys.exit(f"missing sdist for Django {version}: run `{sys.argv[0]} download` first")
    return found[0]


def download(versions: tuple[str, ...] = VERSIONS) -> None:
    """pip download each sdist. Metadata is prepared in a private venv that already has
    setuptools and wheel (--no-build-isolation): no per-sdist build environment to install."""
    SDISTS.mkdir(parents=True, exist_ok=True)
    venv = WORK / "download-venv"
    pip = venv / "bin" / "pip"
    if not pip.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(pip), "install", "-q", "setuptools", "wheel"], check=True)
    for version in versions:
        if any(SDISTS.glob(f"[Dd]jango-{version}.t*")):
            continue
        subprocess.run([str(pip), "download", "-q", "--no-deps", "--no-binary", ":all:",
                        "--no-build-isolation", "-d", str(SDISTS), f"django=={version}"],
                       check=True)


def unpack(version: str) -> None:
    """Replace the work tree (not .git) by the release's files."""
    for entry in REPO.iterdir():
        if entry.name != ".git":
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    with tarfile.open(sdist(version)) as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts[1:]  # drop the "Django-X.Y/" top directory
            if not parts or not (member.isfile() or member.isdir()):
                continue
            target = REPO.joinpath(*parts)
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            src = tar.extractfile(member)
            assert src is not None
            target.write_bytes(src.read())
            target.chmod(0o755 if member.mode & 0o111 else 0o644)


def build() -> None:
    if REPO.exists():
        shutil.rmtree(REPO)
    REPO.mkdir(parents=True)
    git("init", "-q", "-b", "main")
    git("config", "core.autocrlf", "false")
    git("config", "gc.auto", "0")
    planted = False
    for day, version in enumerate(VERSIONS):
        unpack(version)
        planted = (planted or version == PLANT_AT) and version != REMOVE_AT
        if planted:
            settings = REPO / "deploy" / "settings_prod.py"
            settings.parent.mkdir(exist_ok=True)
            settings.write_text(f'STRIPE_SECRET_KEY = "{fake_stripe_key()}"\n')
        git("add", "-A", day=day)
        git("commit", "-q", "--allow-empty", "-m", f"Django {version}", day=day)
        git("tag", f"v{version}", day=day)
        print(f"committed Django {version}", flush=True)
    git("gc", "-q", "--aggressive" if os.environ.get("BENCH_GC_AGGRESSIVE") else "--quiet")
    report()


def report() -> None:
    out = subprocess.run(
        ["git", "cat-file", "--batch-all-objects", "--batch-check=%(objecttype) %(objectsize)"],
        cwd=REPO, env=git_env(0), check=True, capture_output=True).stdout.decode()
    sizes = [int(line.split()[1]) for line in out.splitlines() if line.startswith("blob ")]
    print(f"HEAD {git('rev-parse', 'HEAD').strip()}: {len(sizes):,} unique blobs, "
          f"{sum(sizes) / 2**20:,.1f} MiB of blob content")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("download", "build", "report", "all"))
    step = parser.parse_args().step
    if step in ("download", "all"):
        download()
    if step in ("build", "all"):
        build()
    if step == "report":
        report()


if __name__ == "__main__":
    main()
