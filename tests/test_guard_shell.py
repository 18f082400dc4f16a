"""Shell command lines -> the commands they run and what those show the agent."""

from __future__ import annotations

import os

import pytest

from scanner.guard.commands import interpret
from scanner.guard.shell import parse


def argvs(line: str) -> list[tuple[str, ...]]:
    return [c.argv for c in parse(line).commands]


@pytest.mark.parametrize(("line", "expected"), [
    ("git status", [("git", "status")]),
    ("cd app && make; npm test || true", [("cd", "app"), ("make",), ("npm", "test"),
                                          ("true",)]),
    ("cat a | grep b | wc -l", [("cat", "a"), ("grep", "b"), ("wc", "-l")]),
    ("FOO=1 BAR='x y' npm test 2>&1", [("npm", "test")]),
    ("(cd x; make) && git status", [("cd", "x"), ("make",), ("git", "status")]),
    ("bash -c 'echo hi; env | sort'", [("bash", "-c", "echo hi; env | sort"), ("echo", "hi"),
                                       ("env",), ("sort",)]),
    ("sudo -u postgres psql -c 'DROP TABLE t'", [("psql", "-c", "DROP TABLE t")]),
    ("npx -y wrangler@3 d1 delete db", [("wrangler", "d1", "delete", "db")]),
    ("env -i FOO=1 python x.py", [("python", "x.py")]),
    ("timeout 10 kubectl delete ns prod", [("kubectl", "delete", "ns", "prod")]),
    ("git status # and $SECRET in a comment", [("git", "status")]),
    ("echo first\necho second", [("echo", "first"), ("echo", "second")]),
    ("for f in *.py; do cat \"$f\"; done", [("cat", "$f")]),
    ("echo 'unbalanced", [("echo", "'unbalanced")]),
])
def test_commands_a_line_runs(line: str, expected: list[tuple[str, ...]]) -> None:
    assert argvs(line) == expected


def test_substitutions_are_commands_whose_output_is_captured() -> None:
    commands = parse('curl -H "Authorization: Bearer $(cat .token)" x; echo `whoami`').commands
    captured = {c.argv for c in commands if c.captured}
    assert captured == {("cat", ".token"), ("whoami",)}


def test_heredoc_body_is_the_commands_input_not_commands() -> None:
    (psql, echo) = parse("psql app <<'SQL'\nDROP TABLE users;\nSQL\necho done").commands
    assert psql.argv == ("psql", "app")
    assert [(r.op, r.target) for r in psql.redirects] == [("<<", "DROP TABLE users;")]
    assert echo.argv == ("echo", "done")


def test_wrappers_mark_remote_and_injected_commands() -> None:
    (_ssh, rm) = parse("ssh prod 'rm -rf /var/lib/postgresql'").commands
    assert rm.remote and rm.argv == ("rm", "-rf", "/var/lib/postgresql")
    (psql,) = parse("railway run psql -c 'TRUNCATE x'").commands
    assert psql.injected == "railway run"
    (inner,) = parse("doppler run --config prd -- ./migrate.sh").commands
    assert inner.injected == "doppler run" and inner.argv == ("./migrate.sh",)


def test_variables_outside_single_quotes_are_expanded() -> None:
    parsed = parse("""echo "$TOKEN" '$NOT_EXPANDED' ${OTHER:-x} && bash -c 'echo $INNER'""")
    assert parsed.variables == {"TOKEN", "OTHER", "INNER"}


@pytest.mark.parametrize(("line", "shown", "hidden"), [
    ("cat .env", [".env"], []),
    ("cat -n .env", [".env"], []),
    ("head -n 5 .env", [".env"], []),
    ("cd app && cat .env | grep KEY", ["app/.env"], []),
    ("cat .env > /tmp/copy", [], [".env"]),
    ("cat .env | wc -l", [], [".env"]),
    ("sed -i s/a/b/ .env", [], [".env"]),
    ("TOKEN=$(cat .token) && curl -H \"Bearer $TOKEN\" x", [], [".token"]),
    ("jq .token secrets.json", ["secrets.json"], []),
    ("awk -F= '{print $2}' .env", [".env"], []),
    ("python3 -c \"print(open('.env').read())\"", [".env"], []),
    ("git status", [], []),
])
def test_files_a_line_shows(line: str, shown: list[str], hidden: list[str]) -> None:
    facts = interpret(parse(line), "/proj")
    assert [os.path.relpath(f.path, "/proj") for f in facts.files if f.printed] == shown
    assert [os.path.relpath(f.path, "/proj") for f in facts.files if not f.printed] == hidden


@pytest.mark.parametrize(("line", "path", "pattern", "printed", "recursive"), [
    ("grep -rn token .", ".", "token", True, True),
    ("grep -rl token .", ".", "token", False, True),
    ("grep -c token .env", ".env", "token", False, False),
    ("rg -i railway", ".", "railway", True, True),
    ("git grep -n password", ".", "password", True, True),
    ("grep -e KEY -e TOKEN config.py", "config.py", "(?:KEY)|(?:TOKEN)", True, False),
])
def test_searches(line: str, path: str, pattern: str, printed: bool, recursive: bool) -> None:
    (use,) = interpret(parse(line), "/proj").files
    assert (os.path.relpath(use.path, "/proj"), use.pattern, use.printed, use.recursive) == (
        path, pattern, printed, recursive)


@pytest.mark.parametrize(("line", "env", "variables"), [
    ("env", True, set()),
    ("printenv", True, set()),
    ("export -p", True, set()),
    ("set", True, set()),
    ("env FOO=1 node app.js", False, set()),
    ("printenv GITHUB_TOKEN", False, {"GITHUB_TOKEN"}),
    ("echo \"$STRIPE_KEY\"", False, {"STRIPE_KEY"}),
    ("cat <<< \"$SECRET\"", False, {"SECRET"}),
    ("python -c \"import os; print(os.environ['OPENAI_API_KEY'])\"", False,
     {"OPENAI_API_KEY"}),
    ("node -e 'console.log(process.env)'", True, set()),
    ("echo $TOKEN > /dev/null", False, set()),
])
def test_printed_environment(line: str, env: bool, variables: set[str]) -> None:
    facts = interpret(parse(line), "/proj")
    assert (facts.prints_env, facts.printed_vars) == (env, variables)


def test_env_piped_into_grep_shows_only_matching_lines() -> None:
    facts = interpret(parse("env | grep -i token"), "/proj")
    assert facts.prints_env and facts.env_filter == "token"


def test_sourced_files_and_assignments() -> None:
    facts = interpret(parse("source .env.prod && export A=1 && B=2 make"), "/proj")
    assert facts.env_files == ["/proj/.env.prod"]
    assert facts.assigned == {"A": "1", "B": "2"}
