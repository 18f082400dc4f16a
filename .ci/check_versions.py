"""CI: prove every Python version credscope declares, on every interpreter this machine has.

    python .ci/check_versions.py DIST_DIR

The full test suite runs on the main interpreter (.ci/run). Here, for each other supported
version found (python3.X on PATH, or a pyenv installation), the built wheel in DIST_DIR is
installed into a fresh venv, the rule-example tests run against that installation (a copy of
tests/ outside the checkout, so the checkout's own scanner/ cannot stand in for the wheel), and
a fixture repository is scanned: its findings must equal the main interpreter's. An
interpreter older than `requires-python` must be refused by pip at install time, with the
metadata's message. Exit 1 on any difference.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_saas_scenario import build  # noqa: E402

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def supported() -> tuple[list[str], str]:
    """The classifiers' versions and requires-python, from pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    prefix = "Programming Language :: Python :: "
    versions = [c[len(prefix):] for c in project["classifiers"]
                if c.startswith(prefix) and c[len(prefix):].count(".") == 1]
    return versions, project["requires-python"]


def interpreter(version: str) -> str | None:
    found = shutil.which(f"python{version}")
    if found and _is(found, version):
        return found
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for candidate in sorted(pyenv.glob(f"{version}.*/bin/python{version}"), reverse=True):
        if _is(str(candidate), version):
            return str(candidate)
    return None


def _is(python: str, version: str) -> bool:
    proc = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                          capture_output=True, text=True, check=False)
    return proc.returncode == 0 and proc.stdout.strip() == version


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False,
                          env={**os.environ, **(env or {})})


def fixture(root: Path) -> Path:
    """The SaaS scenario of the test suite (credentials of many providers, decoys, ignored
    files), a committed repository with a working tree."""
    return build(root / "fixture").root


def findings(credscope: Path, repo: Path) -> list[tuple[object, ...]]:
    proc = run(str(credscope), "scan", str(repo), "--format", "json", "--no-progress",
               "--fail-on", "never", "--jobs", "1")
    if proc.returncode != 0:
        raise SystemExit(f"{credscope}: scan failed ({proc.returncode}): {proc.stderr}")
    doc = json.loads(proc.stdout)
    return sorted((f["ruleId"], f["path"], f["line"], f["column"], f["severity"],
                   f["privilege"], f["environment"], f["fingerprint"],
                   f["suppression"]["kind"] if f["suppression"] else None)
                  for f in (*doc["findings"], *doc["suppressed"]))


def check_version(version: str, python: str, wheel: Path, work: Path, expected: list[object],
                  repo: Path) -> bool:
    venv = work / f"venv-{version}"
    run(python, "-m", "venv", str(venv))
    pip = venv / "bin" / "pip"
    proc = run(str(pip), "install", "-q", str(wheel), "pytest>=8", "hypothesis>=6.100")
    if proc.returncode != 0:
        print(f"  {version}: install failed:\n{proc.stdout}{proc.stderr}")
        return False
    tests = work / f"tests-{version}"
    shutil.copytree(ROOT / "tests", tests / "tests",
                    ignore=shutil.ignore_patterns("__pycache__", "artifacts"))
    proc = run(str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "-o", "pythonpath=", "tests/test_rule_examples.py", cwd=tests)
    where = run(str(venv / "bin" / "python"), "-c", "import scanner; print(scanner.__file__)",
                cwd=tests).stdout.strip()
    ok = proc.returncode == 0 and str(venv) in where
    tail = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr
    print(f"  {version}: rule-example tests against {where}: {tail}")
    got = findings(venv / "bin" / "credscope", repo)
    same = got == expected
    print(f"  {version}: fixture scan: {len(got)} findings, "
          f"{'identical to' if same else 'DIFFERENT from'} the main interpreter's")
    if not same:
        for row in sorted(set(map(str, got)) ^ set(map(str, expected)))[:20]:
            print(f"    differs: {row}")
    return ok and same


def check_refused(version: str, python: str, wheel: Path, work: Path, requires: str) -> bool:
    venv = work / f"venv-{version}"
    run(python, "-m", "venv", str(venv))
    proc = run(str(venv / "bin" / "pip"), "install", "--no-deps", str(wheel))
    out = proc.stdout + proc.stderr
    refused = proc.returncode != 0 and "requires a different Python" in out and requires in out
    line = next((ln for ln in out.splitlines() if "requires a different Python" in ln), out)
    print(f"  {version}: {'refused by pip' if refused else 'NOT REFUSED'}: {line.strip()}")
    return refused


def main() -> int:
    dist = Path(sys.argv[1])
    wheel = next(dist.glob("credscope-*.whl"))
    versions, requires = supported()
    lowest = min(tuple(map(int, v.split("."))) for v in versions)
    main_version = "%d.%d" % sys.version_info[:2]
    ok = True
    with tempfile.TemporaryDirectory(prefix="credscope-versions-") as tmp:
        work = Path(tmp)
        repo = fixture(work)
        expected = findings(Path(sys.executable).parent / "credscope", repo)
        print(f"supported: {', '.join(versions)} ({requires}); main interpreter {main_version}"
              f" (full suite); fixture: {len(expected)} findings")
        for version in versions:
            if version == main_version:
                continue
            python = interpreter(version)
            if python is None:
                print(f"  {version}: no interpreter on this machine, not tested")
                continue
            ok &= check_version(version, python, wheel, work, expected, repo)
        older = f"{lowest[0]}.{lowest[1] - 1}"
        python = interpreter(older)
        if python is None:
            print(f"  {older}: no interpreter on this machine to check the refusal with")
        else:
            ok &= check_refused(older, python, wheel, work, requires)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
