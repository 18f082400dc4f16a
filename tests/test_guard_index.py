"""The guard's index: rebuilt when the rules change, and a prefilter that never misses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scanner.guard import index
from tests import guard_events as ge
from tests.helpers import needs_hyperscan


def test_the_index_follows_the_rule_files(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(index.rules_dir(), rules)
    monkeypatch.setattr(index, "rules_dir", lambda: rules)
    first = index.load()
    assert first.directory.name == f"guard-{index.signature()}"
    built = (first.directory / "index.json").stat().st_mtime_ns
    assert index.load().directory == first.directory  # reused, not rebuilt
    assert (first.directory / "index.json").stat().st_mtime_ns == built
    catalogue = rules / "destructive" / "generic.toml"
    catalogue.write_text(catalogue.read_text() + "\n# edited\n")
    second = index.load()
    assert second.directory != first.directory and not first.directory.exists()
    assert index.load(rebuild=True).directory == second.directory


def test_the_prefilter_names_the_rules_that_can_match() -> None:
    idx = index.load()
    assert "railway.account-token" in idx.candidates(
        f"RAILWAY_API_TOKEN={ge.RAILWAY}\n".encode())
    assert "stripe.secret-key" in idx.candidates(ge.STRIPE_LIVE.encode())


@needs_hyperscan
def test_the_prefilter_names_no_rule_for_ordinary_code() -> None:
    """With hyperscan the prefilter runs the rules' own patterns; without it, each rule's
    keywords, which ordinary code can hold (slower, the same answers)."""
    idx = index.load()
    assert idx.candidates(b"def handle_token(header):\n    return header.get('x')\n") == []


def test_without_hyperscan_the_keywords_select_a_superset() -> None:
    idx = index.load()
    fast = set(idx.candidates(f"RAILWAY_API_TOKEN={ge.RAILWAY} {ge.GITHUB}".encode()))
    idx._db = False  # as where hyperscan cannot be imported
    slow = set(idx.candidates(f"RAILWAY_API_TOKEN={ge.RAILWAY} {ge.GITHUB}".encode()))
    assert fast and fast <= slow
