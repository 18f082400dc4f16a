"""Judgements of files are kept until the file, its git status or the policy changes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scanner.guard import inspect as inspect_module
from scanner.guard.actions import ReadFile
from scanner.guard.core import decide
from scanner.guard.policy import Outcome
from scanner.guard.settings import GuardConfig
from tests import guard_events as ge
from tests.helpers import rand


def outcome(path: Path, cwd: Path, config: GuardConfig | None = None) -> Outcome:
    return decide([ReadFile(str(path))], str(cwd), config or GuardConfig()).outcome


def test_a_file_judged_before_is_not_classified_again(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    proj, _ = ge.make_project(tmp_path)
    notes = proj / "notes/infra.md"
    assert outcome(notes, proj) is Outcome.DENY

    def refuse(*_a: object, **_k: object) -> list[object]:
        raise AssertionError("classified a file already judged")

    monkeypatch.setattr(inspect_module.Inspector, "sightings", refuse)
    assert outcome(notes, proj) is Outcome.DENY
    monkeypatch.undo()
    notes.write_text("# Infra notes\n\nThe token moved to the secret manager.\n")
    assert outcome(notes, proj) is Outcome.NONE


def test_committing_a_file_changes_its_judgement(tmp_path: Path) -> None:
    """A WRITE token in a file git does not track is agent-reachable (ask); committed, the
    scan calls it exposed, which is not a concern of the default guard."""
    proj, _ = ge.make_project(tmp_path)
    token = ("xoxb-" + rand("0123456789", 12, "a") + "-" + rand("0123456789", 13, "b") + "-"
             + rand("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 24, "c"))
    path = proj / "src/notify.py"
    path.write_text(f"SLACK_BOT_TOKEN = '{token}'\n")
    assert outcome(path, proj) is Outcome.ASK
    for args in (["add", "src/notify.py"], ["-c", "user.name=t", "-c", "user.email=t@e.invalid",
                                            "commit", "-qm", "notify"]):
        subprocess.run(["git", "-C", str(proj), *args], check=True, capture_output=True)
    assert outcome(path, proj) is Outcome.NONE
    exposed = GuardConfig(concern=frozenset({"agent-reachable", "exposed"}))
    assert outcome(path, proj, exposed) is Outcome.ASK


def test_a_policy_override_is_part_of_the_key(tmp_path: Path) -> None:
    """A WRITE token in a file git does not track is agent-reachable (`admin-ignored`): the
    guard asks; with that policy rule off, the same file (judged before) is no concern."""
    proj, _ = ge.make_project(tmp_path)
    token = ("xoxb-" + rand("0123456789", 12, "d") + "-" + rand("0123456789", 13, "e") + "-"
             + rand("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 24, "f"))
    path = proj / "src/notify.py"
    path.write_text(f"SLACK_BOT_TOKEN = '{token}'\n")
    assert outcome(path, proj) is Outcome.ASK
    quiet = GuardConfig(policy={"admin-ignored": "off"})
    assert outcome(path, proj, quiet) is Outcome.NONE
    assert outcome(path, proj) is Outcome.ASK
