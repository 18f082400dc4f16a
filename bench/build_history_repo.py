"""Build the history benchmark repository: Django and SQLAlchemy releases committed in one line.

Two steps, the second offline and reproducible (same sdists -> same commit hashes):

    python bench/build_history_repo.py download   # pip download the sdists into bench/.work/sdists
    python bench/build_history_repo.py build      # offline: bench/.work/history-repo
    python bench/build_history_repo.py report     # the totals of an existing build

89 Django releases live at the top of the work tree, 12 SQLAlchemy releases under
`sqlalchemy/`. Both release lists are spread evenly over one linear sequence of commits (101
commits on `main`, Django's last release last). Each release is unpacked over its own
project's previous release (files that vanished are deleted; the other project's files are
left alone) and committed with a pinned author and a date one day after the previous commit,
then tagged (`v1.4` for Django, `sqlalchemy-1.4.0` for SQLAlchemy). One fake Stripe key is
planted in an early Django release and removed later, so a history-only secret exists. The
repository holds 70,087 unique blobs, 1,155.8 MiB (1.13 GiB) of blob content; `build` and
`report` print these totals.
"""

from __future__ import annotations

import argparse
import fractions
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
# SQLAlchemy: the first release of every minor line from 0.7 to 2.0, and the last one of the
# lines from 1.3 on (0.6 and 0.8.6-0.8.7 need use_2to3, gone from setuptools; 2.1's metadata
# needs a newer setuptools than the download venv's). Its sdists ship the built HTML docs, with
# the version on every page, so each release adds nearly all of its 11-61 MiB: these 12 bring
# the 757 MiB of the Django releases over 1 GiB.
SQLALCHEMY_VERSIONS = (
    "0.7.0", "0.8.0", "0.9.0", "1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.3.24", "1.4.0", "1.4.54",
    "2.0.0", "2.0.58",
)
# Where each project's releases are unpacked ("" = the top of the work tree) and its tag prefix.
# bench_speed.py checks for the tag of Django's last release (f"v{VERSIONS[-1]}").
SUBDIR = {"Django": "", "SQLAlchemy": "sqlalchemy"}
TAG = {"Django": "v", "SQLAlchemy": "sqlalchemy-"}
PLANT_AT, REMOVE_AT = "1.4", "2.0"  # the fake key lives in these releases' history only
EPOCH = 1_250_000_000  # 2009-08-11: first commit date; one day more per commit


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


def releases() -> list[tuple[str, str]]:
    """Every (project, version) in commit order: each project's releases spread evenly over
    the sequence, ties going to SQLAlchemy, so Django's last release is the last commit."""
    keyed = [(fractions.Fraction(i + 1, len(versions)), rank, project, version)
             for rank, (project, versions) in enumerate((("SQLAlchemy", SQLALCHEMY_VERSIONS),
                                                          ("Django", VERSIONS)))
             for i, version in enumerate(versions)]
    return [(project, version) for _, _, project, version in sorted(keyed)]


def find_sdist(project: str, version: str) -> Path | None:
    names = {f"{project}-{version}.tar.gz".lower(), f"{project}-{version}.tgz".lower()}
    found = sorted(p for p in SDISTS.glob("*") if p.name.lower() in names)
    return found[0] if found else None


def sdist(project: str, version: str) -> Path:
    found = find_sdist(project, version)
    if found is None:
        sys.exit(f"missing sdist for {project} {version}: run `{sys.argv[0]} download` first")
    return found


def download() -> None:
    """pip download each sdist. Metadata is prepared in a private venv that already has
    setuptools and wheel (--no-build-isolation): no per-sdist build environment to install."""
    SDISTS.mkdir(parents=True, exist_ok=True)
    venv = WORK / "download-venv"
    pip = venv / "bin" / "pip"
    if not pip.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(pip), "install", "-q", "setuptools", "wheel"], check=True)
    for project, version in releases():
        if find_sdist(project, version) is not None:
            continue
        subprocess.run([str(pip), "download", "-q", "--no-deps", "--no-binary", ":all:",
                        "--no-build-isolation", "-d", str(SDISTS), f"{project}=={version}"],
                       check=True)


def unpack(project: str, version: str) -> None:
    """Replace the project's part of the work tree by the release's files: its subdirectory,
    or for the top-level project everything but .git and the other projects' subdirectories."""
    root = REPO / SUBDIR[project]  # REPO itself for ""
    keep = {".git", *(d for d in SUBDIR.values() if d)} if root == REPO else set()
    root.mkdir(exist_ok=True)
    for entry in root.iterdir():
        if entry.name not in keep:
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    with tarfile.open(sdist(project, version)) as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts[1:]  # drop the "Django-X.Y/" top directory
            if not parts or not (member.isfile() or member.isdir()):
                continue
            target = root.joinpath(*parts)
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
    for day, (project, version) in enumerate(releases()):
        unpack(project, version)
        if project == "Django":  # the key file lives in Django's part of the tree
            planted = (planted or version == PLANT_AT) and version != REMOVE_AT
            if planted:
                settings = REPO / "deploy" / "settings_prod.py"
                settings.parent.mkdir(exist_ok=True)
                settings.write_text(f'STRIPE_SECRET_KEY = "{fake_stripe_key()}"\n')
        git("add", "-A", day=day)
        git("commit", "-q", "--allow-empty", "-m", f"{project} {version}", day=day)
        git("tag", f"{TAG[project]}{version}", day=day)
        print(f"committed {project} {version}", flush=True)
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
