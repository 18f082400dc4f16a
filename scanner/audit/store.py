"""The audit's results store: one SQLite file in the output directory.

Two tables carry the work across runs (docs/audit.md explains the choice of SQLite):
  places        (analysis, blob, path, scheme) -> Outcome   a blob analysed at one path
  repositories  name -> (state, ScanResult, identities)     a repository audited in full
and a third spares re-reading working trees to tell whether they changed (tree.py):
  trees         name -> (taken, files)                      each file's stat and content id

`analysis` digests credscope's own code and rules and the settings that change a blob's
findings, so an upgrade or a new policy never reuses an old outcome. `scheme` is the
repository's fingerprint scheme (identity.RepoScheme: its salt, work factors and the
baseline entries only a secret matches) for an outcome with findings, whose fingerprints
hold for that scheme alone, and '' for one without, which every scheme shares. A
repository's `state` digests its refs, HEAD, configuration and baseline: an unchanged state
means an unchanged report; `identities` maps its fingerprints to the audit's identities.
`meta` holds the schema version and the audit's own random salt (identity.py).

Rows are written by the driver alone, one transaction per finished shard, with the primary
key making a re-delivered shard (a lost worker's task run again) a no-op, so a crash or a
lost worker can neither lose nor duplicate a finding.

Values are pickled with an unpickler that accepts credscope's model classes and nothing else:
the store is a cache, never a way to run code, and a row it cannot read is analysed again.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from scanner.audit.outcome import Outcome
from scanner.audit.tree import Snapshot
from scanner.errors import ReportError
from scanner.model import ScanResult

SCHEMA_VERSION = "2"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS places (
    analysis TEXT NOT NULL, blob TEXT NOT NULL, path BLOB NOT NULL, scheme TEXT NOT NULL,
    outcome BLOB NOT NULL,
    PRIMARY KEY (analysis, blob, path, scheme)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS repositories (
    name BLOB PRIMARY KEY, state TEXT NOT NULL, result BLOB NOT NULL, identities BLOB NOT NULL,
    finished TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS trees (
    name BLOB PRIMARY KEY, taken INTEGER NOT NULL, files TEXT NOT NULL);
"""
SHARED = ""  # the scheme of an outcome without findings: it holds for every scheme
_SALT_BYTES = 16
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
            # Working trees' snapshots are read and written by the threads that prepare
            # repositories (tree, put_tree); everything else runs on the driver's thread.
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._lock = threading.Lock()
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
            self._check_version(path)
            self.audit_salt = self._audit_salt()
        except sqlite3.Error as err:
            raise ReportError(f"cannot open the audit store: {err}", path=str(path)) from None

    def _check_version(self, path: Path) -> None:
        row = self.db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None:
            self.db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        elif row[0] != SCHEMA_VERSION:
            raise ReportError(f"the audit store has schema {row[0]}, this credscope writes "
                              f"{SCHEMA_VERSION}: use another --out or remove it", path=str(path))

    def _audit_salt(self) -> bytes:
        """The audit's own salt (identity.py): random, made with the store, kept in it."""
        self.db.execute("INSERT OR IGNORE INTO meta VALUES ('audit-salt', ?)",
                        (os.urandom(_SALT_BYTES).hex(),))
        row = self.db.execute("SELECT value FROM meta WHERE key='audit-salt'").fetchone()
        try:
            salt = bytes.fromhex(row[0])
        except ValueError:
            salt = b""
        if len(salt) != _SALT_BYTES:
            raise sqlite3.DatabaseError("its audit salt is damaged: remove the store")
        return salt

    def close(self) -> None:
        self.db.close()

    def known(self, analysis: str, scheme: str, places: Iterable[Place]) -> set[Place]:
        """The places among `places` that have an outcome for `scheme` (readable or not: see
        outcomes)."""
        return {place for place, _ in self._rows(analysis, scheme, places, "1")}

    def outcomes(self, analysis: str, scheme: str, places: Iterable[Place]
                 ) -> Iterator[tuple[Place, Outcome]]:
        """Each place's outcome; a place missing or unreadable is left out (analyse it again)."""
        for place, data in self._rows(analysis, scheme, places, "outcome"):
            value = _loads(data)
            if isinstance(value, Outcome):
                yield place, value

    def _rows(self, analysis: str, scheme: str, places: Iterable[Place], column: str
              ) -> Iterator[tuple[Place, Any]]:
        """(place, column) of the stored places among `places` (their outcome without findings,
        or with findings under `scheme`), asked by blob ids a batch at a time (a row per place
        would cost a query per blob of a large history)."""
        wanted: dict[str, set[str]] = {}
        for blob, path in places:
            wanted.setdefault(blob, set()).add(path)
        blobs = list(wanted)
        with closing(self.db.cursor()) as cur:
            for start in range(0, len(blobs), _BATCH):
                batch = blobs[start:start + _BATCH]
                cur.execute(f"SELECT blob, path, {column} FROM places WHERE analysis=? AND "  # noqa: S608 - a column name of ours
                            f"blob IN ({','.join('?' * len(batch))}) AND scheme IN (?, ?)",
                            (analysis, *batch, SHARED, scheme))
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

    def put_outcomes(self, analysis: str, scheme: str,
                     rows: Iterable[tuple[Place, Outcome]]) -> None:
        """A shard's outcomes, analysed under `scheme`: those without findings for all."""
        with self._transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO places VALUES (?, ?, ?, ?, ?)",
                ((analysis, blob, _path(path), scheme if outcome.salted else SHARED,
                  _dumps(outcome)) for (blob, path), outcome in rows))

    def repository(self, name: str) -> tuple[str, ScanResult, dict[str, str]] | None:
        """A repository's stored state, result and identities (None: none, or unreadable)."""
        row = self.db.execute("SELECT state, result, identities FROM repositories WHERE name=?",
                              (_path(name),)).fetchone()
        if row is None:
            return None
        result, identities = _loads(row[1]), _loads(row[2])
        if not isinstance(result, ScanResult) or not isinstance(identities, dict):
            return None
        return row[0], result, identities

    def put_repository(self, name: str, state: str, result: ScanResult,
                       identities: dict[str, str], finished: str) -> None:
        with self._transaction():
            self.db.execute("INSERT OR REPLACE INTO repositories VALUES (?, ?, ?, ?, ?)",
                            (_path(name), state, _dumps(result), _dumps(identities), finished))

    def tree(self, name: str) -> Snapshot | None:
        """The repository's working tree as its last state computation saw it."""
        with self._lock:
            row = self.db.execute("SELECT taken, files FROM trees WHERE name=?",
                                  (_path(name),)).fetchone()
        if row is None:
            return None
        try:
            files = {path: (size, mtime, ctime, inode, str(blob)) for path, (
                size, mtime, ctime, inode, blob) in json.loads(row[1]).items()}
        except (ValueError, TypeError):
            return None  # unreadable: every file is read again
        return Snapshot(int(row[0]), files)

    def put_tree(self, name: str, snapshot: Snapshot) -> None:
        files = json.dumps(snapshot.files, separators=(",", ":"))  # \udcXX keeps odd paths
        with self._lock, self._transaction():
            self.db.execute("INSERT OR REPLACE INTO trees VALUES (?, ?, ?)",
                            (_path(name), snapshot.taken, files))

    def count_places(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM places").fetchone()[0])
