"""Configured allowlists: paths (globs) and secret values (regexes, run under RE2 so that a
pattern can never make a scan hang: see matching/safe_regex.py)."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.matching.safe_regex import compile_linear
from scanner.model import Blob, Finding, Suppression, SuppressionKind
from scanner.paths import matches_any


class AllowlistFilter:
    def __init__(self, paths: Sequence[str], values: Sequence[str]) -> None:
        self.paths = tuple(paths)
        self.values = tuple((v, compile_linear(v)) for v in values)

    def check(self, finding: Finding, blob: Blob) -> Suppression | None:
        if self.paths and matches_any(blob.path, self.paths):
            pattern = next(p for p in self.paths if matches_any(blob.path, (p,)))
            return Suppression(SuppressionKind.ALLOWLIST,
                               f"path matches allowlist-paths pattern {pattern!r}")
        for pattern, rx in self.values:
            if rx.search(finding.secret):
                return Suppression(SuppressionKind.ALLOWLIST,
                                   f"value matches allowlist pattern {pattern!r}")
        return None
