"""The pre-commit entry point: `credscope-hook FILE...` (and `credscope hook FILE...`).

pre-commit stashes unstaged changes before running hooks, so the files it passes hold exactly
the staged content: the hook trusts that list and scans those files only. It must feel
instant, so it imports no typer and no rich (the CLI pays for those, the hook does not), the
compiled pattern database comes from the on-disk cache, and the failure message is plain
text that fits one screen: where, what, how bad, why, and how to fix or allow it.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.errors import error_handler, handle_termination
from scanner.paths import matches_any, printable

if TYPE_CHECKING:
    from scanner.config import Config
    from scanner.model import Finding, ScanResult

MAX_SHOWN = 3  # findings shown in full, as many as fit one screen with the advice
SCREEN = 24
_WIDTH = 100
# Comment syntax for the pragma hint, by file suffix; "#" otherwise.
_COMMENT = {".js": "//", ".ts": "//", ".jsx": "//", ".tsx": "//", ".go": "//", ".java": "//",
            ".kt": "//", ".c": "//", ".cc": "//", ".cpp": "//", ".cs": "//", ".rs": "//",
            ".swift": "//", ".php": "//", ".scala": "//", ".json5": "//", ".sql": "--",
            ".lua": "--", ".ini": ";", ".tex": "%", ".html": "<!--", ".md": "<!--",
            ".xml": "<!--", ".vue": "<!--"}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="credscope-hook",
        description="Scan the files pre-commit passes and fail on what the policy forbids.")
    parser.add_argument("files", nargs="*", type=Path, help="Files to scan (staged content).")
    parser.add_argument("--fail-on", help="error, warning, note or never (default: the "
                        "config's, else warning: the hook also blocks secrets of unknown "
                        "power).")
    parser.add_argument("--config", type=Path, help="Config file (default: found at the root).")
    parser.add_argument("--baseline", type=Path, help="Baseline file (default: "
                        ".credscope-baseline.json at the root, when present).")
    parser.add_argument("--no-baseline", action="store_true", help="Apply no baseline.")
    parser.add_argument("--show-secrets", action="store_true", help="Print secrets in full.")
    parser.add_argument("--trust-repo-config", action="store_true",
                        help="Let the repository's config load plugins and rules, allowlist "
                        "by regex and lower the gate (refused otherwise).")
    parser.add_argument("--engine", choices=("auto", "hyperscan", "re"),
                        help="Matching engine (default auto: hyperscan when installed).")
    return parser.parse_args(argv)


def find_root(start: Path) -> Path:
    """The repository root (nearest parent holding .git) without running git; pre-commit
    runs hooks from the root, so this is normally `start` itself."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def build_config(args: argparse.Namespace, root: Path) -> Config:
    from scanner.config import load_config, parse_fail_on
    from scanner.model import Severity

    # A commit is the cheapest moment to stop a secret, and what it adds is new: the hook
    # blocks on warnings too (a live credential whose power is unknown), not only errors.
    config = load_config(root, args.config, trust_repo_config=args.trust_repo_config,
                         fail_on=Severity.WARNING)
    return config.with_overrides(
        fail_on=parse_fail_on(args.fail_on) if args.fail_on else None,
        baseline=(root / args.baseline) if args.baseline else None,
        use_default_baseline=False if args.no_baseline else None,
        show_secrets=args.show_secrets or None, progress=False, engine=args.engine,
    )


def hook_files(config: Config, files: Sequence[Path]) -> list[Path]:
    """The passed files minus configured excludes (the worktree walk applies those itself)."""
    if not config.exclude:
        return list(files)
    root = config.root.resolve()
    kept = []
    for path in files:
        try:
            rel = path.resolve().relative_to(root).as_posix()
        except ValueError:
            rel = path.as_posix()
        if not matches_any(rel, config.exclude):
            kept.append(path)
    return kept


def run(args: argparse.Namespace) -> int:
    from scanner.pipeline import build_stages, scan
    from scanner.sources.worktree import WorktreeSource

    config = build_config(args, find_root(Path.cwd()))
    files = hook_files(config, args.files)
    if not files:
        return 0
    result = scan(config, WorktreeSource(config, paths=files), build_stages(config))
    for effect in result.config_effects:
        if not effect.applied:  # the gate ran without it: say so, the commit may now fail
            print(f"credscope: note: {printable(effect.describe())}", file=sys.stderr)
    if result.failing:
        print(failure_message(result, show_secrets=config.show_secrets), end="")
    return result.exit_code


def failure_message(result: ScanResult, *, show_secrets: bool = False) -> str:
    """One screen: each finding shown with where, what, how bad, why and the whole fix (a
    fix is never cut; one already given for the same rule is not repeated); as many findings
    as fit SCREEN lines, at most MAX_SHOWN, then how many more and how to allow them."""
    failing = result.failing
    noun = "credential" if len(failing) == 1 else "credentials"
    head = (f"credscope: commit blocked: {len(failing)} {noun} at or above "
            f"fail-on={result.fail_on} in the staged files")
    first = failing[0]
    marker = _COMMENT.get(Path(first.location.path).suffix.lower(), "#")
    closing = " -->" if marker == "<!--" else ""
    advice = [
        "",
        "Fix: move the secret to an environment variable or secret manager; rotate it if it "
        "was pushed.",
        f"Allow it if intended: on its line or the one above, "
        f"{marker} credscope: allow={first.rule_id}{closing}",
        '  or accept all current findings: credscope baseline update --reason "why" '
        "(commit the file)",
    ]
    shown: list[list[str]] = []
    fixed: set[str] = set()
    for f in failing[:MAX_SHOWN]:
        block = _finding_lines(f, show_secrets, with_fix=f.rule_id not in fixed)
        used = 1 + sum(map(len, shown)) + len(block) + len(advice) + 1
        if shown and used > SCREEN:
            break
        shown.append(block)
        fixed.add(f.rule_id)
    lines = [head, *(line for block in shown for line in block)]
    if len(failing) > len(shown):
        lines.append(f"  ... and {len(failing) - len(shown)} more: run `credscope scan` "
                     "to see them all")
    return "\n".join([*lines, *advice]) + "\n"


def _finding_lines(f: Finding, show_secrets: bool, *, with_fix: bool) -> list[str]:
    from scanner.reporters.terminal import why  # noqa: PLC0415 - stdlib only, no rich

    c = f.classification
    tier = str(c.tier)
    if c.tier != c.effective_tier:
        tier += f" (worst case {c.effective_tier})"
    secret = f.secret if show_secrets else f.redacted
    head = f"  {f.location.path}:{f.location.line}  {f.provider}  {tier}  {c.verdict}  " \
           f"{c.severity}  {secret}"
    lines = [printable(head)]
    lines += textwrap.wrap(printable(why(f)), _WIDTH, initial_indent="    why: ",
                           subsequent_indent="         ")
    if with_fix:
        lines += textwrap.wrap(printable(c.remediation), _WIDTH,
                               initial_indent=f"    fix ({f.rule_id}): ",
                               subsequent_indent="         ")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the hook; return its exit code (0 pass, 1 blocked, 2 usage, 3 internal, 130)."""
    try:
        with error_handler():
            return run(parse_args(argv))
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else 2


def console_main() -> None:
    handle_termination()
    sys.exit(main(sys.argv[1:]))
