"""The vocabulary every pipeline stage speaks: blobs in, findings out.

Source ──Blob──▶ Engine ──Match──▶ Classifier ──Finding──▶ Filters ──▶ ScanResult ──▶ Reporter
"""

from __future__ import annotations

import operator
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from enum import Enum
from typing import Any, TypeVar

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # pragma: no cover - exercised only on 3.10

    class StrEnum(str, Enum):
        """Backport of enum.StrEnum: members are their own string values."""

        def __str__(self) -> str:
            return str(self.value)


class Tier(StrEnum):
    """Privilege tier, most dangerous first. UNKNOWN is ranked as its rule's worst case."""

    ADMIN = "ADMIN"
    WRITE = "WRITE"
    READ = "READ"
    LIMITED = "LIMITED"
    PUBLIC = "PUBLIC"
    UNKNOWN = "UNKNOWN"

    @property
    def rank(self) -> int:
        """Higher is more dangerous; UNKNOWN alone sits in the middle until resolved."""
        return _TIER_RANK[self]


_TIER_RANK = {
    Tier.ADMIN: 5,
    Tier.WRITE: 4,
    Tier.UNKNOWN: 3,
    Tier.READ: 2,
    Tier.LIMITED: 1,
    Tier.PUBLIC: 0,
}


class Scope(StrEnum):
    ACCOUNT = "account"
    ORG = "org"
    WORKSPACE = "workspace"
    PROJECT = "project"
    ENVIRONMENT = "environment"
    RESOURCE = "resource"
    UNKNOWN = "unknown"


class Capability(StrEnum):
    DELETE_DATA = "delete-data"
    DELETE_BACKUPS = "delete-backups"
    MANAGE_CREDENTIALS = "manage-credentials"
    DEPLOY = "deploy"
    WRITE_DATA = "write-data"
    READ_DATA = "read-data"
    SPEND = "spend"
    SEND = "send"
    IMPERSONATE = "impersonate"
    PUBLISH = "publish"


DESTRUCTIVE = frozenset({Capability.DELETE_DATA, Capability.DELETE_BACKUPS})


class Environment(StrEnum):
    PRODUCTION = "production"
    STAGING = "staging"
    TEST = "test"
    LOCAL = "local"
    # An account-, org- or workspace-wide credential with no environment of its own: it
    # reaches every environment the account holds, production included.
    ALL = "all"
    UNKNOWN = "unknown"

    @property
    def reaches_production(self) -> bool:
        return self in (Environment.PRODUCTION, Environment.ALL)


class LocationClass(StrEnum):
    """What kind of file a credential sits in; drives the placement policy."""

    SOURCE = "source"
    CLIENT_BUNDLE = "client-bundle"
    CI = "ci"
    INFRA = "infra"
    CONFIG = "config"
    DOTENV = "dotenv"
    TESTS = "tests"
    FIXTURES = "fixtures"
    DOCS = "docs"
    EXAMPLES = "examples"
    AGENT_CONFIG = "agent-config"
    CLI_CREDENTIALS = "cli-credentials"
    SHELL_HISTORY = "shell-history"


class Flag(StrEnum):
    IGNORED_BUT_PRESENT = "ignored-but-present"
    HISTORY_ONLY = "history-only"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"
    NONE = "none"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "note": 1, "none": 0}[self.value]


class Confidence(StrEnum):
    """How sure credscope is that the value is a live credential (not how dangerous it is):
    high - a provider format with a valid checksum, or a decoded structure;
    medium - a keyed assignment whose value looks generated;
    low - a weak shape (a short or word-like value, a bare pattern)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return {"high": 3, "medium": 2, "low": 1}[self.value]


class Verdict(StrEnum):
    OVERPRIVILEGED = "overprivileged"
    MISPLACED = "misplaced"
    AGENT_REACHABLE = "agent-reachable"
    EXPOSED = "exposed"
    UNVERIFIED_SCOPE = "unverified-scope"  # a secret whose power the text cannot tell
    OK = "ok"


class SuppressionKind(StrEnum):
    BASELINE = "baseline"
    PRAGMA = "pragma"
    PLACEHOLDER = "placeholder"
    PUBLIC_VALUE = "public-value"  # a value its vendor publishes (rules/catalogue/public-values)
    ALLOWLIST = "allowlist"
    INVALID = "invalid"
    NOT_A_SECRET = "not-a-secret"  # a generic candidate that is code, text, a number, an id...
    CONFIDENCE = "min-confidence"  # below --min-confidence


_T = TypeVar("_T")


def pickled_by_fields(cls: type[_T]) -> type[_T]:
    """Pickle a frozen, slotted dataclass as (class, its field values): unpickling calls the
    class. The dataclass default restores each object through `dataclasses.fields()`, in
    Python: on a large history the parent spent seconds unpickling the findings its workers
    sent, and the workers pickling them."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    get = operator.attrgetter(*names)
    # attrgetter of one name gives the value itself, not a tuple of one
    values: Callable[[Any], tuple[object, ...]] = get if len(names) > 1 else (
        lambda obj: (get(obj),))

    def reduce(self: _T) -> tuple[type[_T], tuple[object, ...]]:
        return cls, values(self)

    setattr(cls, "__reduce__", reduce)  # noqa: B010 - a method set on a built class
    return cls


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Commit:
    """The commit that first introduced a blob (history scans only)."""

    sha: str
    author: str
    email: str
    date: str  # ISO 8601, as git records it


@dataclass(frozen=True, slots=True)
class Window:
    """Where one window of a file too large to hold whole sits in it (sources/windows.py):
    matches starting in data[own_start:own_end] are this window's (the rest of its data is
    overlap, read for context and for matches that run past own_end); `line` and `column`
    are the position of data[0] in the file (column 1 unless the window starts mid-line)."""

    index: int  # 0 for the first window of a file
    line: int
    column: int
    own_start: int
    own_end: int


@dataclass(frozen=True, slots=True)
class Blob:
    """Bytes plus where they were seen. `path` is POSIX and relative to the scan root."""

    path: str
    data: bytes
    flags: frozenset[Flag] = frozenset()
    blob_id: str | None = None
    commit: Commit | None = None
    # Structured label of where inside the file the bytes came from, e.g. an MCP server and
    # env variable ("mcpServers.github.env.GITHUB_TOKEN"); set by structure-aware sources.
    label: str | None = None
    # Location class forced by the source (agent-surface files outside the repository).
    location_hint: LocationClass | None = None
    display_path: str | None = None  # e.g. "~/.aws/credentials"; defaults to path
    # Byte spans (start, end, label) of the values of a parsed structured file, innermost
    # last; a match inside one takes its label (see label_at). Plain data, so a blob stays
    # self-contained when it is sent to another process.
    labels: tuple[tuple[int, int, str], ...] = ()
    window: Window | None = None  # set when `data` is one window of a larger file

    @property
    def progress(self) -> tuple[int, int]:
        """(files, bytes) this blob adds to the scan's count: a windowed file counts once,
        and only the bytes each window owns."""
        if self.window is None:
            return 1, len(self.data)
        return int(self.window.index == 0), self.window.own_end - self.window.own_start

    def label_at(self, offset: int) -> str | None:
        """The label of the innermost value span holding `offset`, else the blob's label."""
        found = self.label
        for start, end, label in self.labels:
            if start <= offset < end:
                found = label
        return found


@dataclass(frozen=True, slots=True)
class Match:
    """One secret the engine found in one blob. Offsets are byte offsets into Blob.data."""

    rule_id: str
    start: int
    end: int
    secret: str
    line: int  # 1-based
    column: int  # 1-based, in characters
    end_column: int  # 1-based, exclusive, in characters
    end_line: int


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Classification:
    """What the classifier concluded, and the evidence for it."""

    tier: Tier
    worst_case: Tier
    scope: Scope
    capabilities: tuple[Capability, ...]
    environment: Environment
    location: LocationClass
    flags: frozenset[Flag]
    verdict: Verdict
    severity: Severity
    reason: str
    remediation: str
    evidence: tuple[str, ...] = ()
    expired: bool = False
    details: tuple[tuple[str, str], ...] = ()  # decoded facts, e.g. ("account_id", "1234")
    confidence: Confidence = Confidence.MEDIUM

    @property
    def effective_tier(self) -> Tier:
        """The tier to rank by: UNKNOWN counts as its worst plausible case."""
        return self.worst_case if self.tier is Tier.UNKNOWN else self.tier


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Location:
    path: str
    line: int
    column: int
    end_column: int
    end_line: int
    commit: Commit | None = None
    blob_id: str | None = None
    label: str | None = None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Suppression:
    kind: SuppressionKind
    reason: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Finding:
    """A classified secret. `secret` stays in memory only; every output redacts it."""

    rule_id: str
    provider: str
    title: str
    location: Location
    secret: str = field(repr=False)
    redacted: str
    fingerprint: str
    classification: Classification
    occurrences: tuple[Location, ...] = ()
    suppression: Suppression | None = None
    # The secret's line, as the text before and after the secret (scanner/excerpt.py): cut
    # to a bounded length, every other secret on it already redacted, and the secret itself
    # never stored twice, so a reporter prints the line with the secret's redacted form.
    excerpt: tuple[str, str] = ("", "")

    @property
    def severity(self) -> Severity:
        return self.classification.severity

    @property
    def first_seen(self) -> Commit | None:
        return self.location.commit


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Skipped:
    """Something the scan could not look at, and why (binary, too large, unreadable...)."""

    path: str
    reason: str
    kind: str  # short machine key: binary, too-large, unreadable, symlink, ...


@dataclass(frozen=True, slots=True)
class ConfigEffect:
    """How the scanned repository's own config changed this scan, shown in every report: a
    narrowing it applied (exclude, allowlist-paths, disable-rules) or a setting it was refused
    because only the user's own config, the command line or --trust-repo-config may set it."""

    setting: str  # the config key, e.g. "exclude" or "policy.admin-committed"
    value: str  # what the file asked for (a pattern, a rule id, a severity)
    source: str  # the file that asked
    applied: bool  # False: refused, the scan ran without it
    detail: str = ""  # what it did ("excluded 12 files") or why it was refused

    def describe(self) -> str:
        verb = "applied" if self.applied else "refused"
        tail = f": {self.detail}" if self.detail else ""
        return f"{self.source}: {self.setting} = {self.value} {verb}{tail}"


@dataclass(frozen=True, slots=True)
class ScanStats:
    files: int = 0  # files or blobs read (a history scan reads each unique blob once)
    bytes: int = 0
    seconds: float = 0.0

    @property
    def blobs(self) -> int:
        return self.files


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything a reporter needs; reporters never see the engine."""

    root: str
    findings: tuple[Finding, ...]
    suppressed: tuple[Finding, ...]
    skipped: tuple[Skipped, ...]
    stats: ScanStats
    mode: str = "worktree"
    notes: tuple[str, ...] = ()
    stale_baseline: tuple[str, ...] = ()
    fail_on: Severity = Severity.ERROR
    revision: str | None = None  # HEAD commit of the scanned repository, where known
    repository_uri: str | None = None
    # Where the scanned root sits inside its repository ("sub/dir/", "" at the top): SARIF
    # joins it to finding paths so artifact URIs are relative to the repository root.
    repo_prefix: str = ""
    # What the repository's own config narrowed or was refused (trust boundary).
    config_effects: tuple[ConfigEffect, ...] = ()

    @property
    def failing(self) -> tuple[Finding, ...]:
        """Active findings at or above the fail-on severity."""
        if self.fail_on is Severity.NONE:
            return ()
        return tuple(f for f in self.findings if f.severity.rank >= self.fail_on.rank)

    @property
    def exit_code(self) -> int:
        return 1 if self.failing else 0
