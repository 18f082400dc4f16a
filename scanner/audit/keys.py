"""The digests that decide what an audit may reuse from an earlier run.

- `scanner_digest`: credscope's own code and built-in rules. Any change to either (a new
  rule, a classifier fix) makes every stored outcome stale.
- `analysis_key`: that, plus every setting that can change a blob's findings (rules, policy,
  allowlists, limits) and the fingerprint key. Repositories that share it share outcomes.
- `repository_key`: that, plus the repository's git state, its whole configuration and its
  baseline file: an unchanged key means an unchanged report.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from scanner import __version__
from scanner.config import Config
from scanner.filters.baseline import baseline_path
from scanner.findings import fingerprint_key
from scanner.matching.loader import builtin_rules_dir
from scanner.model import Severity

_PACKAGE = Path(__file__).resolve().parents[1]


@lru_cache(maxsize=1)
def scanner_digest() -> str:
    digest = hashlib.sha256(__version__.encode())
    files = [*sorted(_PACKAGE.rglob("*.py")), *sorted(builtin_rules_dir().glob("*.toml"))]
    for path in files:
        digest.update(str(path.relative_to(path.parents[1])).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def portable(config: Config) -> Config:
    """The config in a form that pickles (a mappingproxy does not) to send to workers."""
    return replace(config, policy=dict(config.policy))


def analysis_config(config: Config) -> Config:
    """The config less what only the scan-wide steps read (root, baseline, fail-on, output
    and process settings): what a blob's findings depend on."""
    return replace(portable(config), root=Path(), baseline=None, use_default_baseline=False,
                   fail_on=Severity.ERROR, show_secrets=False, progress=False, jobs=1)


def analysis_key(config: Config) -> str:
    settings = repr(replace(analysis_config(config), policy=MappingProxyType({})))
    policy = repr(sorted(config.policy.items()))
    key_id = hashlib.sha256(fingerprint_key()).hexdigest()
    return _hash(scanner_digest(), settings, policy, key_id)


def repository_key(config: Config, git_state: str) -> str:
    baseline = baseline_path(config)
    try:
        baseline_text = hashlib.sha256(baseline.read_bytes()).hexdigest() if baseline else ""
    except OSError as err:
        baseline_text = f"unreadable: {err}"  # the scan will report it; never reuse then
    return _hash(analysis_key(config), git_state, repr(portable(config)), baseline_text)


def _hash(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    return digest.hexdigest()
