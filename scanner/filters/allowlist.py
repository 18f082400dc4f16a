"""Configured allowlists: paths (globs) and secret values (regexes)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from scanner.model import Blob, Finding, Suppression, SuppressionKind
from scanner.paths import matches_any


class AllowlistFilter:
    def __init__(self, paths: Sequence[str], values: Sequence[str]) -> None:
        self.paths = tuple(paths)
        self.values = tuple(re.compile(v) for v in values)

    def check(self, finding: Finding, blob: Blob) -> Suppression | None:
        if self.paths and matches_any(blob.path, self.paths):
            return Suppression(SuppressionKind.ALLOWLIST, "path is allowlisted in the config")
        for rx in self.values:
            if rx.search(finding.secret):
                return Suppression(SuppressionKind.ALLOWLIST,
                                   f"value matches allowlist pattern {rx.pattern!r}")
        return None
