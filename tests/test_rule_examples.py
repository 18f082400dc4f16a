"""Every rule's own examples, written into a tree in several file syntaxes and scanned end to
end: each positive is found at its line by its rule, no negative is an active finding of its
rule (a generic detector's rejected candidate is reported suppressed, with its reason), and
the hyperscan and pure-`re` engines give identical matches."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.matching.engine import HyperscanEngine, ReEngine
from scanner.matching.loader import load_rules
from scanner.matching.schema import Example, Rule
from scanner.pipeline import build_stages, scan
from scanner.sources.worktree import WorktreeSource
from tests.helpers import needs_hyperscan

RULES = load_rules()


@dataclass(frozen=True)
class Case:
    rule: Rule
    example: Example
    syntax: str
    path: str
    line: int  # 1-based line where the example text starts


def _embed(text: str, syntax: str) -> tuple[str, int] | None:
    """The example inside a file of the given syntax, and the line it starts on."""
    multiline = "\n" in text.strip("\n")
    match syntax:
        case "txt":
            return text + "\n", 1
        case "md":
            return f"# Notes\n\n```\n{text}\n```\n", 4
        case "yaml":
            body = "\n".join("  " + ln for ln in text.splitlines())
            return f"note: |\n{body}\n", 2
        case "env" if not multiline:
            return text + "\n", 1
        case "py" if not multiline and '"""' not in text and "\\" not in text:
            return f'SETTING = """{text}"""\n', 1
        case "js" if not multiline and "`" not in text and "\\" not in text and "${" not in text:
            return f"export const setting = `{text}`;\n", 1
        case "json" if not multiline:
            return "{\n" + f'  "setting": {json.dumps(text)}\n' + "}\n", 2
    return None


SYNTAXES = ("txt", "md", "yaml", "env", "py", "js", "json")
EXT = {"txt": ".txt", "md": ".md", "yaml": ".yaml", "env": ".env", "py": ".py", "js": ".js",
       "json": ".json"}


@pytest.fixture(scope="module")
def example_tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Case]]:
    root = tmp_path_factory.mktemp("examples")
    cases: list[Case] = []
    for r_index, rule in enumerate(RULES):
        for e_index, example in enumerate(rule.examples):
            for syntax in SYNTAXES:
                embedded = _embed(example.text, syntax)
                if embedded is None:
                    continue
                content, line = embedded
                rel = f"src/r{r_index:03d}/e{e_index:02d}{EXT[syntax]}"
                if syntax == "env":
                    rel = f"src/r{r_index:03d}/e{e_index:02d}/.env"
                path = root / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content, encoding="utf-8")
                cases.append(Case(rule, example, syntax, rel, line))
    return root, cases


def _found_by_rule(root: Path) -> dict[tuple[str, str], list[tuple[int, int, str]]]:
    config = Config(root=root, default_excludes=False)
    result = scan(config, WorktreeSource(config), build_stages(config))
    found: dict[tuple[str, str], list[tuple[int, int, str]]] = {}
    for finding in (*result.findings, *result.suppressed):
        for loc in finding.occurrences or (finding.location,):
            found.setdefault((loc.path, finding.rule_id), []).append(
                (loc.line, loc.end_line, finding.secret if finding.suppression is None else ""))
    return found


def _unindent(secret: str, syntax: str) -> str:
    """The YAML variant indents every line of a multi-line example by two spaces."""
    return secret.replace("\n  ", "\n") if syntax == "yaml" else secret


def test_every_positive_found_and_no_negative(example_tree: tuple[Path, list[Case]]) -> None:
    root, cases = example_tree
    found = _found_by_rule(root)
    failures = []
    for case in cases:
        hits = found.get((case.path, case.rule.id), [])
        span = range(case.line, case.line + case.example.text.strip("\n").count("\n") + 1)
        at_line = [h for h in hits if h[0] in span]
        if case.example.positive:
            active = [h for h in at_line if h[2]]
            if not active:
                failures.append(f"{case.rule.id} [{case.syntax}] missed: {case.example.text!r}")
            elif case.example.secret and case.syntax in ("txt", "env", "md", "yaml") and all(
                _unindent(h[2], case.syntax) != case.example.secret for h in active
            ):
                failures.append(f"{case.rule.id} [{case.syntax}] captured the wrong value "
                                f"for {case.example.text!r}")
        elif [h for h in at_line if h[2]]:
            failures.append(f"{case.rule.id} [{case.syntax}] fired on negative: "
                            f"{case.example.text!r}")
    assert not failures, f"{len(failures)} example failures:\n" + "\n".join(failures[:80])


@needs_hyperscan
def test_engines_agree_on_every_example(example_tree: tuple[Path, list[Case]]) -> None:
    root, cases = example_tree
    hs, plain = HyperscanEngine(RULES), ReEngine(RULES)
    for case in cases:
        data = (root / case.path).read_bytes()
        assert hs.scan(data) == plain.scan(data), f"engines disagree on {case.path}"


def test_every_rule_has_examples_and_metadata() -> None:
    problems = []
    for rule in RULES:
        pos = sum(1 for e in rule.examples if e.positive)
        neg = sum(1 for e in rule.examples if not e.positive)
        if pos < 2 or neg < 2:
            problems.append(f"{rule.id}: {pos} positive / {neg} negative examples (need 2 and 2)")
        if not rule.references:
            problems.append(f"{rule.id}: no references to the provider's documentation")
        for ex in rule.examples:
            if ex.positive and not any(k in ex.text.lower() for k in rule.keywords):
                problems.append(f"{rule.id}: positive example holds none of its keywords "
                                f"(the re engine's prefilter would miss it): {ex.text!r}")
    assert not problems, "\n".join(problems)


def test_every_prefilter_matches_inside_every_match_of_its_pattern() -> None:
    """A rule's `prefilter` is what hyperscan runs in place of its pattern to select blobs:
    a match of the pattern it does not cover would be a blob never handed to `re`."""
    with_prefilter = [r for r in RULES if r.prefilter]
    assert with_prefilter, "the catalogue names at least one prefilter (postgres.pgpass)"
    failures = []
    for rule in with_prefilter:
        stand_in = re.compile(rule.prefilter.encode())
        for ex in rule.examples:
            data = ex.text.encode()
            for m in rule.regex.finditer(data):
                if not stand_in.search(data[m.start():m.end()]):
                    failures.append(f"{rule.id}: no prefilter match inside {m.group()!r}")
    assert not failures, "\n".join(failures)


def test_every_rule_compiles_in_hyperscan_without_prefilter_mode() -> None:
    hyperscan = pytest.importorskip("hyperscan")
    failures = []
    for rule in RULES:
        if rule.kind != "regex":
            continue
        db = hyperscan.Database()
        try:
            db.compile(expressions=[rule.pattern.encode()], ids=[0], elements=1,
                       flags=[hyperscan.HS_FLAG_SINGLEMATCH])
        except hyperscan.error as err:
            failures.append(f"{rule.id}: {err}")
    assert not failures, "\n".join(failures)


def test_rule_ids_are_unique_and_catalogue_is_broad() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert len(RULES) >= 200, f"only {len(RULES)} rules; the catalogue bar is 200"
