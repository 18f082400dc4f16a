"""One repository's ScanResult from its plan and the outcomes of its places: the scan-wide
steps of pipeline.scan (baseline, grouping by fingerprint, the source's finalize, order),
run on the driver, so the report is the one `credscope scan --history` writes.

A place's outcome is shared by every repository holding that blob at that path; what is the
repository's own is applied here: the commit that introduced the blob in this repository,
this repository's baseline, and HEAD's tree for history-only.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace

from scanner.audit.outcome import Kept, Outcome, keyed_sha1
from scanner.audit.store import Place
from scanner.audit.work import Plan
from scanner.baseline import Baseline, Entry
from scanner.config import Config
from scanner.filters.baseline import BaselineFilter, baseline_filter, stale_entries
from scanner.model import Commit, Finding, ScanResult, ScanStats, Skipped
from scanner.pipeline import baselined, finalize, group_by_fingerprint, report_order
from scanner.runner import with_provenance


def assemble(config: Config, plan: Plan, outcomes: Mapping[Place, Outcome],
             started: float) -> ScanResult:
    baseline = baseline_filter(config)
    active: list[Finding] = []
    suppressed: list[Finding] = []
    skipped: list[Skipped] = list(plan.skipped)
    files = size = 0
    for change in plan.changes:
        outcome = outcomes[(change.oid.decode(), change.path)]
        if outcome.skipped is not None:
            skipped.append(replace(outcome.skipped, path=change.path))
            continue
        files += 1
        size += outcome.size
        for kept in outcome.findings:
            finding = _baselined(_introduced_by(kept.finding, change.commit), kept, baseline)
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
    )
    return with_provenance(result, config.root)


def _introduced_by(finding: Finding, commit: Commit) -> Finding:
    """The outcome was judged at the blob's path; its commit is this repository's own."""
    return replace(finding, location=replace(finding.location, commit=commit))


def _baselined(finding: Finding, kept: Kept, baseline: BaselineFilter | None) -> Finding:
    """pipeline.baselined, plus imported detect-secrets entries (sha1 of the secret), which
    the stored finding matches through its keyed sha1s since it no longer holds the secret."""
    if baseline is None:
        return finding
    judged = baselined(finding, [baseline])
    if judged is not finding or not kept.sha1_keys:
        return judged
    for entry in baseline.baseline.entries:
        if entry.sha1 and not entry.fingerprint and keyed_sha1(entry.sha1) in kept.sha1_keys:
            # The same suppression the filter gives a fingerprint entry with this reason.
            alias = Entry(fingerprint=finding.fingerprint, reason=entry.reason,
                          source=entry.source)
            judged = baselined(finding, [BaselineFilter(Baseline((alias,)))])
            baseline.matched.setdefault(entry.key, {})[finding.fingerprint] = finding
            return judged
    return judged
