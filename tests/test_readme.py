"""The README works as written: its sample output is the program's own, its pre-commit
config runs under the real pre-commit (in a new repository and on this one), its install
commands give a working credscope from a checkout or a built wheel, its configuration loads,
and every `credscope` command it lists runs.

`CREDSCOPE_UPDATE_GOLDEN=1 pytest tests/test_readme.py` rewrites the sample after a
deliberate change of the report (read the diff)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import (
    commit_all,
    git,
    github_token,
    init_repo,
    stripe_key,
    uuid4_like,
)

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
_SAMPLE = re.compile(
    r"(<!-- sample: credscope scan demo -->\n```\n)(.*?)(```\n<!-- end sample -->)", re.S)
_TIMING = re.compile(r"in \d+\.\d\ds")


def blocks(lang: str, after: str = "") -> list[str]:
    """The README's code blocks in `lang`, from the first heading or text `after` on."""
    text = README.read_text(encoding="utf-8")
    text = text[text.index(after):] if after else text
    return [body for kind, body in _BLOCK.findall(text) if kind == lang]


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None,
        timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          check=False, timeout=timeout)


def with_venv_path() -> dict[str, str]:
    """The environment with this interpreter's scripts (credscope, credscope-hook) first."""
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "COLUMNS": "100"}


def build_demo(root: Path) -> Path:
    """The README's demo repository: a handful of credentials where they end up."""
    repo = init_repo(root)
    files = {
        "scripts/notes.md": "# Ops notes\n\nTo clean up old Railway volumes:\n\n"
        f"    RAILWAY_API_TOKEN={uuid4_like('readme')} railway volume list\n",
        ".github/workflows/deploy-staging.yml":
        "name: deploy staging\non: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: npx @railway/cli up --service api\n        env:\n"
        f"          RAILWAY_TOKEN: {uuid4_like('readme-project')}\n",
        "config/staging.yaml": f"stripe:\n  secret_key: {stripe_key(seed='readme')}\n",
        ".mcp.json": '{"mcpServers": {"github": {"command": "npx", "env": '
        f'{{"GITHUB_PERSONAL_ACCESS_TOKEN": "{github_token(seed="readme")}"}}}}}}}}\n',
        "tests/fixtures/payment.json":
        f'{{"api_key": "{stripe_key(mode="test", seed="readme")}", "amount": 1200}}\n',
        "app/main.py": "import os\n\nKEY = os.environ['STRIPE_KEY']\n",
    }
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text, encoding="utf-8")
    commit_all(repo, "demo")
    return repo


def test_the_sample_output_is_what_credscope_prints(tmp_path: Path) -> None:
    build_demo(tmp_path / "demo")
    proc = run([str(BIN / "credscope"), "scan", "demo"], tmp_path, with_venv_path())
    assert proc.returncode == 1, proc.stderr
    printed = "$ credscope scan demo\n" + proc.stdout
    text = README.read_text(encoding="utf-8")
    sample = _SAMPLE.search(text)
    assert sample is not None, "README lost its sample markers"
    if os.environ.get("CREDSCOPE_UPDATE_GOLDEN"):
        README.write_text(text[:sample.start(2)] + printed + text[sample.end(2):],
                          encoding="utf-8")
        return
    assert _TIMING.sub("in #s", sample.group(2)) == _TIMING.sub("in #s", printed), \
        "the README sample is stale: CREDSCOPE_UPDATE_GOLDEN=1 pytest tests/test_readme.py"


@pytest.fixture
def precommit_config() -> str:
    [config] = [b for b in blocks("yaml", "## In pre-commit and CI") if "repos:" in b]
    assert "rev: v0.1.0" not in config
    return config


def test_the_precommit_config_blocks_a_secret_and_lets_clean_commits_through(
        tmp_path: Path, precommit_config: str) -> None:
    env = {**with_venv_path(), "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    repo = init_repo(tmp_path / "repo")
    (repo / ".pre-commit-config.yaml").write_text(precommit_config)
    (repo / "README.md").write_text("# demo\n")
    commit_all(repo, "init")
    assert run([str(BIN / "pre-commit"), "install"], repo, env).returncode == 0

    def commit(message: str) -> subprocess.CompletedProcess[str]:
        git(repo, "add", "-A")
        return run(["git", "commit", "-q", "-m", message], repo, env)

    (repo / "app.py").write_text("import os\n\nKEY = os.environ['STRIPE_KEY']\n")
    clean = commit("clean")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    key = stripe_key(seed="readme-hook")
    (repo / "app.py").write_text(f"KEY = '{key}'\n")
    blocked = commit("a key")
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0 and "commit blocked" in out and "app.py:1" in out
    assert key not in out


def test_the_precommit_config_passes_on_this_repository(tmp_path: Path,
                                                        precommit_config: str) -> None:
    """This repository is clean (its own policy), so the README's hook passes on all of it."""
    env = {**with_venv_path(), "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    clone = tmp_path / "credscope"
    assert run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(clone)], tmp_path,
               env).returncode == 0
    (clone / ".pre-commit-config.yaml").write_text(precommit_config)
    git(clone, "add", ".pre-commit-config.yaml")
    proc = run([str(BIN / "pre-commit"), "run", "--all-files"], clone, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "credscope" in proc.stdout and "Passed" in proc.stdout


def test_the_install_commands_give_a_working_credscope(tmp_path: Path) -> None:
    """The README's wheel commands, offline: build from a copy of the checkout (its build
    dependencies are the test extras), install the wheel on its own, and run it away from
    the checkout (the rules and templates must ship inside it)."""
    [install] = [b for b in blocks("sh", "## Install") if "pip wheel" in b]
    commands = [line.split("#")[0].strip() for line in install.splitlines() if line.strip()]
    assert commands[0] == "python3 -m pip install ."
    wheel_cmd, install_cmd = commands[1], commands[2]
    wheel_name = install_cmd.split("dist/")[1]
    version = re.search(r'^version = "(.+)"', (ROOT / "pyproject.toml").read_text(), re.M)
    assert version is not None and wheel_name == f"credscope-{version.group(1)}-py3-none-any.whl"

    source = tmp_path / "checkout"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv*", ".git", "build", "dist", "*.egg-info", "__pycache__", ".work", ".peers",
        "artifacts", ".mypy_cache", ".ruff_cache", ".hypothesis"))
    offline = {**os.environ, "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0"}
    args = wheel_cmd.split()[1:]  # python3 -> this interpreter
    built = run([sys.executable, *args], source, offline)
    assert built.returncode == 0, built.stdout + built.stderr
    target = tmp_path / "installed"
    installed = run([sys.executable, "-m", "pip", "install", "--no-deps", "--target",
                     str(target), f"dist/{wheel_name}"], source, offline)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    demo = build_demo(tmp_path / "demo")
    env = {**os.environ, "PYTHONPATH": str(target)}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = run([sys.executable, "-c", "import scanner; print(scanner.__file__)"], elsewhere,
                env)
    assert where.stdout.startswith(str(target)), where.stdout + where.stderr
    listed = run([sys.executable, "-m", "scanner", "rules", "list"], elsewhere, env)
    assert listed.returncode == 0 and re.search(r"^\d{3,} rules$", listed.stdout, re.M)
    scanned = run([sys.executable, "-m", "scanner", "scan", str(demo), "--no-progress",
                   "-f", "html", "-o", "report.html"], elsewhere, env)
    assert scanned.returncode == 1, scanned.stderr
    assert "railway" in (elsewhere / "report.html").read_text().lower()
    assert (target / "bin" / "credscope").exists() and (target / "bin" / "credscope-hook").exists()


def test_the_configuration_example_loads_and_scans(tmp_path: Path) -> None:
    [config] = [b for b in blocks("toml", "### Configuration")][:1]
    demo = build_demo(tmp_path / "demo")
    (demo / "pyproject.toml").write_text(config)
    proc = run([sys.executable, "-m", "scanner", "scan", str(demo), "--no-progress"], tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    assert "findings (" in proc.stdout


def test_every_listed_command_runs(tmp_path: Path) -> None:
    """Each `credscope ...` line of the Usage block, and the scan lines of the CI snippets,
    in the demo repository (with an origin/main and an empty home for --agent-surface)."""
    demo = build_demo(tmp_path / "demo")
    (demo / "scripts" / "later.md").write_text(f"TOKEN={github_token(seed='later')}\n")
    git(demo, "update-ref", "refs/remotes/origin/main", "HEAD")
    commit_all(demo, "later")
    (tmp_path / "home").mkdir()
    env = {**with_venv_path(), "HOME": str(tmp_path / "home"), "CI_DEFAULT_BRANCH": "main"}
    [usage] = [b for b in blocks("sh", "## Usage")][:1]
    lines = [line.split(" # ")[0].strip() for line in usage.splitlines()]
    gitlab = yaml.safe_load(next(b for b in blocks("yaml", "**GitLab CI**")))["credscope"]
    lines += [" ".join(s.split()).replace('"', "") for s in gitlab["script"]
              if s.startswith("credscope ")]
    ids = run([str(BIN / "credscope"), "scan", "--format", "json", "--fail-on", "never"], demo,
              env)
    first_id = re.search(r'"fingerprint": "v\d+:([0-9a-f]{8})', ids.stdout)
    assert first_id is not None, ids.stdout + ids.stderr
    ran = 0
    for line in lines:
        if not line.startswith("credscope "):
            continue
        argv = line.replace("$CI_DEFAULT_BRANCH", "main").split()
        argv = [first_id.group(1) if a == "ID" else a for a in argv]
        proc = run([str(BIN / argv[0]), *argv[1:], *(["--no-progress"] if argv[1] == "scan"
                                                      else [])], demo, env)
        assert proc.returncode in (0, 1), f"{line}\n{proc.stdout}\n{proc.stderr}"
        assert "Traceback" not in proc.stderr
        ran += 1
    assert ran >= 16
    assert (demo / "findings.json").exists() and (demo / "report.html").exists()
