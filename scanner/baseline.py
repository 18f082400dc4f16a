"""Baseline files: `.credscope-baseline.json` at the repository root.

A baseline lists accepted secrets by fingerprint (a salted, deliberately slow hash of the
secret, keyed by rule; see findings.py), never by line, path or commit, so it survives code
moving, renames and squashes. It holds no timestamps and no plaintext: only a redacted hint,
the rule, and an optional reason; and the salt and work factors its fingerprints used, so it
is portable across machines and clones.

Format versions: 2 (current) adds `fingerprint`, scrypt's salt and work factors as a PHC
string (`$scrypt$ln=11,r=8,p=1$<salt>`). A version 1
file (fast v1 fingerprints, no salt) is still read: its entries are recognised by their v1
fingerprint, and `baseline update` rewrites them as v2. Entries imported from a detect-secrets
`.secrets.baseline` carry that tool's sha1 of the secret instead (the plaintext is unknown);
`baseline update` turns them into fingerprints once a scan sees the secret again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.errors import BaselineError
from scanner.findings import DEFAULT_COST, LEGACY_VERSION, Cost, repository_salt
from scanner.model import Finding

if TYPE_CHECKING:
    from scanner.config import Config
    from scanner.model import ScanResult
    from scanner.sources.select import SourceOptions

BASELINE_NAME = ".credscope-baseline.json"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
# A detect-secrets hash may be of a leading part of the secret (its Stripe plugin keeps 32
# characters); prefixes shorter than this are too weak to count as the same secret.
MIN_SHA1_PREFIX = 16


@dataclass(frozen=True, slots=True)
class Entry:
    """One accepted secret: by fingerprint, or (imported) by the sha1 of its value."""

    fingerprint: str | None = None
    sha1: str | None = None
    rule: str | None = None
    provider: str | None = None
    hint: str | None = None  # redacted form, so a reviewer can tell entries apart
    path: str | None = None  # where detect-secrets saw it; informational only
    reason: str | None = None
    source: str | None = None  # "detect-secrets" for imported entries

    @property
    def key(self) -> str:
        """What stale reports name: the fingerprint, or `sha1:<hex>` for imported entries."""
        return self.fingerprint or f"sha1:{self.sha1}"


@dataclass(frozen=True)
class Baseline:
    entries: tuple[Entry, ...] = ()
    path: Path | None = field(default=None, compare=False)
    salt: bytes | None = None  # None: a version 1 file (its fingerprints are v1)
    cost: Cost = DEFAULT_COST

    def by_fingerprint(self) -> dict[str, Entry]:
        return {e.fingerprint: e for e in self.entries
                if e.fingerprint and not e.fingerprint.startswith(f"{LEGACY_VERSION}:")}

    def legacy(self) -> dict[str, Entry]:
        """Entries by v1 fingerprint (a version 1 file, not yet updated)."""
        return {e.fingerprint: e for e in self.entries
                if e.fingerprint and e.fingerprint.startswith(f"{LEGACY_VERSION}:")}


def sha1_hex(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def sha1_candidates(secret: str) -> set[str]:
    """sha1 of the secret and of each leading part at least MIN_SHA1_PREFIX long."""
    return {sha1_hex(secret[:n]) for n in range(min(MIN_SHA1_PREFIX, len(secret)),
                                                 len(secret) + 1)}


def entry_for(finding: Finding, reason: str | None = None) -> Entry:
    return Entry(fingerprint=finding.fingerprint, rule=finding.rule_id,
                 provider=finding.provider, hint=finding.redacted, reason=reason or None)


def load_baseline(path: Path) -> Baseline:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError("baseline file does not exist", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as err:
        raise BaselineError(f"cannot read baseline: {err}", path=str(path)) from None
    except json.JSONDecodeError as err:
        raise BaselineError(f"baseline is not valid JSON: {err}", path=str(path)) from None
    except RecursionError:  # json recurses per nested array/object: a corrupt or hostile file
        raise BaselineError("baseline is not valid JSON: nested too deeply",
                            path=str(path)) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("entries"), list):
        raise BaselineError("not a credscope baseline (no \"entries\" list); a detect-secrets "
                            "baseline is converted with `credscope baseline import`",
                            path=str(path))
    version = raw.get("version")
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        raise BaselineError(f"unsupported baseline version {version!r} (this credscope reads "
                            f"{', '.join(map(str, READABLE_VERSIONS))})", path=str(path))
    salt, cost = _scheme(raw.get("fingerprint"), path) if version >= 2 else (None, DEFAULT_COST)
    entries = tuple(_entry(e, i, path) for i, e in enumerate(raw["entries"]))
    return Baseline(entries, path, salt, cost)


_MAX_COST = Cost(n=2**20, r=32, p=16)  # a hostile file must not make every scan crawl


_PHC = re.compile(r"^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{11,86})$")


def _scheme(raw: Any, path: Path) -> tuple[bytes, Cost]:
    """The `fingerprint` of a version 2 baseline: scrypt's parameters and salt in the PHC
    string format (`$scrypt$ln=11,r=8,p=1$<salt, base64>`), the usual way to write a
    password hash's parameters, which no scanner mistakes for a secret."""
    m = _PHC.match(raw) if isinstance(raw, str) else None
    if m is None:
        raise BaselineError("fingerprint must read $scrypt$ln=N,r=R,p=P$SALT",
                            path=str(path))
    ln, r, p = (int(g) for g in m.groups()[:3])
    salt = base64.b64decode(m.group(4) + "=" * (-len(m.group(4)) % 4))
    if not 1 <= ln <= _MAX_COST.n.bit_length() - 1 or not 1 <= r <= _MAX_COST.r or \
            not 1 <= p <= _MAX_COST.p or len(salt) < 8:
        raise BaselineError(f"fingerprint: ln from 1 to {_MAX_COST.n.bit_length() - 1}, r up "
                            f"to {_MAX_COST.r}, p up to {_MAX_COST.p}, salt of 8 bytes or more",
                            path=str(path))
    return salt, Cost(n=1 << ln, r=r, p=p)


def phc(salt: bytes, cost: Cost) -> str:
    b64 = base64.b64encode(salt).decode().rstrip("=")
    return f"$scrypt$ln={cost.n.bit_length() - 1},r={cost.r},p={cost.p}${b64}"


_FIELDS = tuple(Entry.__dataclass_fields__)


def _entry(raw: Any, index: int, path: Path) -> Entry:
    # Per entry in a loop a baseline of 200,000 entries runs: kept to a few list operations.
    if type(raw) is not dict:
        raise BaselineError(f"entries[{index}] must be an object", path=str(path))
    values = [raw.get(k) for k in _FIELDS]
    for name, value in zip(_FIELDS, values, strict=True):
        if value is not None and type(value) is not str:
            raise BaselineError(f"entries[{index}].{name} must be a string", path=str(path))
    if not values[0] and not values[1]:  # fingerprint, sha1
        raise BaselineError(f"entries[{index}] needs a fingerprint or a sha1", path=str(path))
    return Entry(*values)


def dump_baseline(entries: Iterable[Entry], salt: bytes, cost: Cost = DEFAULT_COST) -> str:
    """Deterministic text: sorted entries, no empty fields, so diffs stay reviewable."""
    unique = {e.key: e for e in entries}
    rows = [{k: v for k, v in _fields(e) if v is not None} for _, e in sorted(unique.items())]
    doc = {"version": FORMAT_VERSION, "tool": "credscope", "fingerprint": phc(salt, cost),
           "entries": rows}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _fields(entry: Entry) -> Iterable[tuple[str, str | None]]:
    return ((name, getattr(entry, name)) for name in Entry.__dataclass_fields__)


def save_baseline(path: Path, entries: Iterable[Entry], salt: bytes,
                  cost: Cost = DEFAULT_COST) -> None:
    """Written atomically: an interrupted update never leaves half a baseline."""
    text = dump_baseline(entries, salt, cost)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        Path(tmp).replace(path)
    except OSError as err:
        raise BaselineError(f"cannot write baseline: {err.strerror or err}",
                            path=str(path)) from None


# --- create / update / check / import: what the `credscope baseline` commands do ---------


@dataclass(frozen=True)
class Outcome:
    """What a baseline command did, for its one-line summary."""

    path: Path
    added: int = 0
    kept: int = 0
    converted: int = 0
    removed: tuple[str, ...] = ()
    result: ScanResult | None = None

    @property
    def total(self) -> int:
        return self.added + self.kept + self.converted


@dataclass(frozen=True)
class _Scanned:
    result: ScanResult
    matched: dict[str, dict[str, Finding]]  # baseline entry key -> findings it matched
    salt: bytes
    cost: Cost


def _scan(config: Config, opts: SourceOptions, path: Path | None) -> _Scanned:
    """Scan with the baseline at `path` applied (None: no baseline at all); return the result,
    which baseline entries matched which findings, and the fingerprints' salt and cost."""
    from scanner.filters.baseline import BaselineFilter  # here: avoids an import cycle
    from scanner.pipeline import build_stages, scan
    from scanner.sources.select import select_source

    config = replace(config, baseline=path, use_default_baseline=path is not None,
                     progress=False)
    stages = build_stages(config)
    result = scan(config, select_source(config, opts), stages)
    matched = next((f.matched for f in stages.filters if isinstance(f, BaselineFilter)), {})
    return _Scanned(result, matched, stages.fingerprinter.salt, stages.fingerprinter.cost)


def create(config: Config, opts: SourceOptions, path: Path, *, reason: str | None = None,
           force: bool = False) -> Outcome:
    if path.exists() and not force:
        raise BaselineError("baseline already exists; use `credscope baseline update` "
                            "(or --force to start over)", path=str(path))
    done = _scan(config, opts, None)
    save_baseline(path, (entry_for(f, reason) for f in done.result.findings), done.salt,
                  done.cost)
    return Outcome(path, added=len(done.result.findings), result=done.result)


def update(config: Config, opts: SourceOptions, path: Path, *, reason: str | None = None,
           keep_stale: bool = False) -> Outcome:
    """Keep entries still seen (imported sha1 and v1 entries become v2 fingerprints), add
    every new finding, drop stale entries unless asked to keep them."""
    old = load_baseline(path) if path.exists() else Baseline()
    done = _scan(config, opts, path if old.entries or old.salt else None)
    kept: list[Entry] = []
    converted = 0
    removed = []
    for entry in old.entries:
        seen = done.matched.get(entry.key)
        if not seen:
            (kept.append(entry) if keep_stale else removed.append(entry.key))
        elif entry.fingerprint and not entry.fingerprint.startswith(f"{LEGACY_VERSION}:"):
            kept.append(entry)
        else:
            converted += 1
            kept.extend(entry_for(f, entry.reason) for f in seen.values())
    result = done.result
    added = [entry_for(f, reason) for f in result.findings]
    save_baseline(path, (*kept, *added), done.salt, done.cost)
    return Outcome(path, added=len(added), kept=len(kept) - converted, converted=converted,
                   removed=tuple(removed), result=result)


def check(config: Config, opts: SourceOptions, path: Path) -> Outcome:
    """Scan with the baseline: its findings are the ones the baseline does not cover."""
    baseline = load_baseline(path)
    done = _scan(config, opts, path)
    return Outcome(path, kept=len(done.matched), removed=tuple(
        e.key for e in baseline.entries if e.key not in done.matched), result=done.result)


def import_detect_secrets(source: Path, path: Path) -> Outcome:
    """Turn a detect-secrets `.secrets.baseline` into sha1 entries (merged into an existing
    credscope baseline). detect-secrets stores only sha1(secret), so that is the key."""
    try:
        raw = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise BaselineError(f"cannot read detect-secrets baseline: {err}",
                            path=str(source)) from None
    except RecursionError:
        raise BaselineError("cannot read detect-secrets baseline: nested too deeply",
                            path=str(source)) from None
    results = raw.get("results") if isinstance(raw, dict) else None
    if not isinstance(results, dict):
        raise BaselineError("not a detect-secrets baseline (no \"results\" object)",
                            path=str(source))
    bad = next((f for f, items in results.items() if not isinstance(items, list | None)), None)
    if bad is not None:
        raise BaselineError(f"results for {bad!r} must be a list", path=str(source))
    current = load_baseline(path) if path.exists() else Baseline()
    existing = current.entries
    imported = [_imported(filename, item, source)
                for filename, items in sorted(results.items()) for item in items or ()]
    known = {e.key for e in existing}
    fresh = {e.key: e for e in reversed(imported) if e.key not in known}
    # A new baseline takes its salt from its repository, as a scan there would.
    salt = current.salt or repository_salt(path.parent)
    save_baseline(path, (*existing, *fresh.values()), salt, current.cost)
    return Outcome(path, added=len(fresh), kept=len(existing))


def _imported(filename: str, item: Any, source: Path) -> Entry:
    # An empty hash would be written as an entry that the baseline reader then rejects.
    if not isinstance(item, dict) or not isinstance(item.get("hashed_secret"), str) \
            or not item["hashed_secret"]:
        raise BaselineError(f"result for {filename!r} has no hashed_secret", path=str(source))
    kind = item.get("type") if isinstance(item.get("type"), str) else "secret"
    audited = {True: "; audited as a real secret", False: "; audited as not a secret"}
    note = audited.get(item["is_secret"], "") if isinstance(item.get("is_secret"), bool) else ""
    return Entry(sha1=item["hashed_secret"].lower(), path=filename,
                 reason=f"imported from detect-secrets ({kind}){note}",
                 source="detect-secrets")
