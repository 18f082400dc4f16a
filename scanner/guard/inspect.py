"""Bytes a tool call would show, carry or write -> the credentials in them, classified.

The same stages as a scan: the engine's extraction for the rules the prefilter names, the
default classifier (privilege, scope, environment, placement, policy) and the filters that
say a value is not a live credential (placeholders, documented examples, bad checksums). The
pipeline module itself is not imported: it brings the scan-wide machinery (worker pools,
baselines) that a hook call never uses and that costs it 60 ms. Inline `credscope: allow`
pragmas are not honoured here: they are text in the file or edit being judged, which an
agent can write.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from scanner.guard.index import CARRY_RULES, Index

if TYPE_CHECKING:
    from scanner.model import Blob


class Sighting(NamedTuple):
    """One credential in what a tool call touches, its classification as plain strings (so
    a sighting is cached as JSON and judged without the scanner's model loaded). `secret`
    never leaves the process."""

    rule_id: str
    title: str
    provider: str
    tier: str
    effective_tier: str
    scope: str
    capabilities: tuple[str, ...]
    environment: str
    location: str
    verdict: str
    severity: str
    inert: bool
    generic: bool
    redacted: str
    where: str  # "notes.md:3", "$RAILWAY_API_TOKEN from .env", "the command"
    line: int  # 1-based line of the value in the bytes inspected
    variable: str  # the name it is assigned to, when the text says
    remediation: str
    secret: str = ""

    def __repr__(self) -> str:  # the secret stays out of every repr, log and traceback
        return f"Sighting({self.rule_id!r}, {self.redacted!r}, {self.where!r})"


class Inspector:
    """Lazily builds the classifier and filters once per process."""

    def __init__(self, index: Index, policy: Mapping[str, Any] | None = None,
                 policy_source: str = "guard config") -> None:
        self.index = index
        self._policy = dict(policy or {})
        self._policy_source = policy_source
        self._stages: tuple[Any, list[Any]] | None = None

    def candidates(self, data: bytes) -> bool:
        return _worth_scanning(data) and bool(self.index.candidates(data))

    def sightings(self, data: bytes, *, path: str, where: str,
                  committed: bool | Callable[[], bool] = False,
                  location: str | None = None, display: str | None = None,
                  command: bool = False, keep: Callable[[int], bool] | None = None
                  ) -> list[Sighting]:
        """The credentials in `data` (on the lines `keep` keeps), classified as if found at
        `path`: committed (git tracks it, or an edit would put it there), else present on
        disk, not committed (the policy's ignored-but-present: any agent here reads it).
        `committed` may be a function, asked only when there is something to classify."""
        ids = self.index.candidates(data) if _worth_scanning(data) else []
        if command:  # a destructive command: also passwords and headers written into it
            lowered = data.lower()
            ids += [r for r in CARRY_RULES if r not in ids and any(
                k.encode() in lowered for k in self.index.carry_keywords.get(r, ()))]
        if not ids:
            return []
        _defer("importlib.metadata")  # the engine's rule loader imports it; the guard's
        # rules come from its index, so it is loaded only if something really uses it
        from scanner.matching.engine import extract  # noqa: PLC0415 - only with candidates
        from scanner.model import Blob, Flag, LocationClass  # noqa: PLC0415

        rules = self.index.rules(ids)
        _register_plugins([r.kind.removeprefix("plugin:") for r in rules
                           if r.kind.startswith("plugin:")])
        matches = [m for m in extract(rules, range(len(rules)), data)
                   if keep is None or keep(m.line)]  # (a search prints matching lines only)
        if not matches:
            return []
        tracked = committed() if callable(committed) else committed
        flags = frozenset() if tracked else frozenset({Flag.IGNORED_BUT_PRESENT})
        blob = Blob(path=path, data=data, flags=flags, display_path=display,
                    location_hint=LocationClass(location) if location else None)
        classifier, filters = self._classifier()
        out: list[Sighting] = []
        for match in matches:
            rule = next(r for r in rules if r.id == match.rule_id)
            c = classifier.classify(rule, match, blob)
            if _suppressed(rule, match, c, blob, filters):
                continue
            line = f":{match.line}" if not where.startswith(("$", "the ")) else ""
            out.append(Sighting(
                rule.id, rule.title, rule.provider, str(c.tier), str(c.effective_tier),
                str(c.scope), tuple(str(cap) for cap in c.capabilities), str(c.environment),
                str(c.location), str(c.verdict), str(c.severity),
                bool(dict(c.details).get("inert")) or c.expired, "generic" in rule.tags,
                _redact(match.secret), f"{where}{line}", match.line,
                dict(c.details).get("assigned-to", ""),
                c.remediation, match.secret))
        return out

    def _classifier(self) -> tuple[Any, list[Any]]:
        if self._stages is None:
            from scanner.classify.classifier import DefaultClassifier  # noqa: PLC0415
            from scanner.classify.policy import Policy, severity_overrides  # noqa: PLC0415
            from scanner.filters.placeholder import PlaceholderFilter  # noqa: PLC0415
            from scanner.filters.validity import ValidityFilter  # noqa: PLC0415

            policy = Policy(severity_overrides(self._policy, self._policy_source))
            self._stages = (DefaultClassifier(policy), [PlaceholderFilter(), ValidityFilter()])
        return self._stages


_TOKEN = re.compile(rb"[^\s'\"`]{16,}|://[^\s]*@|PRIVATE KEY|BEGIN [A-Z ]*KEY")


def _worth_scanning(data: bytes) -> bool:
    """Short text with no 16-character run and no credentials-in-URL holds no credential any
    guarded rule reports: `git status` or `npm test` need no prefilter at all."""
    return len(data) > 4096 or bool(_TOKEN.search(data))


def _suppressed(rule: Any, match: Any, classification: Any, blob: Blob,
                filters: list[Any]) -> bool:
    from scanner.model import Finding, Location  # noqa: PLC0415

    # No fingerprint: it keys baselines, which the guard does not apply.
    finding = Finding(rule.id, rule.provider, rule.title,
                      Location(blob.path, match.line, match.column, match.end_column,
                               match.end_line), match.secret, "", "", classification)
    return any(f.check(finding, blob) is not None for f in filters)


def _redact(secret: str) -> str:
    from scanner.findings import redact  # noqa: PLC0415

    return redact(secret)


def _defer(name: str) -> None:
    """Import a standard module lazily (importlib.util.LazyLoader): it executes on first
    attribute access, not when it is imported. A third of the engine's import time went to
    importlib.metadata, which a hook call never touches."""
    import importlib.util  # noqa: PLC0415
    import sys  # noqa: PLC0415

    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:  # `from parent import child` then finds it without touching it
        setattr(sys.modules[parent], child, module)


def _register_plugins(names: list[str]) -> None:
    """Code detectors (URL credentials, command passwords) go into the engine's registry,
    explicitly, the first time a candidate needs them."""
    if not names:
        return
    from scanner.matching.engine import ANCHORS, PLUGINS  # noqa: PLC0415
    from scanner.matching.generic import GENERIC_ANCHORS, GENERIC_PLUGINS  # noqa: PLC0415

    for name in names:
        PLUGINS.setdefault(name, GENERIC_PLUGINS[name])
        ANCHORS.setdefault(name, GENERIC_ANCHORS[name])
