"""The digests that decide what an audit may reuse from an earlier run.

- `scanner_digest`: credscope's own code and built-in rules. Any change to either (a new
  rule, a classifier fix) makes every stored outcome stale.
- `analysis_key`: that, plus every setting that can change a blob's findings (rules and
  plugins, with their files' content; policy, allowlists, limits) and the fingerprint
  pepper. Repositories that share it share every outcome without findings; an outcome with
  findings also needs the same fingerprint scheme (identity.RepoScheme).
- `read_analysis`: a place read from a gitignored file on disk is judged ignored-but-present
  (not committed), which changes its findings: its own analysis key.
- `repository_key`: that, plus the repository's git state, what is read beside the history
  (its working tree's state, tree.py; or nothing, with --history-only), its whole
  configuration and its baseline file: an unchanged key means an unchanged report.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from scanner import __version__
from scanner.config import Config
from scanner.errors import ConfigError
from scanner.filters.baseline import baseline_path
from scanner.matching.loader import builtin_rules_dir, rule_files
from scanner.model import Severity

PEPPER_VARIABLE = "CREDSCOPE_FINGERPRINT_KEY"  # findings.py mixes it into every fingerprint
_PACKAGE = Path(__file__).resolve().parents[1]


@lru_cache(maxsize=1)
def scanner_digest() -> str:
    digest = hashlib.sha256(__version__.encode())
    files = [*sorted(_PACKAGE.rglob("*.py")), *sorted(builtin_rules_dir().glob("*.toml"))]
    for path in files:
        digest.update(str(path.relative_to(path.parents[1])).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=64)
def rules_digest(rules_dirs: tuple[Path, ...], plugins: tuple[Path, ...]) -> str:
    """The content of every rule file a scan with these settings loads (the user's rules
    directories and installed rule packs included) and of its detect-secrets plugin files:
    editing one must not let a re-run reuse what the old one found. Read once per audit
    (run.run_audit clears this cache)."""
    digest = hashlib.sha256()
    for path in (*rule_files(rules_dirs), *plugins):
        try:
            digest.update(f"{path}\0".encode("utf-8", "surrogateescape") + path.read_bytes())
        except OSError as err:
            raise ConfigError(f"cannot read {path}: {err.strerror or err}") from None
    return digest.hexdigest()


def portable(config: Config) -> Config:
    """The config in a form that pickles (a mappingproxy does not) to send to workers."""
    return replace(config, policy=dict(config.policy))


def analysis_config(config: Config) -> Config:
    """What a blob's findings depend on: the config less what only the walk (excludes) and
    the scan-wide steps (root, baseline, fail-on, output and process settings) read, and less
    the record of where settings came from (a fork with the same config file, at another
    path, shares its upstream's outcomes)."""
    return replace(portable(config), root=Path(), baseline=None, use_default_baseline=False,
                   fail_on=Severity.ERROR, show_secrets=False, progress=False, jobs=1,
                   exclude=(), repo_exclude=(), default_excludes=True, config_file=None,
                   config_effects=(), trust_repo_config=False, user_config_file=None)


def pepper_digest() -> str:
    """Which fingerprint pepper is in force (its digest: never the pepper itself)."""
    pepper = os.environ.get(PEPPER_VARIABLE)
    return hashlib.sha256(pepper.encode("utf-8")).hexdigest() if pepper else ""


def analysis_key(config: Config) -> str:
    settings = repr(replace(analysis_config(config), policy=MappingProxyType({})))
    policy = repr(sorted(config.policy.items()))
    rules = rules_digest(config.rules_dirs, config.detect_secrets_plugins)
    return hash_parts(scanner_digest(), settings, policy, rules, pepper_digest())


def read_analysis(analysis: str, ignored: bool) -> str:
    """The analysis key of a place read from a gitignored file on disk (the classifier
    judges it ignored-but-present, not committed); else `analysis` itself: a tracked or
    untracked file's content is judged as the same blob in a history is."""
    return hash_parts(analysis, "ignored-but-present") if ignored else analysis


def repository_key(config: Config, git_state: str, reading: str = "") -> str:
    """`reading`: what is read beside the history (tree.tree_state's digest of the working
    tree, or a word: "history-only", "bare")."""
    baseline = baseline_path(config)
    try:
        baseline_text = hashlib.sha256(baseline.read_bytes()).hexdigest() if baseline else ""
    except OSError as err:
        baseline_text = f"unreadable: {err}"  # the scan will report it; never reuse then
    return hash_parts(analysis_key(config), git_state, reading, repr(portable(config)),
                      baseline_text)


def hash_parts(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    return digest.hexdigest()
