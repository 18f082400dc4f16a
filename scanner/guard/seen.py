"""Files the guard has already judged: their sightings, kept until anything they depend on
changes, so an agent that reads the same file again (it does, often) is answered without
the classifier.

The key is everything a sighting depends on: the file's identity, size and times, whether
git tracks it (the repository's index file changes when that does), the scan-policy
overrides of the guard config, and, through the directory it lives in, the rules (the index
directory is per rules signature and goes when they change). What is kept is the
classification and the redacted form, never a secret.
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

from scanner.guard import lookup
from scanner.guard.inspect import Sighting

MAX_ENTRIES = 20000  # judged files kept per version of the rules (a few MiB at most)


def context(path: str, policy: str) -> str | None:
    """The key of a file's judgement, or None when it cannot be told (no such file, or a
    repository whose index the guard cannot find)."""
    try:
        st = os.stat(path)  # noqa: PTH116 - one call; a Path would add nothing
    except OSError:
        return None
    root = lookup.repository(str(Path(path).parent))
    index = ""
    if root is not None:
        git = root / ".git"
        if not git.is_dir():
            return None  # a worktree or submodule: its index is elsewhere
        try:
            ist = (git / "index").stat()
            index = f"{ist.st_size}:{ist.st_mtime_ns}"
        except OSError:
            index = "no-index"
    return (f"{path}|{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"
            f"|{index}|{policy}")


class Seen:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _file(self, key: str) -> Path:
        raw = key.encode()
        return self.directory / f"{zlib.crc32(raw):08x}{zlib.adler32(raw):08x}.json"

    def get(self, key: str) -> list[Sighting] | None:
        try:
            stored = json.loads(self._file(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(stored, dict) or stored.get("key") != key:
            return None
        try:
            return [Sighting._make(tuple(v) if isinstance(v, list) else v for v in row)
                    for row in stored["sightings"]]
        except (TypeError, KeyError):
            return None

    def put(self, key: str, sightings: list[Sighting]) -> None:
        rows = [list(s._replace(secret="")) for s in sightings]
        target = self._file(key)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            if sum(1 for _ in os.scandir(self.directory)) > MAX_ENTRIES:
                for old in self.directory.iterdir():  # start over rather than grow forever
                    old.unlink(missing_ok=True)
            tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"key": key, "sightings": rows}), encoding="utf-8")
            tmp.replace(target)
        except OSError:
            pass  # a read-only cache only costs the next call the classifier
