"""Materialise the real-code benchmark's working trees, each at its pinned commit.

    python bench/realcode/prepare.py [--only NAME,...] [--mirror-dir DIR] [--no-network]

Each repository of bench/realcode/repos.toml becomes a git checkout at
bench/.work/realcode/<name>, detached at exactly the pinned commit, as a user's clone would be.
The objects come from a local mirror when one exists (`--mirror-dir`, default /work/.mirror,
where the `fetch` tool puts `OWNER+NAME/repo`), otherwise from `git clone URL`.

Files of 4 MiB or more are left out of every tree (a sparse checkout excludes them): the
mirror snapshots lack them, and leaving them out everywhere makes a tree from a mirror and a
tree from the network the same input. They are listed when a tree is made.

Idempotent: a tree already clean at its commit is left alone; one at another commit, or with
changes, is reset to the pinned commit (git checkout --force, git clean -ffdx).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from repos import BENCH, Repo, load_repos, select

WORK = BENCH / ".work" / "realcode"
DEFAULT_MIRRORS = Path("/work/.mirror")
LARGE_FILE = 4 * 1024 * 1024


class PrepareError(Exception):
    """A tree could not be made; the message says which and why."""


def git(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        where = f" in {cwd}" if cwd else ""
        raise PrepareError(f"git {' '.join(args)}{where} failed: {done.stderr.strip()}")
    return done.stdout


def find_mirror(repo: Repo, mirror_dir: Path) -> Path | None:
    owner, name = repo.owner_and_name
    for candidate in (mirror_dir / f"{owner}+{name}" / "repo", mirror_dir / f"{owner}+{name}",
                      mirror_dir / f"{name}.git", mirror_dir / name):
        if (candidate / "HEAD").is_file() or (candidate / ".git").exists():
            return candidate
    return None


def large_files(tree: Path, commit: str) -> list[str]:
    """Paths of the commit's blobs of LARGE_FILE bytes or more, and of blobs whose content
    the snapshot lacks (git lists their size as BAD)."""
    listing = git("ls-tree", "-r", "-l", "-z", commit, cwd=tree)
    paths = []
    for entry in listing.split("\0"):
        if not entry:
            continue
        meta, path = entry.split("\t", 1)
        size = meta.split()[3]
        if size == "BAD" or (size.isdigit() and int(size) >= LARGE_FILE):
            paths.append(path)
    return paths


def sparse_pattern(path: str) -> str:
    """A gitignore-style pattern that matches exactly this path."""
    escaped = "".join("\\" + ch if ch in "*?[]\\!# " else ch for ch in path)
    return "!/" + escaped


def exclude_large(tree: Path, commit: str) -> list[str]:
    large = large_files(tree, commit)
    git("config", "core.sparseCheckout", "true", cwd=tree)
    info = Path(git("rev-parse", "--git-path", "info", cwd=tree).strip())
    info = info if info.is_absolute() else tree / info
    info.mkdir(parents=True, exist_ok=True)
    lines = ["/*", *(sparse_pattern(p) for p in large)]
    (info / "sparse-checkout").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return large


def clone(repo: Repo, dest: Path, mirror_dir: Path, network: bool) -> None:
    mirror = find_mirror(repo, mirror_dir)
    if mirror is not None:
        print(f"  cloning from mirror {mirror}")
        git("clone", "--quiet", "--no-checkout", "--local", str(mirror), str(dest))
    elif network:
        print(f"  no mirror under {mirror_dir}; cloning {repo.url}")
        git("clone", "--quiet", "--no-checkout", repo.url, str(dest))
    else:
        raise PrepareError(
            f"{repo.name}: no mirror under {mirror_dir} (looked for {'+'.join(repo.owner_and_name)}"
            f"/repo) and --no-network given; run the fetch tool (fetch github:"
            f"{'/'.join(repo.owner_and_name)}) or pass --mirror-dir")


def has_commit(tree: Path, commit: str) -> bool:
    done = subprocess.run(["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=tree,
                          capture_output=True, check=False)
    return done.returncode == 0


def is_clean_at(tree: Path, commit: str) -> bool:
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tree, capture_output=True,
                          text=True, check=False).stdout.strip()
    return head == commit and git("status", "--porcelain", "--ignored", cwd=tree) == ""


def prepare(repo: Repo, mirror_dir: Path, network: bool) -> Path:
    dest = WORK / repo.name
    if (dest / ".git").exists() and is_clean_at(dest, repo.commit):
        print(f"{repo.name}: ready at {repo.commit[:12]}")
        return dest
    print(f"{repo.name}: materialising {repo.commit[:12]}")
    if dest.exists() and not (dest / ".git").exists():
        if any(dest.iterdir()):
            raise PrepareError(f"{dest} exists and is not a git checkout; remove it first")
        dest.rmdir()
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        clone(repo, dest, mirror_dir, network)
    if not has_commit(dest, repo.commit):
        raise PrepareError(
            f"{repo.name}: commit {repo.commit} is not in {dest} (the mirror or remote no "
            "longer has it); fetch the repository again, or remove the tree and retry")
    large = exclude_large(dest, repo.commit)
    git("checkout", "--quiet", "--force", "--detach", repo.commit, cwd=dest)
    git("clean", "-ffdxq", cwd=dest)
    if not is_clean_at(dest, repo.commit):
        raise PrepareError(f"{repo.name}: {dest} is not clean at {repo.commit} after checkout")
    for path in large:
        print(f"  left out (4 MiB or more, or absent from the snapshot): {path}")
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated repository names")
    parser.add_argument("--mirror-dir", type=Path, default=DEFAULT_MIRRORS,
                        help=f"where local mirrors live (default {DEFAULT_MIRRORS})")
    parser.add_argument("--no-network", action="store_true",
                        help="never clone from the URL; fail when no mirror exists")
    args = parser.parse_args(argv)
    try:
        repos = select(load_repos(), args.only)
        for repo in repos:
            prepare(repo, args.mirror_dir, network=not args.no_network)
    except PrepareError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{len(repos)} trees ready under {WORK}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
