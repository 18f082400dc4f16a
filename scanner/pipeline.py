"""scan(config, source) -> ScanResult: the whole flow, one direction, no back-references.

Source ──Blob──▶ Engine ──Match──▶ Classifier ──Finding──▶ Filters ──▶ ScanResult
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from scanner.classify import Classifier
from scanner.classify.classifier import DefaultClassifier
from scanner.classify.policy import Policy, severity_overrides
from scanner.collect import Groups, Shared, commit_and_blob
from scanner.config import Config
from scanner.errors import ConfigError
from scanner.excerpt import excerpts
from scanner.filters import Filter
from scanner.filters.allowlist import AllowlistFilter
from scanner.filters.baseline import BaselineFilter, baseline_filter, stale_entries
from scanner.filters.confidence import ConfidenceFilter
from scanner.filters.placeholder import PlaceholderFilter
from scanner.filters.pragma import PragmaFilter
from scanner.filters.public_values import PublicValueFilter
from scanner.filters.validity import ValidityFilter
from scanner.findings import DEFAULT as DEFAULT_FINGERPRINTER
from scanner.findings import Fingerprinter, issued_token, share_keys, stop_sharing_keys
from scanner.matching.engine import Engine, make_engine
from scanner.matching.generic import register_generic_plugins
from scanner.matching.generic.ledger import rejected_matches
from scanner.matching.loader import load_rules
from scanner.matching.schema import Rule
from scanner.model import (
    Blob,
    Finding,
    Location,
    Match,
    ScanResult,
    ScanStats,
    Skipped,
    SuppressionKind,
)
from scanner.parallel import Found, Progressed, scan_events
from scanner.rules_catalog import check_rule_ids
from scanner.sources import Finalizing, Source
from scanner.sources.windows import owned, placed
from scanner.trust import with_counts

# Distinct values a worker keeps shared between the findings of the blobs it read last.
_RECENT_MAX = 50_000
# Progress callback: (blobs so far, bytes so far, current path).
Progress = Callable[[int, int, str], None]


@dataclass
class Stages:
    """The pluggable stages of one scan; tests and other front ends swap any of them."""

    rules: tuple[Rule, ...]
    engine: Engine
    classifier: Classifier
    filters: list[Filter] = field(default_factory=list)
    fingerprinter: Fingerprinter = DEFAULT_FINGERPRINTER


def build_stages(config: Config) -> Stages:
    custom = register_generic_plugins(config.detect_secrets_plugins)
    every = (*load_rules(config.rules_dirs), *custom)
    check_rule_ids(config.disable_rules, {r.id for r in every}, where="disable-rules",
                   path=str(config.config_file) if config.config_file else None)
    rules = tuple(r for r in every if r.id not in config.disable_rules)
    if not rules:
        raise ConfigError("disable-rules leaves no rule to run")
    source = str(config.config_file or "policy")
    policy = Policy(severity_overrides(config.policy, source))
    filters: list[Filter] = [AllowlistFilter(config.allowlist_paths, config.allowlist_values),
                             PragmaFilter(), PublicValueFilter(), PlaceholderFilter(),
                             ValidityFilter(), ConfidenceFilter(config.min_confidence)]
    # The baseline goes first: every finding it lists is counted as baselined, so an entry
    # is stale only when its secret is truly gone (not when another filter got there first).
    if (baselined := baseline_filter(config)) is not None:
        filters.insert(0, baselined)
    return Stages(rules, make_engine(rules, prefer=config.engine), DefaultClassifier(policy),
                  filters, fingerprinter_for(config, baselined))


def fingerprinter_for(config: Config, baselined: BaselineFilter | None) -> Fingerprinter:
    """Fingerprints under the baseline's own salt, so they match its entries; without one
    (or with a version 1 baseline), under the repository's (findings.repository_salt)."""
    if baselined is not None and baselined.baseline.salt is not None:
        return Fingerprinter(baselined.baseline.salt, baselined.baseline.cost)
    return Fingerprinter(config.root)  # the repository's salt, worked out when first needed


def scan(config: Config, source: Source, stages: Stages | None = None,
         progress: Progress | None = None) -> ScanResult:
    stages = stages or build_stages(config)
    by_id = {r.id: r for r in stages.rules}
    started = time.perf_counter()
    shared = Shared()  # one copy of what findings repeat (see scanner.collect)
    active = Groups()
    suppressed: list[Finding] = []
    skipped: list[Skipped] = []
    blobs = size = 0
    # The baseline counts what it matched across the whole scan (stale entries), so it runs
    # here, in this process; every other step runs wherever the blob is analysed.
    scan_wide = [f for f in stages.filters if isinstance(f, BaselineFilter)]
    per_blob = [f for f in stages.filters if not isinstance(f, BaselineFilter)]

    recent = [Shared()]

    def analyse(blob: Blob) -> list[Finding]:
        matches = owned(blob, matches_in(blob.data, stages))  # a window reports its own
        if not matches:
            return []
        # Findings share what repeats from the start, across the blobs this process read
        # last: a generated file can hold 100,000 secrets, a history holds one secret's
        # classification in every version of its file (versions a worker reads in one run),
        # and a run's findings travel to the parent in one pickle, which keeps shared objects
        # shared. Bounded: a fresh table when this one is full.
        if len(recent[0]) >= _RECENT_MAX:
            recent[0] = Shared()
        return [recent[0].finding(f)
                for f in placed(blob, findings_in(blob, matches, stages, by_id, per_blob))]

    def before_fork() -> None:
        from scanner.matching.detect_secrets_bridge import warm_up  # noqa: PLC0415 - lazy

        warm_up(stages.rules)
        share_keys()  # the workers stretch each password once between them
        # The repository's salt, here once rather than in every worker: finding the root
        # commit of a large history takes a second of git (a hook's small scan, which forks
        # nothing, still works it out only if it finds something).
        _ = stages.fingerprinter.salt

    try:
        for event in scan_events(source, analyse, config.jobs, before_fork):
            match event:
                case Skipped():
                    skipped.append(event)
                case Progressed(files=files, size=nbytes, path=path):
                    blobs += files
                    size += nbytes
                    if progress is not None:
                        progress(blobs, size, path)
                case Found(findings=found):
                    for finding in found:
                        finding = shared.finding(baselined(finding, scan_wide))
                        if finding.suppression:
                            suppressed.append(finding)
                        else:
                            active.add(finding)
    finally:
        stop_sharing_keys()
    return ScanResult(
        root=source.root,
        findings=finalize(source, sorted(active.merged(), key=report_order)),
        suppressed=finalize(source, sorted(suppressed, key=report_order)),
        skipped=tuple(sorted(skipped, key=lambda s: (s.path, s.kind, s.reason))),
        stats=ScanStats(files=blobs, bytes=size, seconds=time.perf_counter() - started),
        mode=source.mode,
        notes=tuple(source.notes()),
        fail_on=config.fail_on,
        stale_baseline=stale_entries(stages.filters, source),
        config_effects=with_counts(config.config_effects, getattr(source, "excluded", None)),
    )


def matches_in(data: bytes, stages: Stages) -> list[Match]:
    """The engine's matches in one blob, and the candidates the generic detectors rejected
    (each kept, to be suppressed with its reason: nothing is dropped silently). The
    classifier reads the detectors' judgements of this blob, so findings_in must follow."""
    matches = stages.engine.scan(data)
    return matches + rejected_matches(data, matches)


def baselined(finding: Finding, baselines: Sequence[BaselineFilter]) -> Finding:
    """The baseline goes first: a finding it lists is baselined whatever else would suppress
    it, so an entry is stale only when its secret is truly gone."""
    for baseline in baselines:
        suppression = baseline.check_finding(finding)
        if suppression is not None:
            return replace(finding, suppression=suppression)
    return finding


# Suppressions that judge the value not to be a secret at all: its fingerprint needs no
# stretching (Fingerprinter.key). Baselined, pragma'd, allowlisted and low-confidence
# findings may be real secrets, and keep the slow one.
_NOT_SECRETS = frozenset({SuppressionKind.PLACEHOLDER, SuppressionKind.NOT_A_SECRET,
                          SuppressionKind.PUBLIC_VALUE, SuppressionKind.INVALID})


def cheap_key(rule: Rule, finding: Finding) -> bool:
    """Does the value's fingerprint and redaction need no scrypt (findings.Fingerprinter.key)?
    Stretching protects values a person may have chosen (a password) against guessing from a
    published fingerprint. It is wasted on values judged not to be secrets at all, and on
    tokens a provider issued: a fixed prefix the rule names, then a long random body that no
    dictionary holds. Skipping it there keeps a file of 120,000 fake keys from costing a
    scrypt each (minutes of CPU a hostile repository could ask for); user-chosen passwords
    (after a keyword, inside a URL, in a connection string) keep the stretch."""
    if finding.suppression is not None and finding.suppression.kind in _NOT_SECRETS:
        return True
    return rule.kind == "regex" and issued_token(finding.secret, rule.keywords)


def findings_in(blob: Blob, matches: Sequence[Match], stages: Stages,
                by_id: dict[str, Rule], filters: Sequence[Filter]) -> list[Finding]:
    judged = []
    prints = stages.fingerprinter
    for match in matches:
        rule = by_id[match.rule_id]
        classification = stages.classifier.classify(rule, match, blob)
        finding = Finding(
            rule_id=rule.id,
            provider=rule.provider,
            title=rule.title,
            location=Location(blob.path, match.line, match.column, match.end_column,
                              match.end_line, blob.commit, blob.blob_id,
                              blob.label_at(match.start)),
            secret=match.secret,
            redacted="",  # set below, once the filters have said what the value is
            fingerprint="",
            classification=classification,
        )
        for f in filters:
            suppression = f.check(finding, blob)
            if suppression is not None:
                finding = replace(finding, suppression=suppression)
                break
        judged.append(finding)
    quick = [cheap_key(by_id[f.rule_id], f) for f in judged]
    redacted = [prints.redact(f.secret, quick=q) for f, q in zip(judged, quick, strict=True)]
    # Each secret's line, for the terminal report, other secrets on it redacted as above.
    lines = excerpts(blob.data, matches, redacted)
    # Each finding whole in one more copy (a history's scan makes tens of thousands, and
    # dataclasses.replace is slow).
    return [Finding(rule_id=f.rule_id, provider=f.provider, title=f.title, location=f.location,
                    secret=f.secret, redacted=shown, classification=f.classification,
                    fingerprint=prints.fingerprint(f.rule_id, f.secret, quick=q),
                    suppression=f.suppression, excerpt=excerpt)
            for f, q, shown, excerpt in zip(judged, quick, redacted, lines, strict=True)]


# Both orders are total (they end on what tells any two findings or locations apart), so
# the report never depends on the order findings arrived in: with several processes that
# order is a matter of timing. (Two secrets at the same place in two versions of a file tied
# on path, line and column; so did one suppressed secret in two versions.)
def report_order(f: Finding) -> tuple[object, ...]:
    loc = f.location
    return (-f.severity.rank, loc.path, loc.line, loc.column, loc.end_line, loc.end_column,
            f.rule_id, f.fingerprint, *commit_and_blob(loc))


def finalize(source: Source, findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """Let a source that knows more after the whole scan revise the findings."""
    return source.finalize(findings) if isinstance(source, Finalizing) else tuple(findings)


def group_by_fingerprint(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The same secret found in several places is one finding with every location; the
    most severe occurrence speaks for it (in history, the earliest of the most severe)."""
    groups = Groups()
    for f in findings:
        groups.add(f)
    return tuple(sorted(groups.merged(), key=report_order))
