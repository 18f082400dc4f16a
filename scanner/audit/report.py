"""The audit's files in OUT: each repository's JSON and SARIF (the `scan` reporters, so each
is what `credscope scan --history --format json|sarif` writes), and the organisation's JSON
and HTML (reports/templates/audit.html.j2: autoescaped, one self-contained file, no script).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from scanner import __version__
from scanner.audit.driver import Counts
from scanner.audit.keys import analysis_key, portable
from scanner.audit.org import Credential, RepoReport, credentials, organisation
from scanner.audit.work import REPORT_FORMATS, ReportTask, render_reports
from scanner.config import Config
from scanner.model import ScanResult
from scanner.paths import printable
from scanner.reporters import write_report
from scanner.reporters.sarif_plan import security_severity

REPOSITORIES = "repositories"
TEMPLATE = "audit.html.j2"
STYLE = "audit.css"
HTML_CREDENTIALS = 500  # rows the page lists; the JSON has every one
_CHECKOUT_TEMPLATES = Path(__file__).resolve().parents[2] / "reports" / "templates"


def write_repository(out: Path, slug: str, result: ScanResult, config: Config,
                     missing_only: bool = False) -> None:
    """Render (here, on the driver) and write a repository's reports; with `missing_only`,
    only those not on disk (a re-run of an unchanged repository)."""
    targets = report_paths(out, slug)
    if missing_only and all(path.exists() for path in targets.values()):
        return
    write_texts(targets, render_reports(ReportTask(result, portable(config),
                                                   analysis_key(config))))


def report_paths(out: Path, slug: str) -> dict[str, Path]:
    return {fmt: out / REPOSITORIES / f"{slug}.{fmt}" for fmt in REPORT_FORMATS}


def write_texts(targets: dict[str, Path], texts: dict[str, str]) -> None:
    for fmt, target in targets.items():
        write_report(texts[fmt], target)


def write_organisation(out: Path, repos: Sequence[RepoReport], counts: Counts,
                       scheduler: str) -> dict[str, Any]:
    creds = credentials(repos)
    audit = {"generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
             "scheduler": scheduler, "repositoriesWalked": counts.planned,
             "blobsAnalysed": counts.blobs, "bytesAnalysed": counts.bytes,
             "placesReused": counts.reused, "placesRejudged": counts.rejudged,
             "shards": counts.shards}
    doc = organisation(repos, creds, audit)
    write_report(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", out / "organisation.json")
    write_report(render_html(repos, creds, doc), out / "organisation.html")
    return doc


def render_html(repos: Sequence[RepoReport], creds: Sequence[Credential],
                doc: dict[str, Any]) -> str:
    shared = [c for c in creds if len(c.repositories) > 1]
    skipped = Counter((r.name, s.kind, s.reason) for r in repos if r.result
                      for s in r.result.skipped)
    return _environment().get_template(TEMPLATE).render(
        doc=doc, repos=repos, creds=creds[:HTML_CREDENTIALS], more=max(0, len(creds)
                                                                      - HTML_CREDENTIALS),
        shared=shared, skipped=sorted(skipped.items()), score=security_severity,
        failed=[r for r in repos if r.status == "failed"], version=__version__,
        style=Markup(_load(STYLE)),  # noqa: S704 - our own stylesheet, not scanned input
    )


def _load(name: str) -> str:
    """Templates from the checkout's reports/templates, or from the wheel's scanner._templates."""
    if _CHECKOUT_TEMPLATES.is_dir():
        return (_CHECKOUT_TEMPLATES / name).read_text(encoding="utf-8")
    return resources.files("scanner._templates").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FunctionLoader(_load), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters["printable"] = printable
    return env
