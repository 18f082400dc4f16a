"""Hand labels of the real-code benchmark: loading, checking and matching them to alerts.

One CSV per repository, bench/realcode/labels/<name>.csv, with the columns

    repo,path,line,tool_rule,label,kind,note

- `line` is a line number, `LINE:COLUMN` when several alerts on one line need telling apart,
  or `*` for every alert of a rule family in the whole file (for generated files whose alerts
  are all alike, each such row checked by hand; see the README).
- `tool_rule` is the rule id(s) seen when labelling, `|`-separated; Kingfisher's are written
  `kingfisher:<rule id>`. It guides matching but need not match exactly: rules get renamed.
- `label` is real, test-credential, placeholder or not-a-secret; `kind` a short category
  (lower-case words joined by hyphens); `note` why, in a few words, never the value.

A label is about the value on its line, not about one tool: an alert of either tool on a
labelled line takes that line's label. When a line has several labels, the alert takes the
one whose column equals the alert's, else whose tool_rule names the alert's rule, else whose
rule family (`generic` for every generic.* rule, else the part before the first dot) is the
alert's; when that still leaves labels that disagree, the alert counts as unlabelled.
A `*` row applies only to alerts with no label on their own line, of its rule (else of its
rule family).
"""
from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ("repo", "path", "line", "tool_rule", "label", "kind", "note")
LABELS = ("real", "test-credential", "placeholder", "not-a-secret")
DEFENSIBLE = frozenset({"real", "test-credential"})
NOT_REAL = frozenset({"test-credential", "placeholder", "not-a-secret"})
_LINE = re.compile(r"(?P<line>[1-9][0-9]*)(?::(?P<column>[1-9][0-9]*))?|\*")
_KIND = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_RULE = re.compile(r"(?:kingfisher:)?[A-Za-z0-9_.:/-]+")


class LabelError(ValueError):
    """A label file is malformed; the message names the file and row."""


def family(rule: str) -> str:
    """`generic` for generic.*, `kingfisher` for any Kingfisher rule, else the rule's
    provider part (what survives a detector being renamed or split)."""
    if rule.startswith("kingfisher:"):
        return "kingfisher"
    return rule.split(".", 1)[0]


@dataclass(frozen=True)
class Label:
    repo: str
    path: str
    line: int | None  # None: every alert of the rule family in the file
    column: int | None
    rules: tuple[str, ...]
    label: str
    kind: str
    note: str
    where: str  # file:row, for messages

    @property
    def families(self) -> frozenset[str]:
        return frozenset(family(r) for r in self.rules)


def _parse_row(row: dict[str, str], where: str, repo: str) -> Label:
    if row.get("repo") != repo:
        raise LabelError(f"{where}: repo is {row.get('repo')!r}, this file is for {repo!r}")
    path = row["path"]
    if not path or path.startswith("/") or "\\" in path or ".." in path.split("/"):
        raise LabelError(f"{where}: path must be relative to the repository root, with /")
    line_match = _LINE.fullmatch(row["line"])
    if line_match is None:
        raise LabelError(f"{where}: line must be N, N:COLUMN or *, not {row['line']!r}")
    rules = tuple(r.strip() for r in row["tool_rule"].split("|"))
    if not all(_RULE.fullmatch(r) for r in rules):
        raise LabelError(f"{where}: tool_rule must be rule ids separated by |")
    if row["label"] not in LABELS:
        raise LabelError(f"{where}: label must be one of {', '.join(LABELS)}, not "
                         f"{row['label']!r}")
    if not _KIND.fullmatch(row["kind"]):
        raise LabelError(f"{where}: kind must be lower-case words joined by hyphens")
    if not row["note"].strip():
        raise LabelError(f"{where}: note is empty (say why, never the value)")
    line = line_match.group("line")
    column = line_match.group("column") if line else None
    return Label(repo, path, int(line) if line else None, int(column) if column else None,
                 rules, row["label"], row["kind"], row["note"].strip(), where)


def load_file(path: Path, repo: str) -> list[Label]:
    """The labels of one repository's CSV; any bad row is a LabelError naming it."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != COLUMNS:
            raise LabelError(f"{path}: the header must be {','.join(COLUMNS)}")
        labels = []
        for number, cells in enumerate(reader, start=2):
            where = f"{path.name} row {number}"
            if not cells or all(not c.strip() for c in cells):
                continue
            if len(cells) != len(COLUMNS):
                raise LabelError(f"{where}: {len(cells)} columns, expected {len(COLUMNS)}")
            labels.append(_parse_row(dict(zip(COLUMNS, cells, strict=True)), where, repo))
    seen: dict[tuple[object, ...], str] = {}
    for lab in labels:
        keys = ([(lab.path, lab.line, lab.column, fam) for fam in lab.families]
                if lab.line is not None else [(lab.path, "*", rule) for rule in lab.rules])
        for key in keys:
            if key in seen:
                hint = "; give each a column (LINE:COLUMN)" if lab.line is not None else ""
                raise LabelError(f"{lab.where}: same path, line and rule family as "
                                 f"{seen[key]}{hint}")
            seen[key] = lab.where
    return labels


class LabelIndex:
    """Labels of all repositories, looked up by alert."""

    def __init__(self, labels: list[Label]) -> None:
        self.labels = labels
        self._by_line: dict[tuple[str, str, int], list[Label]] = defaultdict(list)
        self._by_file: dict[tuple[str, str], list[Label]] = defaultdict(list)
        for lab in labels:
            if lab.line is None:
                self._by_file[(lab.repo, lab.path)].append(lab)
            else:
                self._by_line[(lab.repo, lab.path, lab.line)].append(lab)
        self.used: set[str] = set()

    def match(self, repo: str, path: str, line: int, column: int | None,
              rule: str) -> Label | None:
        """The label of an alert, or None when it has none (or only ambiguous ones)."""
        found = self._match_line(self._by_line.get((repo, path, line), []), column, rule)
        if found is None:
            whole = self._by_file.get((repo, path), [])
            exact = [lab for lab in whole if rule in lab.rules]
            same_family = [lab for lab in whole if family(rule) in lab.families]
            candidates = exact or same_family
            found = candidates[0] if candidates else None
        if found is not None:
            self.used.add(found.where)
        return found

    @staticmethod
    def _match_line(cands: list[Label], column: int | None, rule: str) -> Label | None:
        if not cands:
            return None
        narrowings = (
            [c for c in cands if c.column is not None and c.column == column],
            [c for c in cands if rule in c.rules],
            [c for c in cands if family(rule) in c.families],
            cands,
        )
        for narrowed in narrowings:
            if narrowed and len({c.label for c in narrowed}) == 1:
                return narrowed[0]
        return None

    def unused(self) -> list[Label]:
        return [lab for lab in self.labels if lab.where not in self.used]


def load_all(label_dir: Path, selected: list[str], known: list[str]) -> LabelIndex:
    """Labels of the selected repositories (a repository without a file has none yet);
    a label file named after no repository of repos.toml is an error."""
    labels: list[Label] = []
    for path in sorted(label_dir.glob("*.csv")):
        if path.stem not in known:
            raise LabelError(f"{path}: no repository {path.stem!r} in repos.toml")
        if path.stem in selected:
            labels.extend(load_file(path, path.stem))
    return LabelIndex(labels)
