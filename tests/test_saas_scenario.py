"""A small SaaS repository with the credentials real ones hold, in the places they end up.
Each real credential gets the right tier, environment, location and verdict; no decoy is
reported. Every token is fake and built at run time."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from scanner.classify.decoders.cloud import AZURITE_KEY
from scanner.config import Config
from scanner.model import (
    Environment,
    Finding,
    Flag,
    LocationClass,
    ScanResult,
    Severity,
    Tier,
    Verdict,
)
from scanner.pipeline import build_stages, scan
from scanner.sources.worktree import WorktreeSource
from tests.helpers import (
    anthropic_key,
    aws_key_id,
    commit_all,
    commit_sha,
    github_token,
    init_repo,
    jwt,
    openai_key,
    rand,
    stripe_key,
    uuid4_like,
)

E, L, V, S = Environment, LocationClass, Verdict, Severity
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
LATER = int(time.time()) + 86_400 * 3650


@dataclass(frozen=True)
class Expect:
    secret: str
    tier: Tier  # effective tier (UNKNOWN ranked as its worst case)
    env: Environment
    location: LocationClass
    verdict: Verdict
    severity: Severity
    flag: Flag | None = None
    says: str = ""


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.expect: dict[str, Expect] = {}
        self.decoy_files: list[str] = []

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def real(self, name: str, e: Expect) -> str:
        self.expect[name] = e
        return e.secret


def build(root: Path) -> Repo:
    repo = Repo(init_repo(root))
    w, r = repo.write, repo.real
    w(".gitignore", ".env\nnode_modules/\n")
    account = r("railway-account", Expect(uuid4_like("acct"), Tier.ADMIN, E.ALL, L.DOCS,
                                          V.OVERPRIVILEGED, S.ERROR,
                                          says="it sits in scripts/notes.md (docs), which any "
                                               "agent working in this repository reads"))
    w("scripts/notes.md", "# Ops notes\n\nTo clean up old Railway volumes:\n\n"
      f"    RAILWAY_API_TOKEN={account} railway volume list\n")
    project = r("railway-project", Expect(uuid4_like("proj"), Tier.WRITE, E.STAGING, L.CI,
                                          V.EXPOSED, S.WARNING))
    w(".github/workflows/deploy-staging.yml",
      "name: deploy staging\non: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n"
      "    steps:\n      - run: npx @railway/cli up --service api\n        env:\n"
      f"          RAILWAY_TOKEN: {project}\n")
    password = rand(ALNUM, 24, "dbpw")
    # The database URL rules capture the whole URL: its user and host are what classify it.
    db_url = (f"postgres://postgres:{password}@db-prod.c9x2k1.us-east-1.rds.amazonaws.com"
              ":5432/app")
    r("database-url", Expect(db_url, Tier.ADMIN, E.PRODUCTION, L.DOTENV, V.AGENT_REACHABLE,
                             S.WARNING, Flag.IGNORED_BUT_PRESENT))
    env_live = r("env-sk-live", Expect(stripe_key("sk", "live", "env"), Tier.ADMIN, E.PRODUCTION,
                                       L.DOTENV, V.AGENT_REACHABLE, S.WARNING,
                                       Flag.IGNORED_BUT_PRESENT))
    w(".env", f"DATABASE_URL={db_url}\nSTRIPE_SECRET_KEY={env_live}\n")
    staging_live = r("staging-sk-live", Expect(stripe_key("sk", "live", "stg"), Tier.ADMIN,
                                               E.PRODUCTION, L.CONFIG, V.MISPLACED, S.ERROR))
    w("config/staging.yaml", f"stripe:\n  secret_key: {staging_live}\n  currency: eur\n")
    pk = r("pk-live", Expect(stripe_key("pk", "live", "web"), Tier.PUBLIC, E.PRODUCTION,
                             L.CLIENT_BUNDLE, V.OK, S.NOTE))
    w("web/src/checkout.ts", f'import {{ loadStripe }} from "@stripe/stripe-js";\n'
      f'export const stripe = loadStripe("{pk}");\n')
    sk_test = r("sk-test", Expect(stripe_key("sk", "test", "fx"), Tier.ADMIN, E.TEST,
                                  L.FIXTURES, V.OK, S.NOTE))
    w("tests/fixtures/stripe.json", f'{{"api_key": "{sk_test}", "amount": 1200}}\n')
    service = r("supabase-service", Expect(
        jwt({"iss": "supabase", "ref": "qwertyuiopasdfgh", "role": "service_role",
             "iat": 1700000000, "exp": LATER}), Tier.ADMIN, E.UNKNOWN, L.CLIENT_BUNDLE,
        V.MISPLACED, S.ERROR, says="code shipped to browsers or apps is readable by anyone"))
    anon = r("supabase-anon", Expect(
        jwt({"iss": "supabase", "ref": "qwertyuiopasdfgh", "role": "anon",
             "iat": 1700000000, "exp": LATER}), Tier.PUBLIC, E.UNKNOWN, L.CLIENT_BUNDLE, V.OK,
        S.NOTE))
    w("web/src/lib/supabase.ts", 'import { createClient } from "@supabase/supabase-js";\n'
      f'const anonKey = "{anon}";\nconst serviceKey = "{service}";\n'
      'export const db = createClient("https://qwertyuiopasdfgh.supabase.co", serviceKey);\n')
    pat = r("github-pat", Expect(github_token("ghp_", "mcp"), Tier.ADMIN, E.ALL,
                                 L.AGENT_CONFIG, V.AGENT_REACHABLE, S.ERROR,
                                 says="every prompt to this agent can use it"))
    w(".mcp.json", '{\n  "mcpServers": {\n    "github": {\n      "command": "npx",\n'
      '      "args": ["-y", "@modelcontextprotocol/server-github"],\n'
      f'      "env": {{"GITHUB_PERSONAL_ACCESS_TOKEN": "{pat}"}}\n    }}\n  }}\n}}\n')
    # An AWS key's power depends on its IAM policy, which the text cannot show: its scope is
    # unverified, and it is an error because the file is plainly for production.
    key_id = r("aws-key-id", Expect(aws_key_id(123456789012, seed="prod"), Tier.ADMIN,
                                    E.PRODUCTION, L.INFRA, V.UNVERIFIED_SCOPE, S.ERROR))
    aws_secret = r("aws-secret", Expect(rand(ALNUM + "/+", 40, "awss"), Tier.ADMIN, E.PRODUCTION,
                                        L.INFRA, V.UNVERIFIED_SCOPE, S.ERROR))
    w("infra/prod.tfvars", f'region = "us-east-1"\naws_access_key_id = "{key_id}"\n'
      f'aws_secret_access_key = "{aws_secret}"\n')
    oa = r("openai-admin", Expect(openai_key("admin", "doc"), Tier.ADMIN, E.ALL, L.DOCS,
                                  V.OVERPRIVILEGED, S.ERROR))
    an = r("anthropic-admin", Expect(anthropic_key("admin01", "doc"), Tier.ADMIN, E.ALL,
                                     L.DOCS, V.OVERPRIVILEGED, S.ERROR))
    w("docs/ai-usage.md", "# Usage reports\n\nPull monthly usage:\n\n"
      f"    OPENAI_ADMIN_KEY={oa}\n    ANTHROPIC_ADMIN_KEY={an}\n")
    _decoys(repo)
    w("api/app.py", "from fastapi import FastAPI\n\napp = FastAPI()\n")
    commit_all(repo.root, "initial")
    return repo


def _decoys(repo: Repo) -> None:
    w = repo.write
    decoys = {
        "api/local.settings.json": '{"Values": {"AzureWebJobsStorage": "DefaultEndpointsProtoc'
        f'ol=http;AccountName=devstoreaccount1;AccountKey={AZURITE_KEY};BlobEndpoint=http://'
        '127.0.0.1:10000/devstoreaccount1;"}}\n',
        "docs/setup.md": "# Local setup\n\nRun Postgres in Docker, then:\n\n"
        "    DATABASE_URL=postgres://postgres:postgres@localhost:5432/app_dev\n",
        ".env.example": "DATABASE_URL=postgres://app:changeme@localhost:5432/app\n"
        "STRIPE_SECRET_KEY=sk_live_exampleKeyQ7wR2tY9uI0pA3sD\n"
        "OPENAI_API_KEY=<your-openai-key>\nRAILWAY_API_TOKEN=${RAILWAY_API_TOKEN}\n"
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        f"GITHUB_TOKEN=ghp_{'x' * 36}\n",
        "api/middleware.py": 'import logging\n\nlog = logging.getLogger(__name__)\n'
        f'log.info("handled", extra={{"request_id": "{uuid4_like("req")}"}})\n',
        "api/version.py": f'COMMIT = "{commit_sha("head")}"\nBUILT_FROM = "{commit_sha(2)}"\n',
    }
    for rel, text in decoys.items():
        w(rel, text)
        repo.decoy_files.append(rel)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Repo, ScanResult]:
    # Built once for the module, outside the per-test environment guard: pin git here too.
    with pytest.MonkeyPatch.context() as mp:
        for var, value in {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
                           "GIT_AUTHOR_DATE": "2025-01-02T03:04:05+00:00",
                           "GIT_COMMITTER_DATE": "2025-01-02T03:04:05+00:00",
                           "CREDSCOPE_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))
                           }.items():
            mp.setenv(var, value)
        repo = build(tmp_path_factory.mktemp("saas"))
        config = Config(root=repo.root)
        return repo, scan(config, WorktreeSource(config), build_stages(config))


def _by_secret(result: ScanResult) -> dict[str, Finding]:
    return {f.secret: f for f in result.findings}


NAMES = ["railway-account", "railway-project", "database-url", "env-sk-live", "staging-sk-live",
         "pk-live", "sk-test", "supabase-service", "supabase-anon", "github-pat", "aws-key-id",
         "aws-secret", "openai-admin", "anthropic-admin"]


@pytest.mark.parametrize("name", NAMES)
def test_each_real_credential_is_classified(scenario: tuple[Repo, ScanResult], name: str
                                            ) -> None:
    repo, result = scenario
    want = repo.expect[name]
    found = _by_secret(result).get(want.secret)
    assert found is not None, f"{name} not reported; rules loaded may lack it"
    c = found.classification
    got = (c.effective_tier, c.environment, c.location, c.verdict, c.severity)
    assert got == (want.tier, want.env, want.location, want.verdict, want.severity), \
        f"{name}: {c.reason} | {c.evidence}"
    if want.flag is not None:
        assert want.flag in c.flags
    assert want.says in c.reason
    assert want.secret not in c.reason and all(want.secret not in e for e in c.evidence)


def test_railway_account_token_reason_names_the_blast_radius(
        scenario: tuple[Repo, ScanResult]) -> None:
    repo, result = scenario
    f = _by_secret(result)[repo.expect["railway-account"].secret]
    assert "ADMIN, account-wide" in f.classification.reason
    assert "delete backups" in f.classification.reason
    assert "project token" in f.classification.remediation.lower()  # the narrower credential


def test_decoded_facts_reach_the_finding(scenario: tuple[Repo, ScanResult]) -> None:
    repo, result = scenario
    found = _by_secret(result)
    aws = dict(found[repo.expect["aws-key-id"].secret].classification.details)
    assert aws.get("account_id") == "123456789012"
    db = dict(found[repo.expect["database-url"].secret].classification.details)
    assert db.get("user") == "postgres" and db.get("hosting") == "AWS RDS"
    supa = dict(found[repo.expect["supabase-service"].secret].classification.details)
    assert supa.get("role") == "service_role"


def test_no_decoy_is_reported(scenario: tuple[Repo, ScanResult]) -> None:
    repo, result = scenario
    reported = [(f.location.path, f.rule_id) for f in result.findings
                if any(o.path in repo.decoy_files for o in (f.location, *f.occurrences))]
    assert not reported, reported
    assert not [f for f in result.findings if AZURITE_KEY in f.secret]


def test_the_repository_fails_the_default_policy(scenario: tuple[Repo, ScanResult]) -> None:
    _, result = scenario
    assert result.exit_code == 1
    assert {f.classification.verdict for f in result.findings} >= {
        V.OVERPRIVILEGED, V.MISPLACED, V.AGENT_REACHABLE, V.EXPOSED, V.OK}
