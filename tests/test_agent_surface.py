"""`scan --agent-surface`: the repository plus the agent and CLI credential files in a fake home.

Every planted secret must be found in its file at its true line, labelled with the MCP server
and variable or the profile and key that holds it; nothing outside the listed locations is
read; links out of the home are not followed; broken files are reported and still scanned.
"""

from __future__ import annotations

import base64
import json
import os
import string
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner import parallel
from scanner.cli import app
from scanner.config import Config
from scanner.model import (
    Blob,
    Environment,
    Finding,
    Flag,
    LocationClass,
    ScanResult,
    Severity,
    Skipped,
    Tier,
)
from scanner.model import Verdict as V
from scanner.paths import matches_any
from scanner.pipeline import Stages, build_stages, scan
from scanner.reporters import REPORTERS
from scanner.sources.agent_surface import HOME_SURFACE, REPO_SURFACE, AgentSurfaceSource
from scanner.sources.structured import parse
from tests.helpers import (
    commit_all,
    github_token,
    init_repo,
    npm_token,
    rand,
    stripe_key,
    uuid4_like,
)

ALNUM = string.ascii_letters + string.digits


def aws_secret(seed: str) -> str:
    return rand(ALNUM + "/+", 40, f"aws{seed}")


def password(seed: str) -> str:
    return rand(ALNUM, 14, f"pw{seed}")


@dataclass(frozen=True)
class Planted:
    path: str  # as reported: "~/..." under the home, relative in the repository
    label: str | None
    secret: str
    rule: str  # rule id, or a provider prefix ending in "."
    location: LocationClass


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _mcp(server: str, var: str, secret: str, key: str = "mcpServers") -> str:
    body = {key: {server: {"command": "npx", "args": ["-y", f"@example/{server}-mcp"],
                           "env": {var: secret}}}}
    return json.dumps(body, indent=2)


A, C, H = LocationClass.AGENT_CONFIG, LocationClass.CLI_CREDENTIALS, LocationClass.SHELL_HISTORY
CLINE = ".config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json"


def plant_home(home: Path) -> list[Planted]:
    """One file of each kind, each holding a fresh fake secret."""
    out: list[Planted] = []

    def put(rel: str, text: str, label: str | None, secret: str, rule: str,
            location: LocationClass) -> None:
        _write(home / rel, text)
        out.append(Planted(f"~/{rel}", label, secret, rule, location))

    sk = stripe_key(seed="claude")
    gh = github_token(seed="claude-project")
    claude = {"mcpServers": {"stripe": {"command": "npx", "env": {"STRIPE_SECRET_KEY": sk}}},
              "projects": {"/home/dev/app": {"mcpServers": {"github": {
                  "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": gh}}}}}}
    _write(home / ".claude.json", json.dumps(claude, indent=2))
    out.append(Planted("~/.claude.json", "mcpServers.stripe.env.STRIPE_SECRET_KEY", sk,
                       "stripe.secret-key", A))
    out.append(Planted("~/.claude.json", 'projects["/home/dev/app"].mcpServers.github.env.'
                       "GITHUB_PERSONAL_ACCESS_TOKEN", gh, "github.", A))
    tok = github_token(seed="cursor")
    put(".cursor/mcp.json", _mcp("github", "GITHUB_PERSONAL_ACCESS_TOKEN", tok),
        "mcpServers.github.env.GITHUB_PERSONAL_ACCESS_TOKEN", tok, "github.", A)
    tok = stripe_key(seed="desktop-mac")
    put("Library/Application Support/Claude/claude_desktop_config.json",
        _mcp("stripe", "STRIPE_API_KEY", tok), "mcpServers.stripe.env.STRIPE_API_KEY", tok,
        "stripe.secret-key", A)
    tok = npm_token(seed="desktop-linux")
    put(".config/Claude/claude_desktop_config.json", _mcp("npm", "NPM_TOKEN", tok),
        "mcpServers.npm.env.NPM_TOKEN", tok, "npm.", A)
    tok = github_token(seed="windsurf")
    put(".codeium/windsurf/mcp_config.json", _mcp("github", "GITHUB_TOKEN", tok),
        "mcpServers.github.env.GITHUB_TOKEN", tok, "github.", A)
    tok = github_token(seed="cline")
    put(CLINE, _mcp("github", "GITHUB_TOKEN", tok), "mcpServers.github.env.GITHUB_TOKEN", tok,
        "github.", A)
    tok = stripe_key(seed="continue")
    put(".continue/config.yaml", "name: dev\nmcpServers:\n  - name: stripe\n    command: npx\n"
        f"    env:\n      STRIPE_SECRET_KEY: {tok}\n", "mcpServers[0].env.STRIPE_SECRET_KEY",
        tok, "stripe.secret-key", A)
    tok = github_token(seed="codex")
    put(".codex/config.toml", f'model = "o4"\n\n[mcp_servers.github]\ncommand = "npx"\n'
        f'env = {{ GITHUB_TOKEN = "{tok}" }}\n', "mcp_servers.github.env.GITHUB_TOKEN", tok,
        "github.", A)
    tok = npm_token(seed="claude-settings")
    put(".claude/settings.json", json.dumps({"env": {"NPM_TOKEN": tok}}, indent=2),
        "env.NPM_TOKEN", tok, "npm.", A)
    tok = stripe_key(seed="claude-md")
    put(".claude/CLAUDE.md", f"# Notes\n\nUse the key {tok} for refunds.\n", None, tok,
        "stripe.secret-key", A)
    tok = aws_secret("prod")
    put(".aws/credentials", "[default]\nregion = eu-west-1\n\n[prod]\n"
        f"aws_secret_access_key = {tok}\n", "[prod] aws_secret_access_key", tok,
        "aws.secret-access-key", C)
    tok = github_token("gho_", seed="gh-cli")
    put(".config/gh/hosts.yml", f"github.com:\n    user: dev\n    oauth_token: {tok}\n"
        "    git_protocol: https\n", '["github.com"].oauth_token', tok, "github.", C)
    tok = npm_token(seed="npmrc")
    put(".npmrc", f"registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={tok}\n",
        "//registry.npmjs.org/:_authToken", tok, "npm.", C)
    tok = password("pypirc")  # credscope: allow (deliberate test value)
    put(".pypirc", f"[distutils]\nindex-servers =\n    pypi\n\n[pypi]\nusername = dev\n"
        f"password = {tok}\n", "[pypi] password", tok, "pypirc.password", C)
    tok = base64.b64encode(f"dev:{password('docker')}".encode()).decode()  # credscope: allow
    put(".docker/config.json", json.dumps({"auths": {"https://index.docker.io/v1/": {
        "auth": tok}}}, indent=2), 'auths["https://index.docker.io/v1/"].auth', tok,
        "docker.config-auth", C)
    tok = rand(ALNUM, 40, "kube")
    put(".kube/config", "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n"
        f"    token: {tok}\n", "users[0].user.token", tok, "kubeconfig.user-token", C)
    tok = uuid4_like("heroku")
    put(".netrc", f"machine api.heroku.com\n  login dev@example.com\n  password {tok}\n",
        "machine api.heroku.com password", tok, "netrc.heroku-api-key", C)
    tok = password("git-store")  # credscope: allow (deliberate test value)
    put(".git-credentials", f"https://dev:{tok}@git.example.com\n", "https://git.example.com",
        tok, "git.credential-store-url", C)
    tok = uuid4_like("railway")
    put(".railway/config.json", json.dumps({"projects": {}, "user": {"token": tok}}, indent=2),
        "user.token", tok, "railway.cli-login-token", C)
    tok = rand(ALNUM, 24, "vercel")
    put(".local/share/com.vercel.cli/auth.json", json.dumps({
        "// Note": "This is your Vercel credentials file. DO NOT SHARE!", "token": tok},
        indent=2), "token", tok, "vercel.cli-auth-token", C)
    tok = "fo1_" + rand(ALNUM + "_-", 43, "fly")
    put(".fly/config.yml", f"access_token: {tok}\nmetrics_token: \"\"\nsend_metrics: true\n",
        "access_token", tok, "flyio.user-token", C)
    tok = stripe_key(seed="stripe-cli")
    put(".config/stripe/config.toml", f"[default]\ndevice_name = 'dev'\nlive_mode_api_key = "
        f"'{tok}'\n", "default.live_mode_api_key", tok, "stripe.secret-key", C)
    tok = stripe_key(seed="bash")
    put(".bash_history", f"ls -la\nexport STRIPE_SECRET_KEY={tok}\ngit status\n", None, tok,
        "stripe.secret-key", H)
    tok = github_token(seed="fish")
    put(".local/share/fish/fish_history", f"- cmd: curl -H 'Authorization: token {tok}' "
        "https://api.github.com/user\n  when: 1700000000\n", None, tok, "github.", H)
    return out


def _line_of(text: str, secret: str) -> int:
    return text[: text.index(secret)].count("\n") + 1


@pytest.fixture(scope="module")
def stages(tmp_path_factory: pytest.TempPathFactory) -> Stages:
    # The pure-`re` engine: no hyperscan database to compile for a handful of small files
    # (test_rule_examples holds both engines to identical matches).
    return build_stages(Config(root=tmp_path_factory.mktemp("stages"), engine="re"))


def run(repo: Path, home: Path, stages: Stages) -> ScanResult:
    config = Config(root=repo)
    return scan(config, AgentSurfaceSource(config, home=home), stages)


def _all(result: ScanResult) -> list[Finding]:
    return [*result.findings, *result.suppressed]


def _finding(result: ScanResult, secret: str) -> Finding | None:
    return next((f for f in _all(result) if f.secret == secret), None)


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path, list[Planted]]:
    home = tmp_path / "home"
    repo = init_repo(tmp_path / "home" / "src" / "app")
    return repo, home, plant_home(home)


def test_every_home_secret_found_with_its_label_line_and_class(
        world: tuple[Path, Path, list[Planted]], stages: Stages) -> None:
    repo, home, planted = world
    result = run(repo, home, stages)
    rules = {r.id: r for r in stages.rules}
    problems = []
    for p in planted:
        f = _finding(result, p.secret)
        if f is None:
            problems.append(f"{p.path} [{p.label}]: not found")
            continue
        text = (home / p.path.removeprefix("~/")).read_text()
        where = (f.location.path, f.location.label, f.location.line)
        if where != (p.path, p.label, _line_of(text, p.secret)):
            problems.append(f"{p.path}: reported at {where}")
        if not (f.rule_id == p.rule or (p.rule.endswith(".") and f.rule_id.startswith(p.rule))):
            problems.append(f"{p.path}: rule {f.rule_id}, expected {p.rule}")
        if f.classification.location is not p.location:
            problems.append(f"{p.path}: class {f.classification.location}")
        if f.suppression is not None:
            problems.append(f"{p.path}: suppressed ({f.suppression.reason})")
        if (c := f.classification).tier is not rules[f.rule_id].tier:
            problems.append(f"{p.path}: tier {c.tier}, rule says {rules[f.rule_id].tier}")
        if (c.verdict, c.severity) != _expected_verdict(p.location, c.tier, c.environment):
            problems.append(f"{p.path}: {c.verdict}/{c.severity} for {c.tier}")
    assert not problems, "\n".join(problems)


def _expected_verdict(location: LocationClass, tier: Tier, env: Environment
                      ) -> tuple[V, Severity]:
    """Agent configuration and shell history are always agent-reachable; a CLI store is the
    right place for a credential unless it is known to be an ADMIN one, or one of unknown
    power for production. `tier` is the known tier: a worst case (UNKNOWN) is not ADMIN."""
    if location is A:
        return V.AGENT_REACHABLE, Severity.ERROR
    if location is H:
        return V.AGENT_REACHABLE, Severity.ERROR if tier in (Tier.ADMIN, Tier.WRITE) \
            else Severity.WARNING
    if tier is Tier.ADMIN or (tier is Tier.UNKNOWN and env is Environment.PRODUCTION):
        return V.AGENT_REACHABLE, Severity.WARNING
    return V.OK, Severity.NOTE


def test_admin_token_in_an_mcp_env_block_is_an_error_with_narrower_advice(
        world: tuple[Path, Path, list[Planted]], stages: Stages) -> None:
    repo, home, planted = world
    result = run(repo, home, stages)
    claude = next(p for p in planted if p.label == "mcpServers.stripe.env.STRIPE_SECRET_KEY"
                  and p.path == "~/.claude.json")
    f = _finding(result, claude.secret)
    assert f is not None
    c = f.classification
    assert (c.tier, c.verdict, c.severity) == (Tier.ADMIN, V.AGENT_REACHABLE, Severity.ERROR)
    assert "every prompt to this agent can use it" in c.reason
    assert "~/.claude.json" in c.reason
    rule = {r.id: r for r in stages.rules}[f.rule_id]
    assert rule.narrower and rule.narrower in c.remediation
    history = _finding(result, next(p.secret for p in planted if p.path == "~/.bash_history"))
    assert history is not None
    assert history.classification.verdict is V.AGENT_REACHABLE
    assert history.classification.severity is Severity.ERROR
    aws = _finding(result, next(p.secret for p in planted if p.path == "~/.aws/credentials"))
    assert aws is not None and aws.classification.verdict is V.AGENT_REACHABLE


def test_repository_files_are_labelled_and_ignored_dotenv_is_flagged(
        tmp_path: Path, stages: Stages) -> None:
    repo = init_repo(tmp_path / "repo")
    home = tmp_path / "home"
    home.mkdir()
    _write(repo / ".gitignore", ".env.local\n")
    _write(repo / "README.md", "app\n")
    commit_all(repo, "init")
    env_key = stripe_key(seed="repo-env")
    _write(repo / ".env.local", f"# local\nexport STRIPE_SECRET_KEY=\"{env_key}\"\n")
    mcp_tok = github_token(seed="repo-mcp")
    _write(repo / ".mcp.json", _mcp("github", "GITHUB_PERSONAL_ACCESS_TOKEN", mcp_tok))
    vs_tok = github_token(seed="repo-vscode")
    _write(repo / ".vscode/mcp.json", "{\n  // VS Code allows comments\n  \"servers\": {\n"
           f"    \"github\": {{\"env\": {{\"GITHUB_TOKEN\": \"{vs_tok}\"}},}},\n  }},\n}}\n")
    md_tok = stripe_key(seed="repo-claude-md")
    _write(repo / "CLAUDE.md", f"Deploy with {md_tok}\n")
    result = run(repo, home, stages)
    expected = {
        env_key: (".env.local", "STRIPE_SECRET_KEY", LocationClass.DOTENV),
        mcp_tok: (".mcp.json", "mcpServers.github.env.GITHUB_PERSONAL_ACCESS_TOKEN",
                  LocationClass.AGENT_CONFIG),
        vs_tok: (".vscode/mcp.json", "servers.github.env.GITHUB_TOKEN",
                 LocationClass.AGENT_CONFIG),
        md_tok: ("CLAUDE.md", None, LocationClass.AGENT_CONFIG),
    }
    for secret, (path, label, cls) in expected.items():
        f = _finding(result, secret)
        assert f is not None, path
        assert (f.location.path, f.location.label, f.classification.location) == (path, label,
                                                                                  cls)
        text = (repo / path).read_text()
        assert f.location.line == _line_of(text, secret)
    dotenv = _finding(result, env_key)
    assert dotenv is not None and Flag.IGNORED_BUT_PRESENT in dotenv.classification.flags
    assert not [s for s in result.skipped if s.kind == "unparseable"]  # JSONC parsed fine


def test_nothing_outside_the_listed_locations_is_read(
        world: tuple[Path, Path, list[Planted]], stages: Stages) -> None:
    repo, home, _ = world
    sentinels = {rel: stripe_key(seed=f"sentinel-{rel}") for rel in (
        "notes.txt", "projects/other/.env", ".config/other-tool/secrets.json", ".ssh/notes",
        ".cursor/settings.json", ".aws/credentials.bak", "Library/Other/auth.json")}
    for rel, secret in sentinels.items():
        _write(home / rel, f"STRIPE_SECRET_KEY={secret}\n")
    source = AgentSurfaceSource(Config(root=repo), home=home)
    items = list(source.items())
    patterns = [e.pattern for e in HOME_SURFACE]
    for item in items:
        if isinstance(item, Blob) and item.path.startswith("~/"):
            assert matches_any(item.path.removeprefix("~/"), patterns), item.path
    read = {i.path for i in items if isinstance(i, Blob)}
    assert {"~/.fly/config.yml", "~/.claude/settings.json", "~/.bash_history"} <= read
    result = scan(Config(root=repo), AgentSurfaceSource(Config(root=repo), home=home), stages)
    found = {f.secret for f in _all(result)}
    assert not found & set(sentinels.values())
    assert any("known agent and CLI credential locations" in n for n in result.notes)


def test_links_out_of_the_home_are_not_followed(tmp_path: Path, stages: Stages) -> None:
    home, outside = tmp_path / "home", tmp_path / "outside"
    repo = init_repo(tmp_path / "repo")
    leaked = {name: npm_token(seed=f"outside-{name}") for name in ("npmrc", "aws", "claude",
                                                                   "inner")}
    _write(outside / "npmrc", f"//registry.npmjs.org/:_authToken={leaked['npmrc']}\n")
    _write(outside / "aws/credentials", f"[x]\nnpm = {leaked['aws']}\n")
    _write(outside / "claude/settings.json", json.dumps({"env": {"T": leaked["claude"]}}))
    _write(outside / "inner.json", json.dumps({"T": leaked["inner"]}))
    home.mkdir()
    (home / ".npmrc").symlink_to(outside / "npmrc")
    (home / ".aws").symlink_to(outside / "aws")
    (home / ".claude").symlink_to(outside / "claude")
    _write(home / ".cursor/real.json", "{}")
    (home / ".codeium/windsurf").mkdir(parents=True)
    (home / ".codeium/windsurf/mcp_config.json").symlink_to(outside / "inner.json")
    inside = npm_token(seed="dotfiles")
    _write(home / "dotfiles/netrc", f"machine registry.npmjs.org password {inside}\n")
    (home / ".netrc").symlink_to(home / "dotfiles/netrc")  # a dotfile manager's link: fine
    result = run(repo, home, stages)
    found = {f.secret for f in _all(result)}
    assert not found & set(leaked.values())
    assert inside in found
    skipped = {s.path: s for s in result.skipped}
    for shown in ("~/.npmrc", "~/.aws/credentials", "~/.claude",
                  "~/.codeium/windsurf/mcp_config.json"):
        assert skipped[shown].kind == "symlink", shown
        assert "outside the home" in skipped[shown].reason


def test_links_inside_listed_directories_are_not_followed(tmp_path: Path, stages: Stages) -> None:
    home = tmp_path / "home"
    repo = init_repo(tmp_path / "repo")
    secret = npm_token(seed="inner-link")
    _write(home / "elsewhere.json", json.dumps({"T": secret}))
    _write(home / ".claude/settings.json", "{}")
    (home / ".claude/agents").mkdir()
    (home / ".claude/agents/linked.json").symlink_to(home / "elsewhere.json")
    result = run(repo, home, stages)
    assert secret not in {f.secret for f in _all(result)}
    assert any(s.path == "~/.claude/agents/linked.json" and s.kind == "symlink"
               for s in result.skipped)


def test_malformed_configs_are_reported_and_still_scanned(tmp_path: Path, stages: Stages) -> None:
    home = tmp_path / "home"
    repo = init_repo(tmp_path / "repo")
    broken = npm_token(seed="broken-json")
    _write(home / ".docker/config.json", f'{{"auths": {{"x": {{"auth": "{broken}"}}\n')
    junk = npm_token(seed="binary-junk")
    (home / ".kube").mkdir()
    (home / ".kube/config").write_bytes(b"\x00\x01\xff\xfe junk token: " + junk.encode() + b"\n")
    bad_yaml = npm_token(seed="bad-yaml")
    _write(home / ".config/gh/hosts.yml", f"github.com:\n  oauth_token: {bad_yaml}\n x: [\n")
    bad_ini = npm_token(seed="bad-ini")
    _write(home / ".aws/credentials", f"[default]\nthis line is not ini\ntoken = {bad_ini}\n")
    good = stripe_key(seed="after-broken")
    _write(home / ".cursor/mcp.json", _mcp("stripe", "STRIPE_SECRET_KEY", good))
    result = run(repo, home, stages)
    by_path = {s.path: s for s in result.skipped if s.kind == "unparseable"}
    assert "invalid JSON" in by_path["~/.docker/config.json"].reason
    assert "binary" in by_path["~/.kube/config"].reason
    assert "invalid YAML" in by_path["~/.config/gh/hosts.yml"].reason
    assert "line 2" in by_path["~/.aws/credentials"].reason
    for secret in (broken, junk, bad_yaml):
        f = _finding(result, secret)
        assert f is not None and f.location.label is None
    ini = _finding(result, bad_ini)  # lenient line parsing still names the key
    assert ini is not None and ini.location.label == "[default] token"
    after = _finding(result, good)
    assert after is not None and after.location.label == "mcpServers.stripe.env.STRIPE_SECRET_KEY"


def test_fifo_at_a_listed_path_does_not_hang(tmp_path: Path, stages: Stages) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    home = tmp_path / "home"
    repo = init_repo(tmp_path / "repo")
    home.mkdir()
    os.mkfifo(home / ".pgpass")
    result = run(repo, home, stages)
    assert any(s.path == "~/.pgpass" and "not a regular file" in s.reason
               for s in result.skipped)


def test_cli_reports_agent_surface_in_every_format(
        world: tuple[Path, Path, list[Planted]], tmp_path: Path) -> None:
    repo, home, planted = world
    runner = CliRunner()
    reports = [arg for fmt in REPORTERS for arg in ("--report", f"{fmt}={tmp_path}/report.{fmt}")]
    res = runner.invoke(app, ["scan", "--agent-surface", "--home", str(home), "--no-progress",
                              "--jobs", "1", "--engine", "re", *reports, str(repo)])
    assert res.exit_code == 1, res.output
    for fmt in REPORTERS:
        text = (tmp_path / f"report.{fmt}").read_text()
        assert "~/.claude.json" in text, fmt
        assert not [p.path for p in planted if p.secret in text], fmt  # redacted
    data = json.loads((tmp_path / "report.json").read_text())
    labels = {loc["label"] for f in data["findings"] for loc in _locations(f)}
    assert "mcpServers.stripe.env.STRIPE_SECRET_KEY" in labels
    assert "[prod] aws_secret_access_key" in labels
    missing = runner.invoke(app, ["scan", "--agent-surface", "--home", str(tmp_path / "nope"),
                                  str(repo)])
    assert missing.exit_code == 2


def _locations(finding: dict[str, object]) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "label" in node and "path" in node:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(finding)
    return found


def test_label_at_picks_the_innermost_span() -> None:
    """Blob.label_at picks the innermost span and falls back to the blob's own label."""
    blob = Blob(path="x", data=b"0123456789", label="file",
                labels=((0, 10, "outer"), (2, 5, "inner")))
    assert [blob.label_at(i) for i in (0, 2, 4, 5, 9)] == ["outer", "inner", "inner", "outer",
                                                           "outer"]
    assert Blob(path="x", data=b"").label_at(0) is None


def test_skipped_records_carry_display_paths(tmp_path: Path) -> None:
    home = tmp_path / "home"
    repo = init_repo(tmp_path / "repo")
    _write(home / ".continue/config.json", "{not json")
    items = list(AgentSurfaceSource(Config(root=repo), home=home).items())
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert [s.path for s in skipped] == ["~/.continue/config.json"]
    blobs = [i for i in items if isinstance(i, Blob) and i.path == "~/.continue/config.json"]
    assert blobs and blobs[0].display_path == "~/.continue/config.json"
    assert blobs[0].location_hint is LocationClass.AGENT_CONFIG


# --- structured parsers: every span is the value's own bytes in the original file -----------


def _spans(kind: str, text: str) -> dict[str, str]:
    data = text.encode("utf-8")
    parsed = parse(kind, data)
    assert parsed.problem is None, parsed.problem
    return {label: data[s:e].decode() for s, e, label in parsed.labels}


def test_json_spans_survive_escapes_unicode_comments_and_odd_keys() -> None:
    text = ('\ufeff{"naïve": "é", "a.b": {"k\\"q": ["x", 1, NaN, {"t": "v\\u0041"}]}}')
    assert _spans("json", text) == {'["naïve"]': "é", '["a.b"]["k\\"q"][0]': "x",
                                    '["a.b"]["k\\"q"][3].t': "v\\u0041"}
    jsonc = '// top\n{\n  "servers": {"s": {"env": {"T": "tok//x"},},}, /* c */\n}\n'
    assert _spans("json", jsonc) == {"servers.s.env.T": "tok//x"}
    assert parse("json", b'{"a": [1, 2}').problem == "invalid JSON: Expecting ',' delimiter " \
                                                      "at line 1 column 12"
    assert parse("json", b"[" * 100_000).problem is not None
    assert parse("json", b"\xff\xfe{}").problem == "not UTF-8 text (byte 0)"


def test_yaml_spans_quotes_aliases_and_documents() -> None:
    text = "base: &b\n  token: 'q1'\nother: *b\nlist:\n  - \"q2\"\n  - plain\n"
    assert _spans("yaml", text) == {"base.token": "q1", "list[0]": "q2", "list[1]": "plain"}
    assert _spans("yaml", "a: 1\n---\nb: two\n") == {"[0].a": "1", "[1].b": "two"}
    assert _spans("yaml", "a: &x [1, *x]\n") == {"a[0]": "1"}  # a cycle does not loop
    problem = parse("yaml", b"a: [\n").problem
    assert problem is not None and problem.startswith("invalid YAML")


def test_toml_ini_dotenv_netrc_and_git_credentials_spans() -> None:
    toml = "[srv.gh]\nenv = { T = \"v1\" }\nlit = 'v2'\n[[arr]]\nx = \"v1\"\n"
    assert _spans("toml", toml) == {"srv.gh.env.T": "v1", "srv.gh.lit": "v2", "arr[0].x": "v1"}
    assert parse("toml", b"a = ").problem is not None
    ini = "[profile prod]\nkey = \"quoted\"\n; comment = no\nother: colon\n"
    assert _spans("ini", ini) == {"[profile prod] key": "quoted",
                                  "[profile prod] other": "colon"}
    env = 'export A="line1\nline2"\nB=plain # note\nC=\n'
    assert _spans("dotenv", env) == {"A": "line1\nline2", "B": "plain"}
    netrc = "machine h1 login u1 password p1\ndefault\n  login u2\n  password p2\nmacdef x\n"
    assert _spans("netrc", netrc) == {"machine h1 login": "u1", "machine h1 password": "p1",
                                      "default login": "u2", "default password": "p2"}
    creds = "https://user:tok@host.example\nhttps://onlytoken@git.example/\n"  # credscope: allow
    assert _spans("git-credentials", creds) == {"https://host.example": "user:tok",
                                                "https://git.example": "onlytoken"}


def test_sharded_scan_in_worker_processes_finds_the_same(
        world: tuple[Path, Path, list[Planted]], stages: Stages,
        monkeypatch: pytest.MonkeyPatch) -> None:
    repo, home, planted = world
    _write(repo / ".mcp.json", _mcp("stripe", "STRIPE_SECRET_KEY", stripe_key(seed="shard")))

    def seen(jobs: int) -> set[tuple[str, str | None, int, str]]:
        config = Config(root=repo, jobs=jobs)
        result = scan(config, AgentSurfaceSource(config, home=home), stages)
        return {(loc.path, loc.label, loc.line, f.secret) for f in _all(result)
                for loc in f.occurrences or (f.location,)}

    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    sequential, sharded = seen(1), seen(2)
    assert sharded == sequential
    assert {p.secret for p in planted} <= {s for *_, s in sharded}
    assert any(label == "mcpServers.stripe.env.STRIPE_SECRET_KEY" and path == ".mcp.json"
               for path, label, _, _ in sharded)


def test_docs_list_every_location_and_rule(repo_root: Path, stages: Stages) -> None:
    doc = (repo_root / "docs/agent-surface.md").read_text()
    missing = [f"~/{e.pattern}" for e in HOME_SURFACE if f"`~/{e.pattern}`" not in doc]
    missing += [e.pattern for e in REPO_SURFACE if f"`{e.pattern}`" not in doc]
    missing += [r.id for r in stages.rules if r.source_file.endswith("cli_stores.toml")
                and f"`{r.id}`" not in doc]
    assert not missing, missing
