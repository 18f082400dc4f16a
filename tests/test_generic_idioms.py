"""Generic detectors know what code looks like: each kind of false alarm seen on real
repositories, written from its language idiom, raises no alert (error or warning); what is no
credential at all is reported suppressed with its reason, never dropped silently. And the
general defects stay fixed: a random password holding `pass` is found, and so is a long one.

Every value is built at run time (tests/helpers.py); none comes from a corpus."""

from __future__ import annotations

import base64
import string
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.model import Confidence, Finding, Severity, SuppressionKind, Verdict
from scanner.pipeline import Stages, build_stages, scan
from scanner.sources.worktree import WorktreeSource
from tests.helpers import rand, uuid4_like

ALNUM = string.ascii_letters + string.digits
ALERTS = (Severity.ERROR, Severity.WARNING)
# Joined at run time, so that credscope's scan of its own repository sees no sample
# password assigned in this file.
PW = "pass" + "word"


@pytest.fixture(scope="module")
def stages(tmp_path_factory: pytest.TempPathFactory) -> Stages:
    return build_stages(Config(root=tmp_path_factory.mktemp("empty")))


def scan_tree(root: Path, files: dict[str, str], stages: Stages
              ) -> tuple[list[Finding], list[Finding]]:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    config = Config(root=root, default_excludes=False, use_default_baseline=False)
    result = scan(config, WorktreeSource(config), stages)
    return list(result.findings), list(result.suppressed)


def alerts(found: list[Finding]) -> list[tuple[str, str, str]]:
    return [(f.location.path, f.rule_id, f.secret) for f in found if f.severity in ALERTS]


def generated(seed: str, n: int = 20) -> str:
    return rand(ALNUM, n - 3, seed) + "q7Z"


# Each kind of false alarm, as the language or tool writes it.
NOT_ALARMS: dict[str, dict[str, str]] = {
    "rails locale": {"config/locales/de.yml":
                     'de:\n  devise:\n    password: "Passwort"\n    secret: "Geheimnis"\n'},
    "json locale": {"src/i18n/ru.json": f'{{\n  "{PW.title()}": "Пароль",\n'
                                        '  "Token": "Токен"\n}\n'},
    "android strings": {"app/src/main/res/values-fr/strings.xml":
                        '<resources>\n  <string name="password">Mot de passe</string>\n'
                        '  <password>Motdepasse</password>\n</resources>\n'},
    "go struct tag": {"user.go": 'type User struct {\n\tPassword string `json:"password" '
                                 'db:"password_hash"`\n'
                                 '\tToken string `json:"token,omitempty"`\n}\n'},
    "field-name constants": {"fields.py": 'PASSWORD_FIELD = "password"\n'
                                          'PASSWORD_KEY = "user_password"\n'
                                          'TOKEN_STORAGE_KEY = "authToken"\n'
                                          'SECRET_NAME = "DB_SECRET"\n'},
    "storage keys": {"web/src/store.ts": 'localStorage.setItem("accessToken", token);\n'
                                         'const AUTH_TOKEN_KEY = "auth_token";\n'
                                         'const tokenKey = "refreshToken";\n'},
    "plist keys": {"ios/App/Info.plist": "<dict>\n  <key>Password</key>\n"
                                         "  <string>PasswordField</string>\n</dict>\n"},
    "type annotations": {"models.py": "class Login(BaseModel):\n    password: SecretStr\n"
                                      "    token: str\n    api_key: Optional[str] = None\n",
                         "login.ts": "interface Login {\n  password: string;\n"
                                     "  secretKey: Uint8Array;\n}\n"},
    "request and trace ids": {"api/log.py": f'extra = {{"request_id": "{uuid4_like("rq")}", '
                                            f'"trace_id": "{uuid4_like("tr")}"}}\n'},
    "ids beside keys": {"deploy/app.yaml": f'client_id: "{uuid4_like("client")}"\n'
                                           f'tenant_id: "{uuid4_like("tenant")}"\n'
                                           f'subscription_id: "{uuid4_like("sub")}"\n'},
    "dictionary sample password in docs": {"README.md": "Log in with:\n\n```\nuser: admin\n"
                                                        f"{PW}: sunshine\n```\n"},
    "sample password in a comment": {"db.py": f"# e.g. {PW} = 'summertime'\n"
                                              "conn = connect(DSN)\n"},
    "encoded placeholder": {"conf.yaml": "password: "
                                         + base64.b64encode(b"password").decode() + "\n"
                                         "basic: " + base64.b64encode(b"user:pass").decode()
                                         + "\n"},
    "alphabet and keyboard runs": {"keys.py": 'secret_key = "abcdefghijklmnopqrstuvwxyz"\n'
                                              'password = "qwertyuiop"\n'
                                              'api_token = "1qaz2wsx3edc4rfv"\n'},
    "elided example": {"docs.md": 'Set `api_key = "sk-...Xq7Z"` and '
                                  '`token: "xoxb-…"` in your config.\n'},
    "minified bundle": {"static/vendor.min.js": "!function(){var e={" + ",".join(
        f'k{i}:"v{i}"' for i in range(200)) + f',{PW}:"{generated("min")}"'
        + "};window.x=e}();\n"},
    "csrf token and csp nonce": {"templates/form.html":
                                 f'<meta name="csrf-token" content="{generated("csrf", 40)}">\n'
                                 '<input name="authenticity_token" '
                                 f'value="{generated("at", 40)}">\n'
                                 f'<script nonce="{generated("nonce", 24)}">run()</script>\n',
                                 "app.py": f'csrf_token = "{generated("csrf2", 32)}"\n'
                                           f'CSP_NONCE = "{generated("csp", 24)}"\n'},
    "printf verbs": {"main.go": 'dsn := fmt.Sprintf("password=%s host=%s", pw, host)\n'
                                'header := fmt.Sprintf("Bearer %s", token)\n'
                                'log.Printf("token: %v", token)\n',
                     "app.c": 'snprintf(buf, n, "password=%-16s", pw);\n'},
    "docker user and group ids": {"Makefile": "test:\n\tdocker run --rm -u 1000:1000 "
                                              "-v $(PWD):/src image make\n"},
    "ruby durations": {"config/initializers/devise.rb":
                       "config.reset_password_within = 6.hours\n"
                       "config.remember_token_expires_in = 15.minutes\n"
                       "  password_timeout: 2.weeks\n"},
    "ruby symbols": {"app/models/user.rb": "has_secure_password :password, validations: false\n"
                                           "attribute :password => :digest\n"
                                           "filter_parameters += [:password, :secret]\n"
                                           "  password: :bcrypt,\n"},
    "prose in doc comments": {"Client.java": "/**\n * @param password the password used to "
                                             "sign in\n * @return token string issued by "
                                             "the server\n */\n"},
}


@pytest.mark.parametrize("kind", list(NOT_ALARMS))
def test_false_alarm_kind_raises_no_alert(kind: str, tmp_path: Path, stages: Stages) -> None:
    active, _ = scan_tree(tmp_path, NOT_ALARMS[kind], stages)
    assert alerts(active) == [], kind


@pytest.mark.parametrize(("kind", "reason"), [
    ("rails locale", "translation"),
    ("json locale", "translation"),
    ("encoded placeholder", "encoding"),
    ("alphabet and keyboard runs", "run"),
    ("elided example", "elided"),
    ("printf verbs", "format string"),
    ("docker user and group ids", "number"),
    ("ruby durations", "duration"),
])
def test_no_credential_is_suppressed_with_its_reason(kind: str, reason: str, tmp_path: Path,
                                                      stages: Stages) -> None:
    active, suppressed = scan_tree(tmp_path, NOT_ALARMS[kind], stages)
    reasons = [f.suppression.reason for f in suppressed if f.suppression]
    assert any(reason in r for r in reasons), (kind, reasons, alerts(active))
    assert all(f.suppression and f.suppression.kind in (
        SuppressionKind.PLACEHOLDER, SuppressionKind.NOT_A_SECRET) for f in suppressed
        if f.rule_id.startswith("generic."))


@pytest.mark.parametrize("kind", ["ids beside keys", "request and trace ids"])
def test_ids_are_kept_at_low_confidence(kind: str, tmp_path: Path, stages: Stages) -> None:
    """UUIDs named as ids grant nothing alone: kept as low-confidence notes (never alerts),
    or suppressed as identifiers where the name is exactly a request or trace id's."""
    active, suppressed = scan_tree(tmp_path, NOT_ALARMS[kind], stages)
    kept = [f for f in active if f.rule_id == "generic.tagged-uuid"]
    gone = [f for f in suppressed if f.rule_id == "generic.tagged-uuid"]
    assert len(kept) + len(gone) == (3 if kind == "ids beside keys" else 2)
    assert all((f.classification.confidence, f.severity) == (Confidence.LOW, Severity.NOTE)
               for f in kept)
    # Suppressed as an identifier by its name, or as a request id by the public-values list.
    assert all(f.suppression and ("identifier" in f.suppression.reason
                                  or "identifies a call" in f.suppression.reason)
               for f in gone)


def test_uuid_named_as_a_secret_is_an_alert(tmp_path: Path, stages: Stages) -> None:
    key = uuid4_like("apikey")
    active, _ = scan_tree(tmp_path, {"settings.py": f'API_KEY = "{key}"\n'}, stages)
    found = [f for f in active if f.secret == key]
    assert found and found[0].severity is Severity.WARNING
    assert found[0].classification.verdict is Verdict.UNVERIFIED_SCOPE


def test_random_password_holding_pass_is_found(tmp_path: Path, stages: Stages) -> None:
    # Letters, digits and symbols, with the marker "pass" in the middle.
    value = rand(ALNUM, 4, "a") + "#pass" + rand(ALNUM, 5, "b") + "!" + rand(ALNUM, 3, "c")
    active, _ = scan_tree(tmp_path, {"settings.py": f'DB_PASSWORD = "{value}"\n',
                                     ".env.staging": f"API_SECRET={value}x\n"}, stages)
    assert ("settings.py", "generic.password", value) in alerts(active)
    assert any(f.secret == value + "x" for f in active)


def test_long_password_is_found(tmp_path: Path, stages: Stages) -> None:
    value = generated("long", 100)
    active, _ = scan_tree(tmp_path, {"config.yaml": f"db:\n  password: {value}\n"}, stages)
    assert ("config.yaml", "generic.password", value) in alerts(active)


def test_unquoted_config_value_is_a_literal(tmp_path: Path, stages: Stages) -> None:
    """In YAML, .env and .properties an unquoted value is the value: random letters are a
    password, not a variable's name."""
    value = rand(string.ascii_lowercase, 6, "lo") + rand(string.ascii_uppercase, 1, "up") + \
        rand(string.ascii_lowercase, 3, "lo2")
    active, _ = scan_tree(tmp_path, {"nats.conf": f"users: [{{user: svc, password: {value}}}]\n"},
                          stages)
    assert any(f.secret == value for f in active)
