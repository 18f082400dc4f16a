"""Suppress findings listed in a baseline, and remember which entries matched.

Matching never looks at lines, paths or commits: a fingerprint entry matches the same rule and
secret anywhere; an imported detect-secrets entry matches when its sha1 is that of the secret
(or of a leading part of it, as some detect-secrets plugins store). Entries that match nothing
in a full scan are stale and reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scanner.baseline import BASELINE_NAME, Baseline, Entry, load_baseline, sha1_candidates
from scanner.config import Config
from scanner.filters import Filter
from scanner.findings import legacy_fingerprint
from scanner.model import Blob, Finding, Suppression, SuppressionKind
from scanner.sources import Source

# Only scans that cover everything can say an entry matches nothing any more.
_FULL_SCAN_MODES = frozenset({"worktree", "history"})


class BaselineFilter:
    def __init__(self, baseline: Baseline) -> None:
        self.baseline = baseline
        self._by_fp = baseline.by_fingerprint()
        self._legacy = baseline.legacy()  # v1 entries of a baseline not yet updated
        self._by_sha1 = {e.sha1: e for e in baseline.entries if e.sha1 and not e.fingerprint}
        # entry key -> {fingerprint: a finding it matched}; `baseline update` converts
        # imported sha1 entries with it.
        self.matched: dict[str, dict[str, Finding]] = {}

    def check(self, finding: Finding, blob: Blob) -> Suppression | None:
        del blob  # the finding's fingerprint (or secret) alone decides
        return self.check_finding(finding)

    def check_finding(self, finding: Finding) -> Suppression | None:
        entry = self._lookup(finding)
        if entry is None:
            return None
        self.matched.setdefault(entry.key, {})[finding.fingerprint] = finding
        where = f" ({entry.source})" if entry.source else ""
        reason = entry.reason or "accepted in the baseline"
        return Suppression(SuppressionKind.BASELINE, f"{reason}{where}")

    def _lookup(self, finding: Finding) -> Entry | None:
        entry = self._by_fp.get(finding.fingerprint)
        if entry is not None:
            return entry
        if self._legacy:
            entry = self._legacy.get(legacy_fingerprint(finding.rule_id, finding.secret))
            if entry is not None:
                return entry
        for digest in sha1_candidates(finding.secret) if self._by_sha1 else ():
            if digest in self._by_sha1:
                return self._by_sha1[digest]
        return None

    def stale(self) -> tuple[str, ...]:
        return tuple(e.key for e in self.baseline.entries if e.key not in self.matched)


def baseline_path(config: Config) -> Path | None:
    """The baseline a scan applies: --baseline / config `baseline`, else the default file at
    the root when it exists. `--no-baseline` (use_default_baseline=False) turns both off."""
    if not config.use_default_baseline:
        return None
    if config.baseline is not None:
        return config.baseline
    root = config.root if config.root.is_dir() else config.root.parent
    default = root / BASELINE_NAME
    return default if default.is_file() else None


def baseline_filter(config: Config) -> BaselineFilter | None:
    path = baseline_path(config)
    return BaselineFilter(load_baseline(path)) if path is not None else None


def stale_entries(filters: Sequence[Filter], source: Source) -> tuple[str, ...]:
    """Entries no finding matched. A source that reads only part of what it could (it sets
    `partial = True`) cannot know, so it reports none."""
    if source.mode not in _FULL_SCAN_MODES or getattr(source, "partial", False):
        return ()
    return tuple(s for f in filters if isinstance(f, BaselineFilter) for s in f.stale())

