"""The Rule: everything credscope knows about one credential format, loaded from rules/*.toml.

A rule file holds `[[rules]]` tables. Keys (all validated by matching.loader):

- `id` (str, required): `provider.kind`, lower case, e.g. `railway.account-token`.
- `provider`, `title`, `description` (str, required).
- `pattern` (str, required): a regular expression over bytes; the secret is the group named
  `secret`, else group 1, else the whole match. Must compile in Python `re` and hyperscan.
- `keywords` (list[str], required): lower-case literals, one of which appears in every match;
  the cheap prefilter of the `re` engine.
- `context` (list[str]): regexes of which one must appear within `context_lines` lines of the
  match (rules for prefix-less shapes such as UUIDs); `context_lines` (int, default 3).
- `prefilter` (str): what hyperscan runs in place of the pattern to select the blobs the
  pattern may match: a regex that matches inside every match of the pattern. For a pattern
  whose first literal comes late (a line format such as .pgpass's `host:port:...`), where
  hyperscan would otherwise follow the pattern from every line start.
- `priority` (int, default 0): on overlapping spans the higher priority wins, then the longer.
- `tier`, `worst_case` (tiers), `scope`, `capabilities`, `environment`: static privilege data.
- `decoder` (str): name of an offline decoder in classify.decoders that refines tier/env.
- `remediation` (str, required), `narrower` (str: the narrower credential to use instead),
  `references` (list[str] of provider documentation URLs).
- `entropy` (float): minimum Shannon entropy (bits/char) of the secret; lower is discarded.
- `[[rules.examples]]`: `text` (str) and `positive` (bool); optional `secret` (str) naming the
  exact value a positive must capture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scanner.matching.safe_regex import BytesPattern, compile_linear
from scanner.model import Capability, Environment, Scope, Tier


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    positive: bool
    secret: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    provider: str
    title: str
    description: str
    pattern: str
    keywords: tuple[str, ...]
    tier: Tier
    worst_case: Tier
    scope: Scope
    capabilities: tuple[Capability, ...]
    environment: Environment
    remediation: str
    source_file: str
    context: tuple[str, ...] = ()
    context_lines: int = 3
    priority: int = 0
    decoder: str | None = None
    narrower: str | None = None
    references: tuple[str, ...] = ()
    entropy: float | None = None
    examples: tuple[Example, ...] = ()
    tags: tuple[str, ...] = ()
    kind: str = "regex"  # "regex", or "plugin:<name>" for code detectors (generic secrets)
    prefilter: str | None = None  # hyperscan's stand-in for the pattern (see above)
    # A user's rule (rules directory or rule pack): its patterns run under RE2, whose time is
    # linear in the input whatever the pattern (safe_regex.py); built-ins run under `re`.
    linear: bool = False

    @property
    def regex(self) -> BytesPattern:
        return _compiled(self.pattern, self.linear)

    @property
    def context_regexes(self) -> tuple[BytesPattern, ...]:
        return tuple(_compiled(c, self.linear) for c in self.context)

    @property
    def secret_group(self) -> int | str:
        rx = self.regex
        if "secret" in rx.groupindex:
            return "secret"
        return 1 if rx.groups else 0


_CACHE: dict[tuple[str, bool], BytesPattern] = {}


def _compiled(pattern: str, linear: bool) -> BytesPattern:
    rx = _CACHE.get((pattern, linear))
    if rx is None:
        raw = pattern.encode("utf-8")
        rx = compile_linear(raw) if linear else re.compile(raw)
        _CACHE[pattern, linear] = rx
    return rx
