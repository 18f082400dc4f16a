"""One repository's ScanResult from its plan and the outcomes of its places: the scan-wide
steps of pipeline.scan (baseline, grouping by fingerprint, the source's finalize, order, what
the repository's config narrowed or was refused), run on the driver, so the report is the one
`credscope scan --history` writes.

A place's outcome is shared by every repository holding that blob at that path (with the
same fingerprint scheme, when it has findings); what is the repository's own is applied here:
the commit that introduced the blob in this repository (none for a file on disk the history
does not hold), this repository's baseline, and the walked source's finalize (history-only
and ignored-but-present from HEAD's tree and the files on disk).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace

from scanner.audit.outcome import Kept, Outcome
from scanner.audit.store import Place
from scanner.audit.work import Plan, place_of
from scanner.baseline import Baseline, Entry
from scanner.config import Config
from scanner.filters.baseline import BaselineFilter, baseline_filter, stale_entries
from scanner.model import Commit, Finding, ScanResult, ScanStats, Skipped
from scanner.pipeline import baselined, finalize, group_by_fingerprint, report_order
from scanner.runner import with_provenance
from scanner.sources.git import Change
from scanner.trust import with_counts


@dataclass(frozen=True)
class Assembled:
    result: ScanResult
    identities: dict[str, str]  # the repository's fingerprints -> the audit's identities


def assemble(config: Config, plan: Plan, outcomes: Mapping[Place, Outcome],
             started: float) -> Assembled:
    baseline = baseline_filter(config)
    entries = {e.key: e for e in baseline.baseline.entries} if baseline is not None else {}
    active: list[Finding] = []
    suppressed: list[Finding] = []
    skipped: list[Skipped] = list(plan.skipped)
    identities: dict[str, str] = {}
    files = size = 0
    for item in plan.reads:
        outcome = outcomes[place_of(item)]
        if outcome.skipped is not None:
            skipped.append(replace(outcome.skipped, path=item.path))
            continue
        files += 1
        size += outcome.size
        commit = item.commit if isinstance(item, Change) else None
        for kept in outcome.findings:
            identities[kept.finding.fingerprint] = kept.identity
            finding = _baselined(_introduced_by(kept.finding, commit), kept, baseline,
                                 entries)
            (suppressed if finding.suppression else active).append(finding)
    source = plan.source
    result = ScanResult(
        root=source.root,
        findings=finalize(source, group_by_fingerprint(active)),
        suppressed=finalize(source, sorted(suppressed, key=report_order)),
        skipped=tuple(sorted(skipped, key=lambda s: (s.path, s.kind, s.reason))),
        stats=ScanStats(files=files, bytes=size, seconds=time.perf_counter() - started),
        mode=source.mode,
        notes=tuple(source.notes()),
        fail_on=config.fail_on,
        stale_baseline=stale_entries([baseline] if baseline else [], source),
        # The walk counted what the repository's own excludes removed.
        config_effects=with_counts(config.config_effects, source.excluded),
    )
    return Assembled(with_provenance(result, config.root), identities)


def _introduced_by(finding: Finding, commit: Commit | None) -> Finding:
    """The outcome was judged at the blob's path; its commit is this repository's own (None:
    a file on disk whose content no commit holds)."""
    return replace(finding, location=replace(finding.location, commit=commit))


def _baselined(finding: Finding, kept: Kept, baseline: BaselineFilter | None,
               entries: Mapping[str, Entry]) -> Finding:
    """pipeline.baselined, plus the entries only the secret can match (v1 fingerprints,
    imported detect-secrets sha1s), which the worker matched while it held the secret."""
    if baseline is None:
        return finding
    judged = baselined(finding, [baseline])
    if judged is not finding or not kept.entries:
        return judged
    entry = next((entries[key] for key in kept.entries if key in entries), None)
    if entry is None:
        return judged
    # The same suppression the filter gives a fingerprint entry with this reason.
    alias = Entry(fingerprint=finding.fingerprint, reason=entry.reason, source=entry.source)
    judged = baselined(finding, [BaselineFilter(Baseline((alias,)))])
    baseline.matched.setdefault(entry.key, {})[finding.fingerprint] = finding
    return judged
