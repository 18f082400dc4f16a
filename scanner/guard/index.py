"""What the guard keeps on disk so a hook call starts in tens of milliseconds, not hundreds.

A hook is a new process per tool call. Loading 30 rule files, compiling the engine and
importing the classifier costs a scan's start-up every time, so the guard keeps, per version
of the rules (a signature of the rule files' names, sizes and times, and credscope's and
Python's versions), one directory holding:

- `prefilter.hs`: a hyperscan database of the rules the guard acts on; one pass over the
  bytes a tool call names says which rules can match there (none, nearly always);
- `rules.pickle`: those rules, pickled one by one, so only the candidates are loaded;
- `index.json`: the expression -> rule map, each rule's keywords (the prefilter when
  hyperscan is absent) and the command catalogue of rules/destructive/, already validated.

Only when the prefilter names a candidate does the guard import the engine and the
classifier. The guard acts on provider rules (their power is known from the format);
generic keyed assignments are left to the scanner, where a person reviews them (a hook that
blocks an agent must be sure it has a credential), except on destructive command lines.
"""

from __future__ import annotations

import json
import os
import sys
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner import __version__
from scanner.guard.cachedir import cache_root

if TYPE_CHECKING:
    from scanner.matching.schema import Rule

FORMAT = "g7"  # bump when what is stored changes
# Code detectors for credentials written into a command line (`mysql -pSECRET`, `curl -u
# user:pass`, an Authorization header, a URL with a password): run on destructive commands
# only, when their keywords are there. On their own they tell no power, so nothing else
# needs them (a provider's URL rule, postgres:// or redis://, finds database URLs).
CARRY_RULES = ("generic.auth-header",
               "generic.command-password",
               "generic.url-credentials")


def rules_dir() -> Path:
    checkout = Path(__file__).resolve().parents[2] / "rules"
    return checkout if checkout.is_dir() else Path(__file__).resolve().parents[1] / "_rules"


def catalogue_dir() -> Path:
    return rules_dir() / "destructive"


def signature() -> str:
    """Names, sizes and times of the rule and catalogue files, credscope's and Python's
    versions, and the hyperscan in use (found without importing it). Two checksums of that
    text name the cache directory: it only has to change when any of it does (hashlib would
    cost every hook call its OpenSSL start-up)."""
    parts = [FORMAT, __version__, f"{sys.version_info[:2]}"]
    for directory in (rules_dir(), catalogue_dir()):
        for entry in sorted(os.scandir(directory), key=lambda e: e.name):
            if entry.name.endswith(".toml"):
                st = entry.stat()
                parts.append(f"{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    for folder in sys.path:
        init = Path(folder or ".") / "hyperscan" / "__init__.py"
        if init.is_file():
            st = init.stat()
            parts.append(f"{init}:{st.st_size}:{st.st_mtime_ns}")
            break
    text = "\0".join(parts).encode()
    return f"{zlib.crc32(text):08x}{zlib.adler32(text):08x}"


def guarded(rule: Rule) -> bool:
    """Provider rules: their formats (and decoders) say what a credential can do."""
    return "generic" not in rule.tags


class Index:
    def __init__(self, directory: Path, catalogue: list[dict[str, Any]], expr_rule: list[str],
                 requires: dict[int, int], keywords: dict[str, list[str]],
                 carry_keywords: dict[str, list[str]],
                 home_surface: list[list[str]]) -> None:
        self.directory = directory
        self.catalogue = catalogue
        self.expr_rule = expr_rule  # hyperscan expression id -> rule id
        self.requires = requires  # rule expression id -> the expression it also requires
        self.keywords = keywords
        self.carry_keywords = carry_keywords  # CARRY_RULES' keywords: their only prefilter
        self.home_surface = home_surface  # [glob under the home, location class]
        self._db: Any = None
        self._pickles: dict[str, bytes] | None = None

    def candidates(self, data: bytes) -> list[str]:
        """Ids of the guarded rules that may match `data`."""
        if not data:
            return []
        db = self._database()
        if db is None:
            lowered = data.lower()
            return [rid for rid, kws in self.keywords.items()
                    if any(k.encode() in lowered for k in kws)]
        hits: set[int] = set()

        def on_match(index: int, _s: int, _e: int, _f: int, _c: object) -> None:
            hits.add(index)

        db.scan(data, match_event_handler=on_match)
        return [self.expr_rule[i] for i in sorted(hits) if i < len(self.expr_rule) and
                (i not in self.requires or self.requires[i] in hits)]

    def _database(self) -> Any:
        if self._db is None:
            path = self.directory / "prefilter.hs"
            try:
                import hyperscan  # noqa: PLC0415 - optional, and only when there are bytes

                self._db = hyperscan.loadb(path.read_bytes(), hyperscan.HS_MODE_BLOCK)
                self._db.scratch = hyperscan.Scratch(self._db)
            except (ImportError, OSError, ValueError, TypeError):
                self._db = False
            except Exception:  # noqa: BLE001 - hyperscan.error: a stale or foreign file
                self._db = False
        return self._db or None

    def rules(self, ids: Iterable[str]) -> list[Rule]:
        import pickle  # noqa: PLC0415 - only when there are candidates

        if self._pickles is None:
            with (self.directory / "rules.pickle").open("rb") as f:
                self._pickles = pickle.load(f)  # noqa: S301 - written by build() below
        return [pickle.loads(self._pickles[i]) for i in ids]  # noqa: S301


def load(rebuild: bool = False) -> Index:
    """The index for the current rules, built (and cached) first when there is none, or
    when asked (`credscope guard install`: rule packs installed through entry points are
    not part of the signature)."""
    root = cache_root()
    directory = root / f"guard-{signature()}"
    try:
        if rebuild:
            raise OSError("rebuild")
        meta = json.loads((directory / "index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        if rebuild:
            import shutil  # noqa: PLC0415

            shutil.rmtree(directory, ignore_errors=True)
        try:
            build(directory)
        except OSError:  # a read-only cache directory: the system's temporary one instead
            import tempfile  # noqa: PLC0415

            uid = os.getuid() if hasattr(os, "getuid") else 0
            directory = Path(tempfile.gettempdir()) / f"credscope-guard-{uid}" / directory.name
            if not (directory / "index.json").is_file():
                build(directory)
        meta = json.loads((directory / "index.json").read_text(encoding="utf-8"))
    return Index(directory, meta["catalogue"], meta["expr_rule"],
                 {int(k): v for k, v in meta["requires"].items()}, meta["keywords"],
                 meta["carry_keywords"], meta["home_surface"])


def build(directory: Path) -> None:
    """Load and compile everything once; write it atomically (concurrent hooks may race to
    build the same directory: the first rename wins, the others' copies are dropped)."""
    import pickle  # noqa: PLC0415
    import shutil  # noqa: PLC0415

    from scanner.guard.catalogue import load_catalogue  # noqa: PLC0415
    from scanner.matching.loader import load_rules  # noqa: PLC0415

    loaded = load_rules()
    rules = [r for r in loaded if guarded(r)]
    carry = [r for r in loaded if r.id in CARRY_RULES]
    catalogue = load_catalogue(catalogue_dir())
    tmp = directory.with_name(f"{directory.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    expr_rule, requires = _compile_prefilter(rules, tmp)
    with (tmp / "rules.pickle").open("wb") as f:
        pickle.dump({r.id: pickle.dumps(r) for r in rules + carry}, f)
    (tmp / "index.json").write_text(json.dumps({
        "catalogue": catalogue, "expr_rule": expr_rule,
        "requires": {str(k): v for k, v in requires.items()},
        "keywords": {r.id: [k.lower() for k in r.keywords] for r in rules},
        "carry_keywords": {r.id: [k.lower() for k in r.keywords] for r in carry},
        "home_surface": _home_surface(),
    }), encoding="utf-8")
    try:
        tmp.rename(directory)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)  # another hook built it first
    for stale in directory.parent.glob("guard-*"):
        if stale != directory and not stale.name.endswith(".tmp"):
            shutil.rmtree(stale, ignore_errors=True)


def _home_surface() -> list[list[str]]:
    """The agent surface's places under the home directory with their location class
    (sources/agent_surface.py), so a hook call need not import the scan sources."""
    from scanner.sources.agent_surface import HOME_SURFACE  # noqa: PLC0415

    return [[e.pattern, str(e.location)] for e in HOME_SURFACE if e.location is not None]


def _compile_prefilter(rules: list[Rule], out: Path) -> tuple[list[str], dict[int, int]]:
    from scanner.matching.engine import compile_database, prefilter_expressions  # noqa: PLC0415

    expr_rule = [r.id for r in rules]
    try:
        import hyperscan  # noqa: PLC0415
    except ImportError:
        return expr_rule, {}
    db, _ = compile_database(hyperscan, rules, (), lines=())
    (out / "prefilter.hs").write_bytes(hyperscan.dumpb(db))
    return expr_rule, prefilter_expressions(rules)[1]
