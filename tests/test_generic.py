"""Generic credentials: keyed assignments in many syntaxes, URL, header, SQL and command-line
passwords, tagged UUIDs and JWK private members; placeholders and references stay silent.

Every value is built at run time from a seeded random generator (no literal secrets here)."""

from __future__ import annotations

import string

import pytest

from scanner.matching.engine import ReEngine
from scanner.matching.generic import register_generic_plugins
from scanner.matching.loader import load_rules
from scanner.model import Match
from tests.helpers import rand, uuid4_like

register_generic_plugins()
RULES = load_rules()
GENERIC = tuple(r for r in RULES if r.id.startswith("generic."))
ENGINE = ReEngine(GENERIC)

ALNUM = string.ascii_letters + string.digits


def pw(seed: int | str, n: int = 12) -> str:
    """A random password-like value with letters and digits (never a dictionary word)."""
    return rand(ALNUM, n - 2, f"pw{seed}") + "7Q"


def found(text: str) -> list[Match]:
    return ENGINE.scan(text.encode())


def secrets_by_rule(text: str) -> set[tuple[str, str]]:
    return {(m.rule_id, m.secret) for m in found(text)}


PASSWORD_SYNTAXES = [
    ('db_password = "{v}"', "python"),
    ("password: {v}", "yaml"),
    ('  "password": "{v}",', "json"),
    ("spring.datasource.password={v}", "properties"),
    ("password = {v}", "ini"),
    ("<password>{v}</password>", "xml element"),
    ('<add key="db" password="{v}" />', "xml attribute"),
    ("DB_PASSWORD={v}", "dotenv"),
    ('Password: "{v}",', "go struct"),
    ("user.password = '{v}'", "ruby"),
    ("$cfg['password'] = '{v}';", "php"),
    ("const opts = {{ user: 'app', password: '{v}' }};", "js object"),
    ("docker run -e MYSQL_PASSWORD={v} mysql", "docker env"),
    ("Server=db;User Id=app;Password={v};Database=main", "connection string"),
    ('conn.setPassword("{v}");', "setter call"),
    ('if passwd == "{v}" {{', "comparison"),
    ('"{{\\"user\\": \\"app\\", \\"password\\": \\"{v}\\"}}"', "JSON in a string"),
    ("env:\n  - name: DB_PASSWORD\n    value: {v}\n", "kubernetes env list"),
    ("env:\r\n  - name: DB_PASSWORD\r\n    value: \"{v}\"\r\n", "kubernetes env, CRLF"),
    ('<add key="DbPassword" value="{v}" />', ".NET appSettings"),
    ('<property name="password" value="{v}"/>', "Spring XML property"),
    ('{{"key": "password", "value": "{v}", "type": "secret"}}', "key/value JSON"),
    ('db_password = b"{v}"', "python bytes literal"),
    ('password := []byte("{v}")', "go byte slice"),
    ('string Password = @"{v}";', "C# verbatim string"),
    ('if string(pass) == "{v}" {{', "comparison of a converted name"),
]


@pytest.mark.parametrize(("template", "syntax"), PASSWORD_SYNTAXES,
                         ids=[s for _, s in PASSWORD_SYNTAXES])
def test_password_found_in_each_syntax(template: str, syntax: str) -> None:
    value = pw(syntax)
    assert ("generic.password", value) in secrets_by_rule(template.format(v=value))


PLACEHOLDERS = [
    'password = "changeme"',
    'password: "<your-password>"',
    "password: ${DB_PASSWORD}",
    "DB_PASSWORD=%(db_password)s",
    "password: {{ vault_db_password }}",
    'password = "xxxxxxxx"',
    'password = "********"',
    "password = config.password",
    'password = os.getenv("DB_PASSWORD")',
    'password = os.environ["DB_PASSWORD"]',
    "password: process.env.DB_PASSWORD,",
    "opts.Password = SMTP_RELAY_PASS",
    "password: str",
    'password = ""',
    "password = $2a$10$abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij12",
    "PASSWORD_MIN_LENGTH = 12",
    "password_file = /run/secrets/db",
    "for user, password := range users {",
    "$pass = ConvertTo-SecureString $plain -AsPlainText",
    'api_key = "your-api-key-here"',
    'token = request.headers.get("X-Token")',
    'key = "west"',
    'access_token = "newsletter"',
    'publicKey = "{v}"',
    'MOCK_ACCESS_TOKEN = "{v}"',
]


@pytest.mark.parametrize("text", PLACEHOLDERS)
def test_placeholders_and_references_stay_silent(text: str) -> None:
    line = text.replace("{v}", pw("silent", 24))
    hits = [m for m in found(line) if m.rule_id in ("generic.password", "generic.secret")]
    assert hits == [], f"{line!r} -> {[(m.rule_id, m.secret) for m in hits]}"


@pytest.mark.parametrize("template", [
    'creds = new NetworkCredential("svc_build", "{v}");',
    "auth = HTTPBasicAuth('svc_build', '{v}')",
    'client_secret: "{v}"',
    "const apiKey = '{v}';",
    '"refresh_token": "{v}"',
    "Apitoken: {v}",
    "https://api.example.invalid/items?token={v}&page=2",
    "salt = '{v}'",
])
def test_secret_like_names(template: str) -> None:
    value = rand(ALNUM, 28, template)
    assert ("generic.secret", value) in secrets_by_rule(template.format(v=value))


def test_bare_key_needs_a_generated_value() -> None:
    generated = rand(ALNUM, 32, "bare")
    assert ("generic.secret", generated) in secrets_by_rule(f'key = "{generated}"')
    assert found('key = "Authorization"') == []
    assert found('key = "app.session.claims"') == []


@pytest.mark.parametrize("scheme", ["postgres", "mysql", "amqp", "redis", "mongodb+srv",
                                    "ftp", "https", "nats-route"])
def test_url_credentials_in_every_scheme(scheme: str) -> None:
    value = pw(scheme)
    text = f'url = "{scheme}://svc_app:{value}@db.internal.invalid:5432/main"'
    assert ("generic.url-credentials", value) in secrets_by_rule(text)


@pytest.mark.parametrize("text", [
    "postgres://user:password@localhost/db",
    "mysql://root:${MYSQL_PASSWORD}@db/app",
    "amqp://guest:guest@localhost:5672/",
    "http://127.1.1.1:80\\@127.2.2.2:80/",  # credscope: allow (deliberate test value)
])
def test_url_placeholders_stay_silent(text: str) -> None:
    assert [m for m in found(text) if m.rule_id == "generic.url-credentials"] == []


def test_basic_and_bearer_headers() -> None:
    basic = rand(ALNUM, 32, "basic")
    bearer = rand(ALNUM + "-_.", 40, "bearer")
    text = f"Authorization: Basic {basic}\ncurl -H 'Authorization: Bearer {bearer}' x\n"
    got = secrets_by_rule(text)
    assert ("generic.auth-header", basic) in got
    assert ("generic.auth-header", bearer) in got
    assert found("Authorization: Bearer <token>\n") == []
    assert found("Authorization: Basic credentials_go_here\n") == []


@pytest.mark.parametrize("template", [
    "CREATE USER 'app'@'%' IDENTIFIED BY '{v}';",
    "CREATE ROLE app WITH LOGIN PASSWORD '{v}';",
    "deploy --host build01 --password={v}",
    "tool --password {v} --verbose",
    "curl -u ci_bot:{v} https://ci.internal.invalid/api",
    "mysql -u root -p{v} main",
    "Rubeus.exe asktgt /user:svc /password:{v}",
    "$p = ConvertTo-SecureString '{v}' -AsPlainText -Force",
])
def test_command_line_and_sql_passwords(template: str) -> None:
    value = pw(template)
    assert ("generic.command-password", value) in secrets_by_rule(template.format(v=value))


@pytest.mark.parametrize("text", [
    "docker run -p 8080:80 --privileged image",
    "sqlmap -u http://target.invalid/ --proxy=http://127.0.0.1:8080",
    "ALTER USER app IDENTIFIED BY '${DB_PASSWORD}';",
    "plink -l root -pw toor host",
    "psexec.py -k -no-pass -dc-ip 10.0.0.1 corp/admin@host",
    "sqlmap -u http://target.invalid/ --dbms=MySQL -p username --passwords",
])
def test_command_line_lookalikes_stay_silent(text: str) -> None:
    assert [m for m in found(text) if m.rule_id == "generic.command-password"] == []


def test_tagged_uuid_and_placeholder_uuids() -> None:
    tenant = uuid4_like("tenant")
    assert ("generic.tagged-uuid", tenant) in secrets_by_rule(f'tenant_id = "{tenant}"')
    assert ("generic.tagged-uuid", tenant) in secrets_by_rule(
        f"https://login.microsoftonline.com/{tenant}/oauth2")
    assert found('client_id = "00000000-0000-0000-0000-000000000000"') == []
    assert found(f"built {tenant} on 2024-01-01") == []
    assert found(f'<object classid="clsid:{tenant.upper()}"></object>') == []


def test_jwk_private_members_next_to_kty() -> None:
    d = rand(ALNUM + "-_", 43, "jwk-d")
    x = rand(ALNUM + "-_", 43, "jwk-x")
    jwk = f"const key = {{\n  kty: 'EC',\n  crv: 'P-256',\n  x: '{x}',\n  d: '{d}',\n}}\n"
    got = {m.secret for m in found(jwk) if m.rule_id == "generic.jwk-private-key"}
    assert got == {d}
    assert [m for m in found(f"d: '{d}'\n") if m.rule_id == "generic.jwk-private-key"] == []


def test_span_columns_point_at_the_value() -> None:
    value = pw("span")
    line = f'    db_password = "{value}"  # prod'
    (match,) = [m for m in found(f"# header\n{line}\n") if m.rule_id == "generic.password"]
    assert match.line == 2
    assert line[match.column - 1:match.end_column - 1] == value
