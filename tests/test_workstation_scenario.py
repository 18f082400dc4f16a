"""An agent's workstation: a fake HOME full of CLI stores, editor and agent configurations,
shell files, and a repository with history. Scanned with --agent-surface --home, then with
--agent-surface --history: every planted credential is found with the right tier, environment
and place, and no decoy (public demo values, request ids, placeholders, documented examples,
ids beside the tokens) is reported. Every value is fake and built at run time."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.model import Environment, Finding, Flag, LocationClass, ScanResult, Tier
from scanner.pipeline import Stages, build_stages, scan
from scanner.sources.select import SourceOptions, select_source
from tests.helpers import (
    anthropic_key,
    aws_key_id,
    commit_all,
    github_token,
    init_repo,
    npm_token,
    rand,
    stripe_key,
    uuid4_like,
)
from tests.surface_values import GENERATORS
from tests.test_public_values import EXACT, hs256

E, L, T = Environment, LocationClass, Tier
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
B64URL = ALNUM + "-_"
PAST = "2024-01-01T00:00:00Z"


@dataclass(frozen=True)
class Expect:
    secret: str
    tier: Tier  # effective tier
    env: Environment
    location: LocationClass
    history_only: bool = False  # found only when the history is scanned


class Workstation:
    def __init__(self, base: Path) -> None:
        self.home = base / "home"
        self.repo = init_repo(base / "repo")
        self.expect: dict[str, Expect] = {}
        self.decoys: list[str] = []  # decoy values: none may be reported

    def write(self, rel: str, text: str, *, home: bool = True) -> None:
        path = (self.home if home else self.repo) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def real(self, name: str, e: Expect) -> str:
        self.expect[name] = e
        return e.secret

    def decoy(self, value: str) -> str:
        self.decoys.append(value)
        return value


def build(base: Path) -> Workstation:
    w = Workstation(base)
    r, d, h = w.real, w.decoy, w.write
    A, C, S = L.AGENT_CONFIG, L.CLI_CREDENTIALS, L.SHELL_HISTORY
    # --- agents and editors ---
    ghp = r("claude-github", Expect(github_token("ghp_", "ws1"), T.ADMIN, E.ALL, A))
    h(".claude.json", json.dumps({"numStartups": 3, "mcpServers": {"github": {
        "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
        "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": ghp}}}}, indent=2))
    live = r("cursor-stripe", Expect(stripe_key("sk", "live", "ws"), T.ADMIN, E.PRODUCTION, A))
    h(".cursor/mcp.json", json.dumps({"mcpServers": {"stripe": {
        "command": "npx", "args": ["-y", "@stripe/mcp"], "env": {"STRIPE_SECRET_KEY": live}}}}))
    sbp = r("vscode-supabase", Expect("sbp_" + rand("0123456789abcdef", 40, "ws"), T.ADMIN,
                                      E.ALL, A))
    h(".config/Code/User/settings.json", '{\n  // user settings\n  "editor.tabSize": 2,\n'
      '  "mcp": {"servers": {"supabase": {"command": "npx", "args": ["-y", '
      f'"@supabase/mcp-server-supabase"], "env": {{"SUPABASE_ACCESS_TOKEN": "{sbp}"}}}}}}}},\n}}\n')
    # --- cloud CLIs ---
    default_id = r("aws-default-id", Expect(aws_key_id(111122223333, seed="dflt"), T.ADMIN,
                                            E.ALL, C))
    default_secret = r("aws-default-secret", Expect(rand(ALNUM + "/+", 40, "dflt"), T.ADMIN,
                                                    E.ALL, C))
    prod_id = r("aws-prod-id", Expect(aws_key_id(444455556666, seed="prod"), T.ADMIN,
                                      E.PRODUCTION, C))
    prod_secret = r("aws-prod-secret", Expect(rand(ALNUM + "/+", 40, "prod"), T.ADMIN,
                                              E.PRODUCTION, C))
    h(".aws/credentials", f"[default]\naws_access_key_id = {default_id}\n"
      f"aws_secret_access_key = {default_secret}\n\n[prod-admin]\n"
      f"aws_access_key_id = {prod_id}\naws_secret_access_key = {prod_secret}\n")
    sso = r("aws-sso", Expect(GENERATORS["aws_sso_token"]("ws"), T.ADMIN, E.ALL, C))
    h(".aws/sso/cache/5a2e.json", json.dumps({
        "startUrl": "https://acme.awsapps.com/start", "region": "eu-west-1",
        "accessToken": sso, "expiresAt": PAST}))
    refresh = r("azure-refresh", Expect(GENERATORS["msal_refresh"]("ws"), T.ADMIN, E.ALL, C))
    tenant, oid = uuid4_like("tenant"), uuid4_like("oid")
    client = "".join(("04b07795-8ddb-", "461a-bbee-02f9e1bf7b46"))  # Azure CLI's public id
    h(".azure/msal_token_cache.json", json.dumps({"RefreshToken": {
        f"{oid}.{tenant}-login.microsoftonline.com-refreshtoken-{client}--": {
            "credential_type": "RefreshToken", "secret": refresh,
            "home_account_id": f"{oid}.{tenant}", "environment": "login.microsoftonline.com",
            "client_id": client, "family_id": "1"}}}, indent=4))
    d(client)
    adc = r("gcloud-adc", Expect(GENERATORS["google_refresh"]("ws"), T.ADMIN, E.ALL, C))
    h(".config/gcloud/application_default_credentials.json", json.dumps({
        "client_id": "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com",
        "client_secret": d(GENERATORS["gcloud_adc_client_secret"]("")),
        "quota_project_id": "acme-prod", "refresh_token": adc, "type": "authorized_user"},
        indent=2))
    kube_prod = r("kube-prod", Expect(rand(ALNUM, 48, "kprod"), T.ADMIN, E.PRODUCTION, C))
    kube_stg = r("kube-staging", Expect(rand(ALNUM, 48, "kstg"), T.ADMIN, E.STAGING, C))
    h(".kube/config", f"""apiVersion: v1
kind: Config
clusters:
- name: gke_acme-prod_europe-west1_main
  cluster: {{server: "https://34.77.1.2"}}
- name: gke_acme-stg_europe-west1_main
  cluster: {{server: "https://34.77.1.3"}}
contexts:
- name: prod
  context: {{cluster: gke_acme-prod_europe-west1_main, user: prod-deployer}}
- name: stg
  context: {{cluster: gke_acme-stg_europe-west1_main, user: stg-deployer}}
current-context: stg
users:
- name: prod-deployer
  user:
    token: {kube_prod}
- name: stg-deployer
  user:
    token: {kube_stg}
""")
    databricks = r("databricks", Expect("dapi" + rand("0123456789abcdef", 32, "ws"), T.ADMIN,
                                        E.PRODUCTION, C))
    h(".databrickscfg", f"[DEFAULT]\nhost  = https://acme-prod.cloud.databricks.com\n"
      f"token = {databricks}\n")
    # --- edge and platform CLIs ---
    railway = r("railway-cli", Expect("rw_" + rand(B64URL, 64, "ws"), T.ADMIN, E.ALL, C))
    h(".railway/config.json", json.dumps({"projects": {"/home/dev/app": {
        "projectPath": "/home/dev/app", "project": uuid4_like("p"),
        "environment": uuid4_like("e")}}, "user": {"token": railway}}))
    wrangler = r("wrangler-refresh", Expect(GENERATORS["cf_oauth_refresh"]("ws"), T.WRITE,
                                            E.ALL, C))
    access = r("wrangler-access", Expect(GENERATORS["cf_oauth"]("ws"), T.WRITE, E.ALL, C))
    h(".config/.wrangler/config/default.toml",
      f'oauth_token = "{access}"\nexpiration_time = "{PAST}"\n'
      f'refresh_token = "{wrangler}"\nscopes = ["account:read", "workers:write"]\n')
    heroku = r("heroku-netrc", Expect(uuid4_like("heroku"), T.ADMIN, E.ALL, C))
    h(".netrc", f"machine api.heroku.com\n  login dev@acme-corp.io\n  password {heroku}\n")
    rk = r("stripe-cli-live", Expect(stripe_key("rk", "live", "cli"), T.ADMIN, E.PRODUCTION, C))
    h(".config/stripe/config.toml", f'[default]\nlive_mode_api_key = "{rk}"\n'
      f'live_mode_key_expires_at = "2099-01-01"\ndevice_name = "laptop"\n')
    npm = r("npmrc", Expect(npm_token("ws"), T.WRITE, E.ALL, C))
    h(".npmrc", f"//registry.npmjs.org/:_authToken={npm}\n")
    gho = r("gh-hosts", Expect(github_token("gho_", "ws"), T.ADMIN, E.ALL, C))
    h(".config/gh/hosts.yml", f"github.com:\n    oauth_token: {gho}\n    user: dev\n"
                              "    git_protocol: https\n")
    # --- database clients ---
    pg = r("pgpass-prod", Expect(rand(ALNUM, 20, "pgprod"), T.ADMIN, E.PRODUCTION, C))
    h(".pgpass", "# hostname:port:database:username:password\n"
      f"db-prod.c9x2k1.eu-west-1.rds.amazonaws.com:5432:app:postgres:{pg}\n"
      "localhost:5432:app_dev:postgres:postgres\n")
    my = r("mycnf-staging", Expect(rand(ALNUM, 20, "my"), T.ADMIN, E.STAGING, C))
    h(".my.cnf", f"[client]\nuser=root\npassword={my}\nhost=mysql.staging.acme-corp.io\n")
    # --- shells ---
    sh = r("zsh-history", Expect(github_token("ghp_", "hist"), T.ADMIN, E.ALL, S))
    h(".zsh_history", f": 1700000000:0;git clone https://x:{sh}@github.com/acme/app\n"
      ": 1700000001:0;ls\n")
    ant = r("zshrc-anthropic", Expect(anthropic_key("api03", "rc"), T.WRITE, E.ALL, C))
    h(".zshrc", f"plugins=(git)\nexport ANTHROPIC_API_KEY={ant}\n")
    _repository(w)
    return w


def _repository(w: Workstation) -> None:
    r, d = w.real, w.decoy

    def rw(rel: str, text: str) -> None:
        w.write(rel, text, home=False)

    rw(".gitignore", ".env.local\n.env.production\n.envrc\n")
    rw("app.py", "import os\n\nKEY = os.environ['STRIPE_SECRET_KEY']\n")
    account = r("history-railway", Expect(uuid4_like("hist-acct"), T.ADMIN, E.ALL, L.SOURCE,
                                          history_only=True))
    rw("scripts/cleanup.sh", f"RAILWAY_API_TOKEN={account} railway volume list\n")
    commit_all(w.repo, "cleanup script", date="2024-01-01T00:00:00+00:00")
    (w.repo / "scripts/cleanup.sh").write_text("railway volume list\n")
    commit_all(w.repo, "no token", date="2024-02-01T00:00:00+00:00")
    slack = r("mcp-slack", Expect(GENERATORS["slack_bot"]("repo"), T.WRITE, E.ALL,
                                  L.AGENT_CONFIG))
    rw(".mcp.json", json.dumps({"mcpServers": {"slack": {"command": "npx", "args": [
        "-y", "@modelcontextprotocol/server-slack"], "env": {"SLACK_BOT_TOKEN": slack}}}}))
    url = r("envrc-db", Expect(f"postgres://app:{rand(ALNUM, 20, 'rc')}@db.prod.acme-corp.io"
                               ":5432/app", T.WRITE, E.PRODUCTION, L.DOTENV))
    rw(".envrc", f"export DATABASE_URL={url}\nexport NODE_ENV=production\n")
    prod_live = r("env-production", Expect(stripe_key("sk", "live", "envprod"), T.ADMIN,
                                           E.PRODUCTION, L.DOTENV))
    rw(".env.production", f"STRIPE_SECRET_KEY={prod_live}\n")
    demo = base64.b64decode("c3VwZXItc2VjcmV0LWp3dC10b2tlbi13aXRoLWF0LWxlYXN0LTMyLWNoYXJhY3Rl"
                            "cnMtbG9uZw==")  # Supabase CLI's published local JWT secret
    rw(".env.local", "SUPABASE_URL=http://127.0.0.1:54321\n"
       "SUPABASE_ANON_KEY=" + d(hs256({"iss": "supabase-demo", "role": "anon",
                                        "exp": 1983812996}, demo)) + "\n"
       "SUPABASE_SERVICE_ROLE_KEY=" + d(hs256({"iss": "supabase-demo", "role": "service_role",
                                                "exp": 1983812996}, demo)) + "\n"
       "SUPABASE_SECRET_KEY=" + d(EXACT["supabase.cli-local-secret-key"][0]) + "\n"
       "DATABASE_URL=postgresql://postgres:postgres@127.0.0.1:54322/postgres\n")
    jwtio = base64.b64decode("eW91ci0yNTYtYml0LXNlY3JldA==")
    rw("docs/auth.md", "# Auth\n\nTokens look like this (from jwt.io):\n\n"
       "    Authorization: Bearer " + d(hs256({"sub": "1234567890", "name": "John Doe",
                                               "iat": 1516239022}, jwtio)) + "\n")
    rw("logs/handler.log", "".join(
        f"START RequestId: {d(uuid4_like(f'req{i}'))} Version: $LATEST\n"
        f"token refreshed for request_id={d(uuid4_like(f'rid{i}'))}\n" for i in range(3)))
    rw(".env.example", "STRIPE_SECRET_KEY=sk_live_your-key-here\nOPENAI_API_KEY=<your-key>\n"
       "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
    commit_all(w.repo, "app", date="2024-03-01T00:00:00+00:00")


@pytest.fixture(scope="module")
def stages() -> Stages:
    return build_stages(Config(root=Path()))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Workstation:
    with pytest.MonkeyPatch.context() as mp:
        for var, value in {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}.items():
            mp.setenv(var, value)
        return build(tmp_path_factory.mktemp("workstation"))


def _scan(w: Workstation, stages: Stages, history: bool) -> ScanResult:
    config = Config(root=w.repo)
    opts = SourceOptions(agent_surface=True, home=w.home, history=history)
    return scan(config, select_source(config, opts), stages)


@pytest.fixture(scope="module")
def surface(world: Workstation, stages: Stages) -> ScanResult:
    return _scan(world, stages, history=False)


@pytest.fixture(scope="module")
def audit(world: Workstation, stages: Stages) -> ScanResult:
    return _scan(world, stages, history=True)


def _located(result: ScanResult, secret: str) -> Finding | None:
    return next((f for f in result.findings if f.secret == secret), None)


def _check(w: Workstation, result: ScanResult, name: str) -> None:
    want = w.expect[name]
    f = _located(result, want.secret)
    assert f is not None, f"{name} not reported"
    c = f.classification
    assert (c.effective_tier, c.environment, c.location) == (want.tier, want.env,
                                                             want.location), \
        f"{name}: {c.reason} | {c.evidence}"


NAMES = ["claude-github", "cursor-stripe", "vscode-supabase", "aws-default-id",
         "aws-default-secret", "aws-prod-id", "aws-prod-secret", "aws-sso", "azure-refresh",
         "gcloud-adc", "kube-prod", "kube-staging", "databricks", "railway-cli",
         "wrangler-refresh", "wrangler-access", "heroku-netrc", "stripe-cli-live", "npmrc",
         "gh-hosts",
         "pgpass-prod", "mycnf-staging", "zsh-history", "zshrc-anthropic", "mcp-slack",
         "envrc-db", "env-production"]


@pytest.mark.parametrize("name", NAMES)
def test_agent_surface_finds_and_classifies(world: Workstation, surface: ScanResult,
                                            name: str) -> None:
    _check(world, surface, name)


@pytest.mark.parametrize("name", [*NAMES, "history-railway"])
def test_history_audit_finds_and_classifies(world: Workstation, audit: ScanResult,
                                            name: str) -> None:
    _check(world, audit, name)


def test_history_only_secret_needs_the_history(world: Workstation, surface: ScanResult,
                                               audit: ScanResult) -> None:
    secret = world.expect["history-railway"].secret
    assert _located(surface, secret) is None
    f = _located(audit, secret)
    assert f is not None and Flag.HISTORY_ONLY in f.classification.flags
    env = _located(audit, world.expect["env-production"].secret)
    assert env is not None and Flag.IGNORED_BUT_PRESENT in env.classification.flags


@pytest.mark.parametrize("mode", ["surface", "audit"])
def test_no_decoy_is_reported(world: Workstation, surface: ScanResult, audit: ScanResult,
                              mode: str) -> None:
    result = surface if mode == "surface" else audit
    reported = [f for f in result.findings
                if any(d in f.secret or f.secret in d for d in world.decoys)]
    assert not reported, [(f.rule_id, f.location.path) for f in reported]
    planted = {e.secret for e in world.expect.values()}
    strays = [(f.rule_id, f.location.path) for f in result.findings
              if not any(p in f.secret or f.secret in p for p in planted)]
    assert not strays, strays


def test_expired_sessions_are_inert(world: Workstation, surface: ScanResult) -> None:
    f = _located(surface, world.expect["aws-sso"].secret)
    assert f is not None and f.classification.expired
    assert f.severity == "note"
    access = _located(surface, world.expect["wrangler-access"].secret)
    refresh = _located(surface, world.expect["wrangler-refresh"].secret)
    assert access is not None and access.classification.expired  # its expiry has passed
    assert refresh is not None and not refresh.classification.expired  # it outlives it
    assert time.time() > 1704067200  # PAST really is past
