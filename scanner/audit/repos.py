"""Which repositories an audit covers, where git reads each one, and whether it changed.

REPOS is a file of locations (local paths or git URLs, one a line, `#` comments) or a
directory whose children are repositories. A URL is mirrored (`git clone --mirror`) into a
cache directory and refreshed with `git fetch` on later runs; the audit reads the mirror.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from scanner.errors import ConfigError, SourceError
from scanner.runner import public_url
from scanner.sources.git import git_command, git_env, run_git

# Transports a REPOS line may name. `ext::` runs a command and `fd::` reads a descriptor, so
# git's own protocol allow-list is kept closed to them; SAFE_CONFIG closes every protocol
# (`protocol.allow=never`) and a clone or fetch reopens these alone.
_TRANSPORTS = ("https", "http", "ssh", "git", "file")
_OPEN = tuple(arg for name in _TRANSPORTS for arg in ("-c", f"protocol.{name}.allow=always"))
_SCP_LIKE = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!//)")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class Repository:
    """One repository of the audit."""

    name: str  # what reports call it: the path as listed, or the URL without credentials
    path: Path  # where git reads it: a work tree, a bare repository or the mirror
    url: str | None = None  # set for a mirrored URL (may hold credentials: never shown)

    @property
    def slug(self) -> str:
        return slug_of(self.name)


def slug_of(name: str) -> str:
    """A file name, unique in the audit, for a repository's reports."""
    return f"{_readable(name)}-{_digest(name)[:8]}"


def _readable(name: str) -> str:
    """The last two parts of a path or URL, safe in a file name."""
    tail = "-".join(Path(urlsplit(name).path if is_url(name) else name).parts[-2:])
    return _UNSAFE_NAME.sub("_", tail.removesuffix(".git")).strip("._-")[:60] or "repo"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def is_url(location: str) -> bool:
    return "://" in location or bool(_SCP_LIKE.match(location))


def read_locations(repos: Path) -> list[str]:
    """The locations REPOS names: a list file's lines, or a directory's repositories."""
    if repos.is_dir():
        return [str(child) for child in sorted(repos.iterdir()) if _is_repository(child)]
    try:
        text = repos.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read the repository list: {err}", path=str(repos)) from None
    base = repos.parent
    found: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        location = line if is_url(line) else str(base / Path(line).expanduser())
        if location not in found:
            found.append(location)
    return found


def _is_repository(path: Path) -> bool:
    if not path.is_dir():
        return False
    if (path / ".git").exists():
        return True
    return all((path / part).exists() for part in ("HEAD", "objects", "refs"))  # bare


def repositories(locations: list[str], cache: Path) -> list[Repository]:
    """Each location as a Repository; a URL's mirror lives in `cache`, named by the whole
    URL (two URLs that differ only in their credentials still get two mirrors)."""
    out: dict[str, Repository] = {}
    for location in locations:
        if is_url(location):
            scheme = urlsplit(location).scheme.lower() if "://" in location else "ssh"
            name = public_url(location) or "a URL"
            if scheme not in _TRANSPORTS:
                raise ConfigError(f"unsupported transport {scheme!r} in {name} "
                                  f"(use one of {', '.join(_TRANSPORTS)})")
            mirror = cache / f"{_readable(name)}-{_digest(location)[:12]}.git"
            repo = Repository(name, mirror, url=location)
        else:
            repo = Repository(location, Path(location))
        if repo.name in out:
            raise ConfigError(f"{repo.name} is listed twice (under names reports cannot tell "
                              "apart)")
        out[repo.name] = repo
    return list(out.values())


def refresh_mirror(repo: Repository) -> None:
    """Clone the mirror on first sight, fetch into it afterwards. Git's words can echo the
    URL, credentials and all: the error names the repository by its public name instead."""
    assert repo.url is not None
    if (repo.path / "HEAD").exists():
        args = ["fetch", "--prune", "--quiet", "--end-of-options", repo.url, "+refs/*:refs/*"]
        cwd = repo.path  # and +refs/*:refs/* is what a mirror's own remote fetches
    else:
        repo.path.parent.mkdir(parents=True, exist_ok=True)
        args = ["clone", "--mirror", "--quiet", "--end-of-options", repo.url, str(repo.path)]
        cwd = repo.path.parent
    proc = subprocess.run(git_command([*_OPEN, *args]), cwd=cwd, env=git_env(),
                          capture_output=True, stdin=subprocess.DEVNULL, check=False)
    if proc.returncode != 0:
        words = proc.stderr.decode("utf-8", "replace").replace(repo.url, repo.name)
        fatal = [line for line in words.splitlines() if line.startswith("fatal:")]
        raise SourceError(f"git {args[0]} failed: {(fatal or words.splitlines() or ['?'])[0]}",
                          path=repo.name)


def repository_state(path: Path) -> str:
    """What a history scan of the repository depends on in git: every ref and what it points
    at, HEAD, the origin URL (reports show it) and whether the clone is shallow."""
    refs = run_git(["for-each-ref", "--format=%(objectname) %(refname)"], path)
    head = run_git(["rev-parse", "-q", "--verify", "HEAD"], path, check=False)
    symbolic = run_git(["symbolic-ref", "-q", "HEAD"], path, check=False)
    origin = run_git(["config", "--get", "remote.origin.url"], path, check=False)
    git_dir = run_git(["rev-parse", "--absolute-git-dir"], path).strip()
    shallow = b"shallow" if Path(os.fsdecode(git_dir), "shallow").exists() else b""
    digest = hashlib.sha256()
    for part in (refs, head, symbolic, origin, shallow):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()
