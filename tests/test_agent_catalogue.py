"""Every location of the agent-surface catalogue, tested with a file in that tool's documented
format (the catalogue's example, fake values filled in here): the scan reads it at its path
under a fake home, reports the planted credential with the rule the entry names, in the
entry's location class, and suppresses the public values some of these files hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.config import Config
from scanner.errors import RuleError
from scanner.model import ScanResult, SuppressionKind
from scanner.pipeline import Stages, build_stages, scan
from scanner.sources import catalogue
from scanner.sources.agent_surface import HOME_SURFACE, REPO_SURFACE, AgentSurfaceSource
from tests.surface_values import PUBLIC_PLACEHOLDERS, fill

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def stages() -> Stages:
    return build_stages(Config(root=Path()))


def _scan_home(tmp_path: Path, files: dict[str, str], stages: Stages) -> ScanResult:
    home, repo = tmp_path / "home", tmp_path / "repo"
    repo.mkdir()
    for rel, text in files.items():
        path = home / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    home.mkdir(exist_ok=True)
    config = Config(root=repo)
    return scan(config, AgentSurfaceSource(config, home=home), stages)


@pytest.mark.parametrize("entry", HOME_SURFACE,
                         ids=[f"{e.tool}|{e.pattern}" for e in HOME_SURFACE])
def test_each_location_is_read_and_its_credential_found(entry: catalogue.SurfaceEntry,
                                                        tmp_path: Path, stages: Stages) -> None:
    rel = entry.example_path or entry.pattern
    assert "*" not in rel, "a '*' or '/**' entry needs an example_path"
    text, values = fill(entry.example, seed=rel)
    result = _scan_home(tmp_path, {rel: text}, stages)
    here = [f for f in result.findings if f.location.path == f"~/{rel}"]
    rules = {f.rule_id for f in here}
    assert rules & set(entry.finds), (rules, [s.reason for s in result.skipped])
    assert all(f.classification.location is entry.location for f in here)
    planted = {v for k, v in values.items() if k not in PUBLIC_PLACEHOLDERS}
    assert any(any(f.secret in v or v in f.secret for v in planted) for f in here)
    # nothing else is reported: ids, client ids and other values beside the credential are not
    decoys = [f.rule_id for f in result.findings
              if not any(f.secret in v or v in f.secret for v in planted)]
    assert not decoys, decoys
    assert not [s for s in result.skipped if s.kind == "unparseable"
                and s.path == f"~/{rel}" and "unparseable" not in entry.holds]
    public = {v for k, v in values.items() if k in PUBLIC_PLACEHOLDERS}
    assert not [f for f in result.findings if f.secret in public]
    for value in public:
        kinds = {f.suppression.kind for f in result.suppressed
                 if f.secret == value and f.suppression is not None}
        assert kinds == {SuppressionKind.PUBLIC_VALUE}


def test_the_catalogue_covers_forty_tools_on_both_platforms() -> None:
    tools = {e.tool.split(" (")[0] for e in HOME_SURFACE}
    assert len(tools) >= 40
    for platform in ("linux", "macos"):
        assert len({e.tool for e in HOME_SURFACE if platform in e.platforms}) >= 40
    for entry in HOME_SURFACE:
        assert entry.source.startswith("https://"), entry.tool
        assert entry.holds and entry.finds
    assert {"agent-config", "cli-credentials", "shell-history"} == {
        str(e.location) for e in HOME_SURFACE}


def test_every_location_is_documented() -> None:
    doc = (ROOT / "docs" / "agent-surface.md").read_text(encoding="utf-8")
    for entry in (*HOME_SURFACE, *REPO_SURFACE):
        assert f"`{entry.pattern}`" in doc or f"`~/{entry.pattern}`" in doc, entry.pattern


def test_glob_entries_read_every_match(tmp_path: Path, stages: Stages) -> None:
    sso = "{\"startUrl\": \"https://x.awsapps.com/start\", \"accessToken\": \"{aws_sso_token}\"," \
          " \"expiresAt\": \"2099-01-01T00:00:00Z\", \"region\": \"us-east-1\"}"
    files = {}
    for name in ("a1.json", "b2.json", "c3.json"):
        files[f".aws/sso/cache/{name}"] = fill(sso, name)[0]
    result = _scan_home(tmp_path, files, stages)
    assert {f.location.path for f in result.findings} == {f"~/{r}" for r in files}


def test_a_glob_never_leaves_the_home(tmp_path: Path, stages: Stages) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "adc.json").write_text('{"refresh_token": "1//0' + "a" * 60 + '"}')
    legacy = tmp_path / "home" / ".config/gcloud/legacy_credentials"
    legacy.mkdir(parents=True)
    (legacy / "dev@example.com").symlink_to(outside, target_is_directory=True)
    result = _scan_home(tmp_path, {}, stages)
    assert not result.findings
    assert any(s.kind == "symlink" for s in result.skipped)


@pytest.mark.parametrize(("text", "message"), [
    ("[[home]]\n[[repository]]\n", "must be a non-empty string"),
    ("home = []\n", "expected \\[\\[home\\]\\] and \\[\\[repository\\]\\]"),
    ("repository = []\n[[home]]\ntool='t'\nplatform='windows'\npath='.x'\nformat='json'\n"
     "class='agent-config'\nholds='h'\nsource='s'\nexample='e'\n", "`platform`"),
    ("repository = []\n[[home]]\ntool='t'\nplatform='linux'\npath='../etc/passwd'\n"
     "format='json'\nclass='agent-config'\nholds='h'\nsource='s'\nexample='e'\n", "inside it"),
    ("repository = []\n[[home]]\ntool='t'\nplatform='linux'\npath='.x'\nformat='xml'\n"
     "class='agent-config'\nholds='h'\nsource='s'\nexample='e'\n", "`format` must be"),
])
def test_a_broken_catalogue_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(RuleError, match=message):
        catalogue.load(path)
