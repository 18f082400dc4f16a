"""`credscope guard claude-code`, run as the real hook process on Claude Code's documented
events, over a realistic project: every benign call passes, every risky one is asked or
denied, the incident is stopped, and no secret ever reaches stdout or stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests import guard_events as ge

BIN = Path(sys.executable).parent
NAMES = [c.name for c in ge.cases(Path("/p"), Path("/h"))]


def guard_command(agent: str = "claude-code", *, lean: bool = False) -> list[str]:
    """`credscope guard AGENT`, the command install writes (or `credscope-guard AGENT`)."""
    if lean:
        return [str(BIN / "credscope-guard"), agent]
    return [str(BIN / "credscope"), "guard", agent]


def run(event: dict[str, Any], proj: Path, home: Path, *args: str, lean: bool = False,
        env: dict[str, str] | None = None, agent: str = "claude-code"
        ) -> subprocess.CompletedProcess[str]:
    full = {"session_id": "5f1c", "transcript_path": str(home / "t.jsonl"), "cwd": str(proj),
            "permission_mode": "default", **event}
    return subprocess.run([*guard_command(agent, lean=lean), *args], input=json.dumps(full),
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "HOME": str(home), **(env or {})})


def outcome(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stderr
    if not proc.stdout.strip():
        return "none"
    answer = json.loads(proc.stdout)
    specific = answer.get("hookSpecificOutput", {})
    return str(specific.get("permissionDecision") or answer.get("decision"))


def reason(proc: subprocess.CompletedProcess[str]) -> str:
    answer = json.loads(proc.stdout)
    return str(answer.get("reason") or answer["hookSpecificOutput"]["permissionDecisionReason"])


def assert_no_secret(proc: subprocess.CompletedProcess[str]) -> None:
    for secret in ge.SECRETS:
        assert secret not in proc.stdout and secret not in proc.stderr


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return ge.make_project(tmp_path_factory.mktemp("guard"))


@pytest.mark.parametrize("name", NAMES)
def test_replay(project: tuple[Path, Path], name: str) -> None:
    proj, home = project
    case = next(c for c in ge.cases(proj, home) if c.name == name)
    proc = run(case.event, proj, home)
    assert outcome(proc) == case.expect, proc.stdout + proc.stderr
    assert_no_secret(proc)


@pytest.mark.parametrize("lean", [False, True], ids=["credscope guard", "credscope-guard"])
def test_the_incident_is_stopped(project: tuple[Path, Path], lean: bool) -> None:
    """The agent searches for a token, reads the unrelated notes file holding the account
    token, then sends volumeDelete with it: the search and the read are denied (the token
    is ADMIN and account-wide), and so is the mutation."""
    proj, home = project
    grep = run(ge.pre("Grep", pattern="RAILWAY_API_TOKEN", path=str(proj),
                      output_mode="content"), proj, home, lean=lean)
    read = run(ge.pre("Read", file_path=str(proj / "notes/infra.md")), proj, home, lean=lean)
    mutation = run(ge.bash(
        "curl -X POST https://backboard.railway.com/graphql/v2 -H \"Authorization: Bearer "
        f"{ge.RAILWAY}\" -d '{{\"query\":\"mutation {{ volumeDelete(volumeId: \\\"v\\\") }}\"}}'"),
        proj, home, lean=lean)
    assert [outcome(p) for p in (grep, read, mutation)] == ["deny", "deny", "deny"]
    assert "Railway account API token" in reason(read) and "notes/infra.md" in reason(read)
    assert "volumeDelete" in reason(mutation)
    for proc in (grep, read, mutation):
        assert_no_secret(proc)


def test_a_variable_from_the_environment_is_followed(project: tuple[Path, Path]) -> None:
    proj, home = project
    env = {"RAILWAY_API_TOKEN": ge.RAILWAY}
    assert outcome(run(ge.bash("printenv RAILWAY_API_TOKEN"), proj, home, env=env)) == "deny"
    assert outcome(run(ge.bash("env | grep -i railway"), proj, home, env=env)) == "deny"
    assert outcome(run(ge.bash("env | grep -i ^node"), proj, home, env=env)) == "none"
    assert outcome(run(ge.bash("railway volume delete vol_1"), proj, home, env=env)) == "ask"


def test_a_credential_named_variable_with_a_destructive_call_is_denied(
        project: tuple[Path, Path]) -> None:
    proj, home = project
    proc = run(ge.bash("curl -X DELETE -H \"Authorization: token $GH_ADMIN_TOKEN\" "
                       "https://api.github.com/repos/acme/billing"), proj, home)
    assert outcome(proc) == "deny" and "$GH_ADMIN_TOKEN" in reason(proc)


def test_tool_output_holding_a_secret_is_redacted(project: tuple[Path, Path]) -> None:
    proj, home = project
    proc = run(ge.post_bash("cat notes/infra.md", f"token: RAILWAY_API_TOKEN={ge.RAILWAY}\n"),
               proj, home)
    answer = json.loads(proc.stdout)
    assert answer["decision"] == "block"
    redacted = answer["hookSpecificOutput"]["updatedToolOutput"]["stdout"]
    assert redacted.startswith("token: RAILWAY_API_TOKEN=") and "chars #" in redacted
    assert_no_secret(proc)


@pytest.mark.parametrize("stdin", ["not json", "[1, 2]", '{"tool_input": 5}'])
def test_a_bad_event_fails_open_with_a_note(project: tuple[Path, Path], stdin: str) -> None:
    _, home = project
    proc = subprocess.run(guard_command(), input=stdin, capture_output=True, text=True,
                          env={**os.environ, "HOME": str(home)}, timeout=60)
    assert proc.returncode == 0 and proc.stdout == ""
    if stdin == "not json":
        assert "failing open" in proc.stderr


def test_fail_closed_denies_when_the_guard_fails(project: tuple[Path, Path],
                                                 tmp_path: Path) -> None:
    proj, home = project
    broken = tmp_path / "guard.toml"
    broken.write_text("fail-closed = \n")
    event = ge.pre("Read", file_path=str(proj / "README.md"))
    assert outcome(run(event, proj, home, "--config", str(broken))) == "none"
    proc = run(event, proj, home, "--config", str(broken), "--fail-closed")
    assert outcome(proc) == "deny" and "fail-closed" in reason(proc)
    blocked = run(ge.prompt("hello"), proj, home, "--config", str(broken), "--fail-closed")
    assert outcome(blocked) == "block"


def test_decisions_are_overridden_by_the_users_config(project: tuple[Path, Path],
                                                      tmp_path: Path) -> None:
    proj, home = project
    config = tmp_path / "guard.toml"
    config.write_text('[decisions]\ndestructive = "off"\n'
                      'read-powerful-credential = {decision = "ask", why = "ask me: {where}"}\n')
    destroy = run(ge.bash("terraform destroy"), proj, home, "--config", str(config))
    read = run(ge.pre("Read", file_path=str(proj / "notes/infra.md")), proj, home,
               env={"CREDSCOPE_GUARD_CONFIG": str(config)})
    assert outcome(destroy) == "none"
    assert outcome(read) == "ask" and reason(read) == "credscope guard: ask me: notes/infra.md:4"


def test_the_repositorys_own_config_cannot_loosen_the_guard(tmp_path: Path) -> None:
    proj, home = ge.make_project(tmp_path)
    (proj / ".credscope.toml").write_text('[policy]\nadmin-ignored = "off"\n'
                                          'admin-committed = "off"\n')
    (proj / "pyproject.toml").write_text('[tool.credscope]\nallowlist-paths = ["**"]\n')
    assert outcome(run(ge.pre("Read", file_path=str(proj / "notes/infra.md")), proj,
                       home)) == "deny"


def test_an_mcp_servers_own_credentials(tmp_path: Path) -> None:
    """A destructive MCP call wields what its server was started with: an ADMIN token in
    .mcp.json makes it a deny; a credential of unproven power leaves it an ask."""
    proj, home = ge.make_project(tmp_path)
    (proj / ".mcp.json").write_text(json.dumps({"mcpServers": {
        "railway": {"command": "npx", "args": ["-y", "@railway/mcp"],
                    "env": {"RAILWAY_API_TOKEN": ge.RAILWAY}},
        "github": {"command": "github-mcp", "env": {"GITHUB_TOKEN": ge.GITHUB}}}}))
    delete = ge.pre("mcp__railway__volume_delete", volumeId="vol_9f2")
    denied = run(delete, proj, home)
    assert outcome(denied) == "deny" and ".mcp.json" in reason(denied)
    assert outcome(run(ge.pre("mcp__github__delete_file", path="x"), proj, home)) == "ask"
    assert outcome(run(ge.pre("mcp__railway__list_services"), proj, home)) == "none"
    assert_no_secret(denied)


def test_the_same_decisions_without_hyperscan(project: tuple[Path, Path],
                                             tmp_path: Path) -> None:
    """Where hyperscan is absent the prefilter is each rule's keywords: slower, same answers."""
    proj, home = project
    fake = tmp_path / "nohs" / "hyperscan"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(  # what a missing module raises
        "raise ModuleNotFoundError('No module named hyperscan', name='hyperscan')\n")
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(fake.parent),
                                                      os.environ.get("PYTHONPATH")])),
           "CREDSCOPE_CACHE_DIR": str(tmp_path / "cache")}
    for case in ge.cases(proj, home)[::3]:
        proc = run(case.event, proj, home, env=env)
        assert outcome(proc) == case.expect, case.name
        assert_no_secret(proc)
    assert not list((tmp_path / "cache").glob("guard/guard-*/prefilter.hs"))


def test_the_credscope_command_runs_the_hook_without_the_command_line(
        project: tuple[Path, Path]) -> None:
    """`credscope guard claude-code` is run for every tool call: it must not load typer."""
    proj, home = project
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", str(BIN / "credscope"), "guard", "claude-code"],
        input=json.dumps({**ge.bash("terraform destroy"), "cwd": str(proj)}),
        capture_output=True, text=True, timeout=60, env={**os.environ, "HOME": str(home)})
    assert json.loads(proc.stdout)["hookSpecificOutput"]["permissionDecision"] == "ask"
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines()}
    assert "scanner.guard.main" in imported
    assert not imported & {"typer", "rich", "scanner.cli", "scanner.pipeline"}
