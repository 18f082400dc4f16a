"""A platform monorepo scanned with --history: services, Kubernetes overlays, Terraform
environments, CI workflows with deployment environments, a kubeconfig and a service-account
key, secrets that live only in history, gitignored files on disk. Every planted credential is
found once, with the right tier and environment; no decoy (public demo values, documented
examples, request ids, placeholders) is reported. Every value is fake, built at run time."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.model import Environment, Finding, Flag, ScanResult, Tier
from scanner.pipeline import Stages, build_stages, scan
from scanner.sources.select import SourceOptions, select_source
from tests.helpers import (
    aws_key_id,
    commit_all,
    github_token,
    init_repo,
    openai_key,
    rand,
    stripe_key,
    uuid4_like,
)
from tests.test_environment import _sa_json
from tests.test_public_values import EXACT, hs256

E, T = Environment, Tier
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@dataclass(frozen=True)
class Expect:
    secret: str
    tier: Tier
    env: Environment
    flags: frozenset[Flag] = frozenset()


class Monorepo:
    def __init__(self, root: Path) -> None:
        self.root = init_repo(root)
        self.expect: dict[str, Expect] = {}
        self.decoys: list[str] = []

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def real(self, name: str, e: Expect) -> str:
        self.expect[name] = e
        return e.secret

    def decoy(self, value: str) -> str:
        self.decoys.append(value)
        return value


def pw(seed: str) -> str:
    return rand(ALNUM, 22, seed)


def build(root: Path) -> Monorepo:
    m = Monorepo(root)
    w, r = m.write, m.real
    IGN, GONE = frozenset({Flag.IGNORED_BUT_PRESENT}), frozenset({Flag.HISTORY_ONLY})
    w(".gitignore", "**/.env.production\ndeploy/.secrets.env\nnode_modules/\n")
    # --- history: secrets that were committed, then removed ---
    openai = r("history-openai", Expect(openai_key("proj", "hist"), T.WRITE, E.UNKNOWN, GONE))
    w("services/api/.env", f"OPENAI_API_KEY={openai}\n")
    seed_url = r("history-seed-db", Expect(
        f"postgres://postgres:{pw('seed')}@db.staging.acme-corp.io:5432/app", T.ADMIN,
        E.STAGING, GONE))
    w("scripts/seed.py", f'DB = "{seed_url}"\n')
    ghp = r("secrets-env", Expect(github_token("ghp_", "mono"), T.ADMIN, E.ALL, IGN))
    w("deploy/.secrets.env", f"GITHUB_TOKEN={ghp}\n")
    commit_all(m.root, "bootstrap", date="2024-01-05T10:00:00+00:00")
    (m.root / "services/api/.env").unlink()
    w("scripts/seed.py", 'import os\n\nDB = os.environ["SEED_DATABASE_URL"]\n')
    m.root.joinpath("deploy/.secrets.env").rename(m.root / "deploy/secrets.keep")
    commit_all(m.root, "move secrets out", date="2024-02-05T10:00:00+00:00")
    (m.root / "deploy/secrets.keep").unlink()
    w("deploy/.secrets.env", f"GITHUB_TOKEN={ghp}\n")  # back on disk, ignored now
    # --- the tree ---
    api_url = r("api-prod-db", Expect(
        f"postgres://api:{pw('api')}@api-db.c1x2.us-east-1.rds.amazonaws.com:5432/api",
        T.WRITE, E.PRODUCTION))
    w("services/api/config/production.yaml", f"database:\n  url: {api_url}\n  pool: 10\n")
    w("services/api/config/staging.yaml", "stripe:\n  secret_key: " + r(
        "api-staging-stripe", Expect(stripe_key("sk", "test", "stg"), T.ADMIN, E.TEST)) + "\n")
    ignored_url = r("api-env-production", Expect(
        f"postgres://postgres:{pw('ign')}@prod-db.acme-corp.io:5432/api", T.ADMIN,
        E.PRODUCTION, IGN))
    w("services/api/.env.production", f"DATABASE_URL={ignored_url}\n")
    for env, ns in (("prod", "payments-prod"), ("staging", "payments-staging")):
        key = "SG." + rand(ALNUM, 22, env) + "." + rand(ALNUM, 43, env)
        r(f"k8s-sendgrid-{env}", Expect(key, T.ADMIN,
                                        E.PRODUCTION if env == "prod" else E.STAGING))
        w(f"k8s/overlays/{env}/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n"
          f"  name: mail\n  namespace: {ns}\ntype: Opaque\nstringData:\n"
          f"  SENDGRID_API_KEY: {key}\n")
    akia = r("tf-aws-id", Expect(aws_key_id(999988887777, seed="tf"), T.ADMIN, E.PRODUCTION))
    secret = r("tf-aws-secret", Expect(rand(ALNUM + "/+", 40, "tf"), T.ADMIN, E.PRODUCTION))
    w("terraform/environments/prod/main.tf", 'provider "aws" {\n  region     = "us-east-1"\n'
      f'  access_key = "{akia}"\n  secret_key = "{secret}"\n}}\n')
    dop = r("tf-dev-do", Expect("dop_v1_" + rand("0123456789abcdef", 64, "dev"), T.ADMIN,
                                E.LOCAL))
    w("terraform/environments/dev/terraform.tfvars", f'do_token = "{dop}"\nregion = "fra1"\n')
    stg_tok, prod_tok = uuid4_like("rw-stg"), uuid4_like("rw-prod")
    r("ci-railway-staging", Expect(stg_tok, T.WRITE, E.STAGING))
    r("ci-railway-prod", Expect(prod_tok, T.WRITE, E.PRODUCTION))
    w(".github/workflows/deploy.yml", "name: deploy\non:\n  push:\n    branches: [main]\njobs:\n"
      "  staging:\n    runs-on: ubuntu-latest\n    environment: staging\n    steps:\n"
      "      - uses: actions/checkout@v4\n      - run: npx @railway/cli up\n        env:\n"
      f"          RAILWAY_TOKEN: {stg_tok}\n"
      "  production:\n    needs: staging\n    runs-on: ubuntu-latest\n"
      "    environment:\n      name: production\n      url: https://acme-corp.io\n    steps:\n"
      "      - uses: actions/checkout@v4\n      - run: npx @railway/cli up\n        env:\n"
      f"          RAILWAY_TOKEN: {prod_tok}\n")
    kube = r("kubeconfig-ci", Expect(rand(ALNUM, 48, "kci"), T.ADMIN, E.PRODUCTION))
    w("infra/ci/kubeconfig.yaml", "apiVersion: v1\nkind: Config\nclusters:\n"
      "- name: eks-platform\n  cluster:\n    server: https://A1B2.gr7.eu-west-1.eks.amazonaws."
      "com\ncontexts:\n- name: prod-eu\n  context:\n    cluster: eks-platform\n"
      f"    user: ci\ncurrent-context: prod-eu\nusers:\n- name: ci\n  user:\n    token: {kube}\n")
    sa_text, sa_key = _sa_json("acme-platform-stg", "acme-platform-stg")
    r("gcp-sa-staging", Expect(sa_key.removesuffix("\\n"), T.ADMIN, E.STAGING))
    w("infra/gcp/deployer.json", sa_text)
    account = r("notes-railway-account", Expect(uuid4_like("notes"), T.ADMIN, E.ALL))
    w("tools/ops/notes.md", "# Ops\n\n## Production\n\nClean volumes:\n\n"
      f"    RAILWAY_API_TOKEN={account} railway volume list\n")
    _decoys(m)
    commit_all(m.root, "platform", date="2024-03-05T10:00:00+00:00")
    return m


def _decoys(m: Monorepo) -> None:
    w, d = m.write, m.decoy
    demo = base64.b64decode("c3VwZXItc2VjcmV0LWp3dC10b2tlbi13aXRoLWF0LWxlYXN0LTMyLWNoYXJhY3Rl"
                            "cnMtbG9uZw==")
    w("supabase/.env", "SUPABASE_AUTH_JWT_SECRET_NOTE=see config.toml\nSERVICE_ROLE_KEY="
      + d(hs256({"iss": "supabase-demo", "role": "service_role", "exp": 1983812996}, demo))
      + "\nSUPABASE_PUBLISHABLE_KEY=" + d(EXACT["supabase.cli-local-publishable-key"][0])
      + "\n")
    jwtio = base64.b64decode("YS1zdHJpbmctc2VjcmV0LWF0LWxlYXN0LTI1Ni1iaXRzLWxvbmc=")
    w("docs/runbook.md", "# Runbook\n\nExample bearer token from jwt.io:\n\n"
      "    Authorization: Bearer " + d(hs256({"sub": "1234567890", "name": "John Doe",
                                               "admin": True, "iat": 1516239022}, jwtio))
      + "\n\nAWS keys look like `AKIAIOSFODNN7EXAMPLE`.\n")
    w("docs/payments.md", "Try the API with Stripe's sample key:\n\n    curl -u "
      + d(EXACT["stripe.docs-sample-test-key"][0]) + ": https://api.stripe.com/v1/charges\n")
    cosmos = d(EXACT["azure.cosmos-emulator-key"][0])
    w("services/api/appsettings.Development.json", json.dumps({"ConnectionStrings": {
        "Cosmos": f"AccountEndpoint=https://localhost:8081/;AccountKey={cosmos};"}}, indent=2))
    w("contracts/hardhat.config.ts", "export default {\n  networks: {\n    localhost: {\n"
      "      url: 'http://127.0.0.1:8545',\n      accounts: ['"
      + d(EXACT["hardhat.default-accounts"][0]) + "'],\n    },\n  },\n};\n")
    w("services/api/tests/fixtures/charge.json", json.dumps({
        "requestId": d(uuid4_like("fx1")), "tokenType": "bearer",
        "correlation_id": d(uuid4_like("fx2")), "amount": 1200}, indent=2))
    w("services/api/.env.example", "DATABASE_URL=postgres://api:changeme@localhost:5432/api\n"
      "SENDGRID_API_KEY=<sendgrid-key>\nRAILWAY_TOKEN=${RAILWAY_TOKEN}\n")
    w("services/web/src/lib/flags.ts", "export const traceparent = '00-"
      + d(rand("0123456789abcdef", 32, "tp")) + "-" + rand("0123456789abcdef", 16, "sp")
      + "-01';\n")


@pytest.fixture(scope="module")
def stages() -> Stages:
    return build_stages(Config(root=Path()))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Monorepo:
    with pytest.MonkeyPatch.context() as mp:
        for var, value in {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}.items():
            mp.setenv(var, value)
        return build(tmp_path_factory.mktemp("monorepo"))


@pytest.fixture(scope="module")
def audit(world: Monorepo, stages: Stages) -> ScanResult:
    config = Config(root=world.root)
    return scan(config, select_source(config, SourceOptions(history=True)), stages)


def _located(result: ScanResult, secret: str) -> Finding | None:
    return next((f for f in result.findings if f.secret == secret), None)


NAMES = ["history-openai", "history-seed-db", "secrets-env", "api-prod-db",
         "api-staging-stripe", "api-env-production", "k8s-sendgrid-prod", "k8s-sendgrid-staging",
         "tf-aws-id", "tf-aws-secret", "tf-dev-do", "ci-railway-staging", "ci-railway-prod",
         "kubeconfig-ci", "gcp-sa-staging", "notes-railway-account"]


@pytest.mark.parametrize("name", NAMES)
def test_each_credential_found_once_and_classified(world: Monorepo, audit: ScanResult,
                                                   name: str) -> None:
    want = world.expect[name]
    f = _located(audit, want.secret)
    assert f is not None, f"{name} not reported"
    c = f.classification
    assert (c.effective_tier, c.environment) == (want.tier, want.env), \
        f"{name}: {c.reason} | {c.evidence}"
    assert c.flags == want.flags, (name, c.flags)
    blobs = [o.blob_id for o in f.occurrences]
    assert len(blobs) == len(set(blobs)), "a blob was scanned twice"


def test_no_decoy_is_reported(world: Monorepo, audit: ScanResult) -> None:
    planted = {e.secret for e in world.expect.values()}
    strays = [(f.rule_id, f.location.path) for f in audit.findings
              if not any(p in f.secret or f.secret in p for p in planted)]
    assert not strays, strays
    decoys = [f for f in audit.findings if any(d in f.secret or f.secret in d
                                                for d in world.decoys)]
    assert not decoys


def test_history_only_needs_the_history_and_the_tree_needs_the_audit(
        world: Monorepo, stages: Stages) -> None:
    config = Config(root=world.root)
    only = scan(config, select_source(config, SourceOptions(history_only=True)), stages)
    secrets = {f.secret for f in only.findings}
    assert world.expect["history-openai"].secret in secrets
    assert world.expect["api-env-production"].secret not in secrets  # never committed



