"""All git access lives here: one environment, `-z` output, nothing a repository can run.

A hostile repository may set `core.fsmonitor`, hooks or filters in its config; every call
overrides those, clears inherited `GIT_*` variables and never goes through a shell.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from scanner.errors import SourceError

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


def run_git(args: Sequence[str], cwd: Path, *, check: bool = True) -> bytes:
    try:
        proc = subprocess.run(
            git_command(args), cwd=cwd, env=git_env(), capture_output=True, check=False,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise SourceError("git is not installed or not on PATH") from None
    if check and proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SourceError(f"git {args[0]} failed: {msg[-1] if msg else proc.returncode}",
                          path=str(cwd))
    return proc.stdout


def split_z(output: bytes) -> list[str]:
    """Split `-z` output into paths; undecodable bytes survive as surrogate escapes."""
    return [os.fsdecode(p) for p in output.split(b"\0") if p]


def repo_toplevel(path: Path) -> Path | None:
    """The work tree containing `path`, or None when it is not inside one."""
    try:
        out = run_git(["rev-parse", "--show-toplevel"], path, check=True)
    except SourceError:
        return None
    text = os.fsdecode(out.strip())
    return Path(text) if text else None


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
