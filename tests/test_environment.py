"""Environment inference, one test per source it reads, end to end through the real rules and
classifier: the credential's own configuration (kubeconfig, service-account JSON, connection
strings, profiles and sections, key paths), its name, comments, declared environments, hosts,
the file's path and purpose, account-wide reach; weak hints never beat strong ones, and every
source that spoke is listed in the evidence and the details."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from scanner.classify.envwords import path_env
from scanner.config import Config
from scanner.explain import render
from scanner.model import Environment, Finding, Tier
from scanner.pipeline import Stages, build_stages, scan
from scanner.sources.worktree import WorktreeSource
from tests.helpers import aws_key_id, github_token, rand, uuid4_like

E = Environment
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@pytest.fixture(scope="module")
def stages() -> Stages:
    return build_stages(Config(root=Path()))


def found(tmp_path: Path, stages: Stages, files: dict[str, str]) -> dict[str, Finding]:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    config = Config(root=tmp_path)
    result = scan(config, WorktreeSource(config), stages)
    return {f.secret: f for f in result.findings}


def env_of(tmp_path: Path, stages: Stages, rel: str, text: str, secret: str) -> Finding:
    hit = found(tmp_path, stages, {rel: text}).get(secret)
    assert hit is not None, f"{secret[:10]} not found in {rel}"
    return hit


def details(f: Finding) -> dict[str, str]:
    return dict(f.classification.details)


G = github_token  # an account-wide token whose scope may be narrowed: context decides


@pytest.mark.parametrize(("rel", "template", "env", "source"), [
    # the key path: profile and section names, YAML parents, JSON keys, TOML tables
    ("deploy/credentials", "[default]\nregion = eu-west-1\n\n[prod]\nx = 1\ntoken = {t}\n",
     E.PRODUCTION, "label"),
    ("config/settings.yaml", "production:\n  github:\n    token: {t}\n  debug: false\n",
     E.PRODUCTION, "label"),
    ("config/keys.json", '{{"staging": {{"github_token": "{t}"}}}}\n', E.STAGING, "label"),
    ("wrangler.toml", 'name = "api"\n\n[env.staging.vars]\nGH = "{t}"\n', E.STAGING,
     "label"),
    # the name it is assigned to
    ("scripts/run.sh", "export GITHUB_TOKEN_PROD={t}\n", E.PRODUCTION, "name"),
    ("src/settings.py", "stagingGithubToken = '{t}'\n", E.STAGING, "name"),
    # comments: on the line, above the block, a banner across a blank line, a heading
    ("ops/tokens.env", "GH={t}  # staging\n", E.STAGING, "comment"),
    ("ops/tokens.env", "# --- Production ---\nOTHER=1\nGH={t}\n", E.PRODUCTION,
     "block-comment"),
    ("ops/tokens.env", "# Production\n\nGH={t}\n", E.PRODUCTION, "block-comment"),
    ("docs/deploy.md", "# Deploy\n\n## Staging\n\nRun:\n\n    GH={t} ./deploy\n", E.STAGING,
     "block-comment"),
    # an environment declared in the value's scope
    ("ops/app.env", "NODE_ENV=production\nGH={t}\n", E.PRODUCTION, "declared"),
    ("k8s/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: gh\n"
     "  namespace: staging\nstringData:\n  token: {t}\n", E.STAGING, "declared"),
    # a host on its line, or a few lines away
    ("scripts/call.sh", 'curl -H "Authorization: token {t}" https://api.staging.acme-corp.io\n',
     E.STAGING, "host"),
    ("scripts/call.sh", "GH={t}\nA=1\nBASE=https://api.prod.acme-corp.io/v2\n", E.PRODUCTION,
     "nearby-host"),
    # the path (weak) and the file's purpose (weak)
    ("deploy/staging/values.yaml", "image: api\ngh: {t}\n", E.STAGING, "path"),
    ("docker-compose.yml", "services:\n  api:\n    image: api\n    environment:\n"
     "      GH: {t}\n", E.LOCAL, "purpose"),
])
def test_each_inference_source(tmp_path: Path, stages: Stages, rel: str, template: str,
                               env: Environment, source: str) -> None:
    token = G("ghp_", f"{rel}{source}")
    f = env_of(tmp_path, stages, rel, template.format(t=token), token)
    assert f.classification.environment is env, f.classification.evidence
    d = details(f)
    assert d["environment-from"] == source, d
    assert f"env-{source}" in d and str(env) in d[f"env-{source}"]
    assert any(e.startswith(f"environment {env} ") for e in f.classification.evidence)
    assert token not in " ".join(f.classification.evidence) + " ".join(d.values())


@pytest.mark.parametrize(("rel", "template"), [
    ("ops/tokens.env", "# Staging\nA=1\n\nGH={t}\n"),  # the block above is another block
    ("ops/tokens.env", "# never put the production token here\nGH={t}\n"),  # prose, negation
    ("src/local_storage.py", "GH = '{t}'\n"),  # "local" inside an unrelated name
    ("dev-tools/run.py", "GH = '{t}'\n"),  # "dev" beside a word that is not configuration
    ("src/products/sync.py", "GH = '{t}'\n"),
    (".local/share/app/state.json", '{{"gh": "{t}"}}\n'),  # a hidden dir names itself
])
def test_weak_or_misleading_hints_say_nothing(tmp_path: Path, stages: Stages, rel: str,
                                              template: str) -> None:
    token = G("ghp_", rel + template[:5])
    f = env_of(tmp_path, stages, rel, template.format(t=token), token)
    # nothing names an environment: an account-wide token reaches every one
    assert f.classification.environment is E.ALL, f.classification.evidence
    assert details(f)["environment-from"] == "account-wide"


def test_paths_under_the_home_are_not_read_as_environments() -> None:
    assert path_env("~/.local/share/fish/fish_history") is None
    assert path_env("~/.config/dev/settings.json") is None  # the tools' own layout
    assert path_env("~/.kube/config-prod") == (E.PRODUCTION, "prod")  # the file's own name


def test_a_weak_hint_never_beats_a_strong_one(tmp_path: Path, stages: Stages) -> None:
    token = G("ghp_", "weak-strong")
    f = env_of(tmp_path, stages, "k8s/prod/values.yaml", f"gh: {token}  # staging\n", token)
    assert f.classification.environment is E.STAGING
    also = [e for e in f.classification.evidence if "also read" in e]
    assert also and "the path k8s/prod/values.yaml" in also[0] and "production" in also[0]
    assert details(f)["env-path"].startswith("production")


def test_github_actions_job_environment(tmp_path: Path, stages: Stages) -> None:
    staging, prod = G("ghp_", "job-s"), G("ghp_", "job-p")
    workflow = (
        "name: deploy\non: push\njobs:\n"
        "  to-staging:\n    runs-on: ubuntu-latest\n    environment: staging\n    steps:\n"
        f"      - run: ./deploy\n        env:\n          GH: {staging}\n"
        "  to-prod:\n    runs-on: ubuntu-latest\n    environment:\n      name: production\n"
        f"    steps:\n      - run: ./deploy\n        env:\n          GH: {prod}\n")
    hits = found(tmp_path, stages, {".github/workflows/deploy.yml": workflow})
    assert hits[staging].classification.environment is E.STAGING
    assert hits[prod].classification.environment is E.PRODUCTION


def test_account_wide_admin_reaches_every_environment(tmp_path: Path, stages: Stages) -> None:
    account = uuid4_like("acct-staging")
    f = env_of(tmp_path, stages, "ops/.env.staging", f"RAILWAY_API_TOKEN={account}\n", account)
    assert f.classification.environment is E.ALL
    assert f.classification.effective_tier is Tier.ADMIN
    assert "for every environment" in f.classification.reason
    assert any("also read" in e and "staging" in e for e in f.classification.evidence)
    # a production-capable credential in a staging place is misplaced
    assert f.classification.verdict == "misplaced"


def test_project_token_keeps_its_context(tmp_path: Path, stages: Stages) -> None:
    project = uuid4_like("proj-staging")
    f = env_of(tmp_path, stages, "ops/.env.staging", f"RAILWAY_TOKEN={project}\n", project)
    assert f.classification.environment is E.STAGING


def test_kubeconfig_names_and_servers(tmp_path: Path, stages: Stages) -> None:
    prod_token, kind_token = rand(ALNUM, 40, "kp"), rand(ALNUM, 40, "kk")
    cert = b"0\x82\x01\x00" + b"\x06\x03\x55\x04\x0a\x0c\x0esystem:masters" + \
        b"\x06\x03\x55\x04\x03\x0c\x0dkubernetes-ad" + rand(ALNUM, 40, "der").encode()
    pem = ("-----BEGIN CERTIFICATE-----\n" + base64.b64encode(cert).decode()
           + "\n-----END CERTIFICATE-----\n")
    key = base64.b64encode(b"-----BEGIN RSA PRIVATE KEY-----\n" + rand(ALNUM, 90, "key").encode()
                           ).decode()
    kubeconfig = f"""apiVersion: v1
kind: Config
clusters:
- name: eks-prd-eu
  cluster:
    server: https://ABC123.gr7.eu-west-1.eks.amazonaws.com
- name: kind-sandbox
  cluster:
    server: https://127.0.0.1:6443
contexts:
- name: payments
  context: {{cluster: eks-prd-eu, user: deployer}}
- name: laptop
  context: {{cluster: kind-sandbox, user: kind-user}}
- name: admin-ctx
  context: {{cluster: eks-prd-eu, user: breakglass}}
users:
- name: deployer
  user:
    token: {prod_token}
- name: kind-user
  user:
    token: {kind_token}
- name: breakglass
  user:
    client-certificate-data: {base64.b64encode(pem.encode()).decode()}
    client-key-data: {key}
"""
    hits = found(tmp_path, stages, {"infra/kubeconfig.yaml": kubeconfig})
    prod = hits[prod_token].classification
    assert prod.environment is E.PRODUCTION
    assert dict(prod.details)["kube-cluster"] == "eks-prd-eu"
    assert any("cluster name 'eks-prd-eu'" in e for e in prod.evidence)
    assert hits[kind_token].classification.environment is E.LOCAL  # 127.0.0.1 cluster
    admin = hits[key].classification
    assert admin.tier is Tier.ADMIN and "system:masters" in dict(admin.details)[
        "certificate-groups"]


def _sa_json(project: str, email_project: str) -> tuple[str, str]:
    body = "\\n".join(rand(ALNUM + "+/", 64, f"sa{project}{i}") for i in range(6))
    key = f"-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\\n"
    text = ('{\n  "type": "service_account",\n  "project_id": "' + project + '",\n'
            '  "private_key_id": "' + rand("0123456789abcdef", 40, project) + '",\n'
            '  "private_key": "' + key + '",\n'
            '  "client_email": "deployer@' + email_project + '.iam.gserviceaccount.com"\n}\n')
    return text, key


def test_service_account_project(tmp_path: Path, stages: Stages) -> None:
    text, _ = _sa_json("acme-payments-stg", "acme-payments-stg")
    hits = found(tmp_path, stages, {"keys/sa.json": text})
    sa = next(f for f in hits.values() if f.rule_id == "google.service-account-key")
    assert sa.classification.environment is E.STAGING
    assert dict(sa.classification.details)["project"] == "acme-payments-stg"


def test_connection_string_host_and_database(tmp_path: Path, stages: Stages) -> None:
    pw = rand(ALNUM, 20, "dbpw")
    url = f"postgres://app:{pw}@db.internal.acme-corp.io:5432/billing_production"
    hits = found(tmp_path, stages, {"src/db.py": f'URL = "{url}"\n'})
    db = hits[url].classification
    assert db.environment is E.PRODUCTION and dict(db.details)["database"] == \
        "billing_production"


def test_pgpass_line_classified_by_its_user_and_host(tmp_path: Path, stages: Stages) -> None:
    pw = rand(ALNUM, 18, "pgp")
    hits = found(tmp_path, stages, {"ops/pgpass": f"db.staging.acme-corp.io:5432:app:postgres"
                                                  f":{pw}\n"})
    c = hits[pw].classification
    assert (c.environment, c.tier) == (E.STAGING, Tier.ADMIN)


def test_limited_account_scope_stays_unknown(tmp_path: Path, stages: Stages) -> None:
    key = "pplx-" + rand(ALNUM, 48, "pplx")  # an account-scoped LIMITED key (spend only)
    hits = found(tmp_path, stages, {"src/ai.py": f'PERPLEXITY_API_KEY = "{key}"\n'})
    assert hits[key].classification.environment is E.UNKNOWN


def test_explain_lists_what_was_read(tmp_path: Path, stages: Stages) -> None:
    key_id = aws_key_id(123456789012, seed="explain")
    secret = rand(ALNUM + "/+", 40, "explain")
    hits = found(tmp_path, stages, {"deploy/credentials": (
        "# production account\n[prod-admin]\n"
        f"aws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n")})
    text = "\n".join(render(hits[secret], None))
    assert "environment production from its key path [prod-admin] aws_secret_access_key" \
        in text
    assert "env-label: production" in text and "env-block-comment: production" in text


def test_a_kubeconfig_alias_bomb_is_read_in_bounded_time(tmp_path: Path, stages: Stages) -> None:
    """A hostile kubeconfig whose users entry aliases an exponentially large structure: the
    decoder looks at the user's own fields, never expands the structure."""
    token = rand(ALNUM, 40, "bomb")
    layers = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    layers += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
               f"*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 9)]
    text = "\n".join(layers) + ("\nusers:\n- name: ci\n  extra: *a8\n  user:\n"
                                f"    token: {token}\n")
    import time

    started = time.perf_counter()
    hits = found(tmp_path, stages, {"infra/kubeconfig.yaml": text})
    assert token in hits and time.perf_counter() - started < 20


def test_session_expiry_reads_the_formats_clis_write() -> None:
    from scanner.classify.decoders import Surroundings, run_decoder

    def decode(key: str, window: str):  # type: ignore[no-untyped-def]
        return run_decoder("session-expiry", "x" * 40, Surroundings(key=key, window=window))

    assert decode("accessToken", '"expiresAt": "2020-01-01T00:00:00Z"').expired
    assert decode("oauth_token", 'expiration_time = "2020-01-01T00:00:00.000Z"').expired
    assert decode("access_token", '"expires_at": 1577836800000').expired  # milliseconds
    assert not decode("access_token", '"expires_at": 4102444800').expired  # seconds, future
    refresh = decode("refreshToken", '"expiresAt": "2020-01-01T00:00:00Z"')
    assert not refresh.expired and dict(refresh.details)["kind"] == "refresh token"
    assert not decode("accessToken", "no expiry here").known or not decode(
        "accessToken", "no expiry here").expired
