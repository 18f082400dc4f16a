"""The benchmark's repository list (repos.toml), shared by prepare.py and run.py."""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - 3.10
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
REPOS_TOML = HERE / "repos.toml"
_FIELDS = ("name", "url", "commit", "language", "kind", "why")
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
_COMMIT = re.compile(r"[0-9a-f]{40}")
_URL = re.compile(r"https://github\.com/([^/\s]+)/([^/\s]+?)(?:\.git)?/?")


@dataclass(frozen=True)
class Repo:
    name: str
    url: str
    commit: str
    language: str
    kind: str
    why: str

    @property
    def owner_and_name(self) -> tuple[str, str]:
        match = _URL.fullmatch(self.url)
        assert match is not None  # checked by load_repos
        return match.group(1), match.group(2)


def load_repos(path: Path = REPOS_TOML) -> list[Repo]:
    """Every [[repo]] of the file, checked: a bad entry is an error naming it."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    repos: list[Repo] = []
    for index, entry in enumerate(data.get("repo", []), start=1):
        where = f"{path.name}: repo #{index} ({entry.get('name', '?')})"
        missing = [f for f in _FIELDS if not isinstance(entry.get(f), str) or not entry[f]]
        if missing:
            raise ValueError(f"{where}: missing or empty {', '.join(missing)}")
        extra = sorted(set(entry) - set(_FIELDS))
        if extra:
            raise ValueError(f"{where}: unknown field {', '.join(extra)}")
        if not _NAME.fullmatch(entry["name"]):
            raise ValueError(f"{where}: name must be lower-case letters, digits, . _ -")
        if not _COMMIT.fullmatch(entry["commit"]):
            raise ValueError(f"{where}: commit must be 40 lower-case hex digits")
        if not _URL.fullmatch(entry["url"]):
            raise ValueError(f"{where}: url must be https://github.com/OWNER/NAME")
        repos.append(Repo(**{f: entry[f] for f in _FIELDS}))
    names = [r.name for r in repos]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"{path.name}: duplicate name {', '.join(dupes)}")
    return repos


def select(repos: list[Repo], only: str | None) -> list[Repo]:
    """The repositories named in a comma-separated --only (all when None)."""
    if not only:
        return repos
    wanted = [n.strip() for n in only.split(",") if n.strip()]
    known = {r.name for r in repos}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise ValueError(f"unknown repository {', '.join(unknown)} "
                         f"(known: {', '.join(sorted(known))})")
    return [r for r in repos if r.name in wanted]
