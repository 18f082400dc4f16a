"""Placeholders, documented examples and never-issued tokens are suppressed with a reason, for
every rule; real-looking random tokens are not."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest

from scanner.classify.decoders.cloud import AZURITE_KEY
from scanner.config import Config
from scanner.filters.placeholder import placeholder_reason
from scanner.model import SuppressionKind
from scanner.pipeline import build_stages, scan
from scanner.sources.worktree import WorktreeSource
from tests.helpers import github_token, npm_token, rand, stripe_key, uuid4_like


@pytest.mark.parametrize(("value", "why"), [
    ("AKIAIOSFODNN7EXAMPLE", "documented example"),
    ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "documented example"),
    (AZURITE_KEY, "Azurite"),
    ("sk_live_" + "X" * 24, "masked"),
    ("ghp_" + "x" * 36, "masked"),
    ("${STRIPE_SECRET_KEY}", "template"),
    ("{{ secrets.TOKEN }}", "template"),
    ("<your-token>", "marker"),
    ("changeme", "marker"),
    ("sk_live_exampleKeyQ7wR2tY9uI0pA3sD", "marker 'example'"),
    ("sk_test_DUMMY0Q7wR2tY9uI0pA3sDfG5hJ", "marker 'DUMMY'"),
    ("sk_live_Fake0Q7wR2tY9uI0pA3sDfG5hJk", "marker 'Fake'"),
    ("sk_live_" + "ab" * 12, "distinct"),
    ("sk_live_0000000011112222", "repeats"),
    ("sk_live_1234567890qwertyuiopas", "sequence"),
    ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "sequence"),
])
def test_placeholders_are_recognised(value: str, why: str) -> None:
    reason = placeholder_reason(value)
    assert reason is not None and why.lower() in reason.lower(), reason


def test_real_looking_random_tokens_are_not_placeholders() -> None:
    rng = random.Random(4)
    alphabets = (string.ascii_letters + string.digits, "0123456789abcdef",
                 string.ascii_uppercase + "234567", string.ascii_letters + string.digits + "_-")
    flagged = []
    for i in range(3000):
        alphabet = alphabets[i % len(alphabets)]
        body = "".join(rng.choice(alphabet) for _ in range(rng.randint(20, 64)))
        for value in (body, f"sk_live_{body}", f"ghp_{body}"):
            if placeholder_reason(value) is not None:
                flagged.append((value, placeholder_reason(value)))
    for seed in range(200):
        for value in (github_token(seed=seed), npm_token(seed), stripe_key(seed=seed),
                      uuid4_like(seed)):
            if placeholder_reason(value) is not None:
                flagged.append((value, placeholder_reason(value)))
    assert len(flagged) <= 1, flagged[:5]  # ~12 000 random values; chance hits stay rare


def test_mixed_case_marker_letters_are_chance_not_intent() -> None:
    assert placeholder_reason("sk_live_q8eXaMpLe3rT7yU1iO9pA2sD") is None  # credscope: allow
    assert placeholder_reason("sk_live_q8w2fAkE3rT7yU1iO9pA2sDz") is None  # credscope: allow


def _scan(root: Path) -> tuple[dict[str, object], dict[str, object]]:
    config = Config(root=root, default_excludes=False)
    result = scan(config, WorktreeSource(config), build_stages(config))
    return ({f.secret: f for f in result.findings}, {f.secret: f for f in result.suppressed})


def test_filters_suppress_with_a_reason_end_to_end(tmp_path: Path) -> None:
    good, bad = github_token(seed=11), github_token(seed=12)
    bad = bad[:-1] + ("A" if bad[-1] != "A" else "B")
    live = stripe_key(seed=13)
    (tmp_path / "app.py").write_text(
        f'GOOD = "{good}"\nBAD = "{bad}"\nSTRIPE = "{live}"\n'
        'PLACEHOLDER = "sk_live_exampleKeyQ7wR2tY9uI0pA3sD"\n'
        "AZURE = \"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        f'AccountKey={AZURITE_KEY};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"\n',
        encoding="utf-8")
    active, suppressed = _scan(tmp_path)
    assert good in active and live in active
    assert suppressed[bad].suppression.kind is SuppressionKind.INVALID  # type: ignore[attr-defined]
    assert "checksum" in suppressed[bad].suppression.reason  # type: ignore[attr-defined]
    masked = suppressed["sk_live_exampleKeyQ7wR2tY9uI0pA3sD"]
    assert masked.suppression.kind is SuppressionKind.PLACEHOLDER  # type: ignore[attr-defined]
    azurite = [f for s, f in suppressed.items() if AZURITE_KEY in s or "devstore" in s]
    assert azurite, "the Azurite connection string is matched and suppressed"
    assert all(f.suppression.kind is SuppressionKind.PLACEHOLDER  # type: ignore[attr-defined]
               for f in azurite)
    assert not [s for s in active if AZURITE_KEY in s]


def test_a_local_default_in_a_url_on_its_line_excuses_any_rule(tmp_path: Path) -> None:
    """`password = "postgres"` next to postgres://postgres:postgres@localhost on its line is
    the same local default, whichever rule matched it; the same word with no such URL on its
    line (a URL elsewhere in the file does not count) stays a finding."""
    chosen = rand(string.ascii_letters + string.digits, 10, "not-a-local-default")
    (tmp_path / "app.py").write_text(
        'DSN = "https://example.invalid/x"\n'
        'password = "postgres"  # postgres://postgres:postgres@localhost/dev\n'
        f'db_password = "{chosen}"\n')
    result = scan(Config(root=tmp_path, jobs=1), WorktreeSource(Config(root=tmp_path)))
    excused = {(f.rule_id, f.location.line) for f in result.suppressed
               if f.suppression is not None
               and "local development default" in f.suppression.reason}
    assert ("generic.password", 2) in excused
    assert any(f.location.line == 3 for f in result.findings)
