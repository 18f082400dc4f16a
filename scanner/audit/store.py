"""The audit's results store: one SQLite file in the output directory.

Two tables carry the work across runs (docs/audit.md explains the choice of SQLite):
  places        (analysis, blob, path) -> Outcome   one row per blob analysed at one path
  repositories  name -> (state, ScanResult)         one row per repository audited in full

`analysis` digests credscope's own code and rules and the settings that change a blob's
findings, so an upgrade or a new policy never reuses an old outcome. A repository's `state`
digests its refs, HEAD, configuration and baseline: an unchanged state means an unchanged
report. Rows are written by the driver alone, one transaction per finished shard, with the
primary key making a re-delivered shard (a lost worker's task run again) a no-op, so a crash
or a lost worker can neither lose nor duplicate a finding.

Values are pickled with an unpickler that accepts credscope's model classes and nothing else:
the store is a cache, never a way to run code, and a row it cannot read is analysed again.
"""

from __future__ import annotations

import io
import pickle
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from scanner.audit.outcome import Outcome
from scanner.errors import ReportError
from scanner.model import ScanResult

SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS places (
    analysis TEXT NOT NULL, blob TEXT NOT NULL, path BLOB NOT NULL, outcome BLOB NOT NULL,
    PRIMARY KEY (analysis, blob, path)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS repositories (
    name BLOB PRIMARY KEY, state TEXT NOT NULL, result BLOB NOT NULL, finished TEXT NOT NULL);
"""
_ALLOWED_MODULES = frozenset({"scanner.model", "scanner.audit.outcome"})
_ALLOWED_BUILTINS = frozenset({"frozenset", "set", "tuple", "list", "dict"})
Place = tuple[str, str]  # (blob id, path)
_BATCH = 500  # blob ids per query: under SQLite's limit on bound parameters


class _ModelUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module in _ALLOWED_MODULES or (module == "builtins" and name in _ALLOWED_BUILTINS):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not part of credscope's model")


def _loads(data: bytes) -> Any:
    try:
        return _ModelUnpickler(io.BytesIO(data)).load()
    except Exception:  # noqa: BLE001 - an unreadable row is work to do again, never a crash
        return None


def _dumps(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _path(path: str) -> bytes:
    return path.encode("utf-8", "surrogateescape")  # git paths need not be UTF-8


class Store:
    def __init__(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
            self._check_version(path)
        except sqlite3.Error as err:
            raise ReportError(f"cannot open the audit store: {err}", path=str(path)) from None

    def _check_version(self, path: Path) -> None:
        row = self.db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None:
            self.db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        elif row[0] != SCHEMA_VERSION:
            raise ReportError(f"the audit store has schema {row[0]}, this credscope writes "
                              f"{SCHEMA_VERSION}: use another --out or remove it", path=str(path))

    def close(self) -> None:
        self.db.close()

    def known(self, analysis: str, places: Iterable[Place]) -> set[Place]:
        """The places among `places` that have an outcome (readable or not: see outcomes)."""
        return {place for place, _ in self._rows(analysis, places, "1")}

    def outcomes(self, analysis: str, places: Iterable[Place]) -> Iterator[tuple[Place, Outcome]]:
        """Each place's outcome; a place missing or unreadable is left out (analyse it again)."""
        for place, data in self._rows(analysis, places, "outcome"):
            value = _loads(data)
            if isinstance(value, Outcome):
                yield place, value

    def _rows(self, analysis: str, places: Iterable[Place], column: str
              ) -> Iterator[tuple[Place, Any]]:
        """(place, column) of the stored places among `places`, asked by blob ids a batch at
        a time (a row per place would cost a query per blob of a large history)."""
        wanted: dict[str, set[str]] = {}
        for blob, path in places:
            wanted.setdefault(blob, set()).add(path)
        blobs = list(wanted)
        with closing(self.db.cursor()) as cur:
            for start in range(0, len(blobs), _BATCH):
                batch = blobs[start:start + _BATCH]
                cur.execute(f"SELECT blob, path, {column} FROM places WHERE analysis=? AND "  # noqa: S608 - a column name of ours
                            f"blob IN ({','.join('?' * len(batch))})", (analysis, *batch))
                for blob, raw_path, value in cur.fetchall():
                    path = raw_path.decode("utf-8", "surrogateescape")
                    if path in wanted[blob]:
                        yield (blob, path), value

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """All or nothing: a shard, or a repository's result, is stored whole or not at all."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def put_outcomes(self, analysis: str, rows: Iterable[tuple[Place, Outcome]]) -> None:
        with self._transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO places VALUES (?, ?, ?, ?)",
                ((analysis, blob, _path(path), _dumps(outcome))
                 for (blob, path), outcome in rows))

    def repository(self, name: str) -> tuple[str, ScanResult] | None:
        row = self.db.execute("SELECT state, result FROM repositories WHERE name=?",
                              (_path(name),)).fetchone()
        result = _loads(row[1]) if row is not None else None
        return (row[0], result) if isinstance(result, ScanResult) else None

    def put_repository(self, name: str, state: str, result: ScanResult, finished: str) -> None:
        with self._transaction():
            self.db.execute("INSERT OR REPLACE INTO repositories VALUES (?, ?, ?, ?)",
                            (_path(name), state, _dumps(result), finished))

    def count_places(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM places").fetchone()[0])
