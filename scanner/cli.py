"""The command line: options -> Config -> scan -> reporters -> exit code. Nothing else.

How it is laid out, so that adding an option is one small edit:
- every option used by more than one command is declared once, below, as an `Annotated`
  alias (`ConfigOpt`, `FailOnOpt`...); a new option is one alias (or an inline `typer.Option`)
  plus one parameter, and one line where the command maps it onto the Config;
- choices are `Literal` types, so `--help` lists them and typer rejects anything else (exit
  2); flags have one name each (`--no-baseline`) or an explicit pair (`--progress/
  --no-progress`), never a double negative;
- every command body runs inside `handled()`: error_handler's exit codes, plus a reader that
  went away (`credscope ... | head`) ending the command quietly as it ends any Unix tool.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional, get_args

import typer

from scanner import __version__
from scanner.errors import ConfigError, ExitCode, error_handler

if TYPE_CHECKING:  # imported where used: `credscope --help` stays fast
    from scanner.config import Config
    from scanner.model import Severity
    from scanner.sources.select import SourceOptions

_STALE_LISTED = 50  # `baseline check` names this many stale entries and counts the rest
# 128 + SIGPIPE: what a shell reports for a tool whose reader went away (`yes | head`).
EXIT_BROKEN_PIPE = 141

app = typer.Typer(
    name="credscope",
    help="Find credentials and say, offline, how much each can do, which environment it is "
    "for, and whether it sits somewhere it must not.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
rules_app = typer.Typer(help="Inspect the rule catalogue.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
baseline_app = typer.Typer(help="Accept current findings: create, update, check or import a "
                           "baseline (.credscope-baseline.json).", no_args_is_help=True)
app.add_typer(baseline_app, name="baseline")

# -- choices and shared options --------------------------------------------------------------

Format = Literal["terminal", "json", "sarif", "html"]
FORMATS: tuple[str, ...] = get_args(Format)
FailOn = Literal["error", "warning", "note", "never"]
EngineName = Literal["auto", "hyperscan", "re"]
ConfidenceName = Literal["high", "medium", "low"]
Tier = Literal["ADMIN", "WRITE", "READ", "LIMITED", "PUBLIC", "UNKNOWN"]

PathArg = Annotated[Path, typer.Argument(metavar="PATH", help="Directory, file or repository "
                                         "(default: the current directory).")]
ConfigOpt = Annotated[Optional[Path], typer.Option(  # noqa: UP045 - typer reads Optional
    "--config", metavar="FILE", help="Config file (default: .credscope.toml, else "
    "pyproject.toml's [tool.credscope], at PATH).")]
FailOnOpt = Annotated[Optional[FailOn], typer.Option(  # noqa: UP045
    "--fail-on", help="Lowest severity that fails (exit 1) [default: the config's, else "
    "error].")]
HistoryOpt = Annotated[bool, typer.Option("--history", help="Also scan every blob in git "
                                          "history.")]
ShowSecretsOpt = Annotated[bool, typer.Option(
    "--show-secrets", help="Print secrets in full (every output is redacted otherwise).")]
BaselineFileOpt = Annotated[Optional[Path], typer.Option(  # noqa: UP045
    "--baseline", "-b", metavar="FILE",
    help="Baseline file [default: .credscope-baseline.json at PATH].")]
# The scanned repository's own config is untrusted (scanner/trust.py); this lets it load code
# and rules, allowlist by pattern and lower the gate.
TrustOpt = Annotated[bool, typer.Option(
    "--trust-repo-config", help="Let the scanned repository's own config load plugins and "
    "rules, allowlist by regex and lower the gate (refused otherwise, and reported).")]


def _version(value: bool) -> None:
    if value:
        print(f"credscope {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[Optional[bool], typer.Option(  # noqa: UP045
        "--version", callback=_version, is_eager=True, help="Show the version.")] = None,
) -> None:
    """credscope: static secrets and credential-scope scanner."""


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """error_handler()'s exit codes, and a closed stdout ending the command quietly."""
    with error_handler():
        try:
            yield
        except BrokenPipeError:
            _stdout_gone()
            raise ExitCode(EXIT_BROKEN_PIPE) from None


def _stdout_gone() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush cannot fail again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _load(path: Path, config_file: Path | None, trust: bool = False, **overrides: Any
          ) -> Config:
    """The Config for PATH (the user's config, its directory's config file within the trust
    boundary, or --config) with `overrides`."""
    from scanner.config import load_config  # noqa: PLC0415 - keep `--help` fast

    root = path if path.is_dir() else path.parent
    return load_config(root, config_file, trust_repo_config=trust).with_overrides(
        root=path, **overrides)


def _fail_on(value: str | None) -> Severity | None:
    from scanner.config import parse_fail_on  # noqa: PLC0415

    return parse_fail_on(value) if value else None


def _severities(values: list[str]) -> frozenset[Severity]:
    """`--show error,warning` (repeatable) as a set of severities; empty means all."""
    from scanner.model import Severity  # noqa: PLC0415

    names = [v.strip().lower() for value in values for v in value.split(",") if v.strip()]
    known = ("error", "warning", "note")
    for name in names:
        if name not in known:
            raise ConfigError(f"--show takes {', '.join(known)} (comma-separated), "
                              f"not {name!r}")
    return frozenset(Severity(n) for n in names)


def _parse_reports(fmt: str, output: Path | None, reports: list[str]
                   ) -> list[tuple[str, Path | None]]:
    """`--format F -o FILE` for one report; `--report F=FILE` (repeatable) for several."""
    chosen: list[tuple[str, Path | None]] = [(fmt, output)]
    for spec in reports:
        name, sep, target = spec.partition("=")
        if not sep or not target:
            raise ConfigError(f"--report takes FORMAT=FILE, not {spec!r}")
        if name not in FORMATS:
            raise ConfigError(f"--report: unknown format {name!r} (choose from "
                              f"{', '.join(FORMATS)})")
        chosen.append((name, Path(target)))
    return chosen


# -- scan ------------------------------------------------------------------------------------

@app.command()
def scan(
    path: PathArg = Path(),
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = "terminal",
    output: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--output", "-o", metavar="FILE", help="Write the report here (the summary still "
        "prints, on stderr).")] = None,
    report: Annotated[list[str], typer.Option(
        "--report", metavar="FORMAT=FILE", help="Another report; repeatable.")] = [],  # noqa: B006
    fail_on: FailOnOpt = None,
    show: Annotated[list[str], typer.Option(
        "--show", metavar="SEVERITY[,...]", help="Terminal: list only these severities "
        "(error, warning, note); the summary and exit code still count every finding.")]
    = [],  # noqa: B006
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="Terminal: every finding's full reason and fix.")] = False,
    config_file: ConfigOpt = None,
    exclude: Annotated[list[str], typer.Option(
        "--exclude", metavar="PATTERN", help="Gitignore-style pattern to skip; repeatable.")]
    = [],  # noqa: B006
    disable_rule: Annotated[list[str], typer.Option(
        "--disable-rule", metavar="RULE-ID", help="Do not run this rule; repeatable.")]
    = [],  # noqa: B006
    history: Annotated[bool, typer.Option(
        "--history", help="Audit: every blob in git history and the working tree (ignored "
        "files included), each blob once.")] = False,
    history_only: Annotated[bool, typer.Option(
        "--history-only", help="Every blob in git history, without the working tree.")]
    = False,
    since: Annotated[Optional[str], typer.Option(  # noqa: UP045
        metavar="REV", help="History: only commits after REV.")] = None,
    rev_range: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--range", metavar="A..B", help="History: only the commits in A..B.")] = None,
    staged: Annotated[bool, typer.Option("--staged", help="Scan the staged (index) content.")]
    = False,
    agent_surface: Annotated[bool, typer.Option(
        "--agent-surface", help="Also scan what coding agents can read: MCP configs, CLI "
        "credential stores, shell history.")] = False,
    home: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        metavar="DIR", help="Home directory for --agent-surface [default: ~].")] = None,
    baseline: BaselineFileOpt = None,
    no_baseline: Annotated[bool, typer.Option("--no-baseline", help="Apply no baseline.")]
    = False,
    show_secrets: ShowSecretsOpt = False,
    max_file_size: Annotated[Optional[str], typer.Option(  # noqa: UP045
        metavar="SIZE", help="Skip larger files, e.g. 25MiB [default: the config's, else "
        "25MiB].")] = None,
    jobs: Annotated[Optional[int], typer.Option(  # noqa: UP045
        metavar="N", help="Worker processes (0: one per core).")] = None,
    engine: Annotated[EngineName, typer.Option(help="Matching engine.")] = "auto",
    progress: Annotated[bool, typer.Option(
        "--progress/--no-progress", help="A progress bar on a terminal, after a second.")]
    = True,
    no_default_excludes: Annotated[bool, typer.Option(
        "--no-default-excludes", help="Also read .venv, node_modules and tool caches.")]
    = False,
    min_confidence: Annotated[Optional[ConfidenceName], typer.Option(  # noqa: UP045
        "--min-confidence", help="Suppress (and count) findings less sure than this "
        "[default: the config's, else low].")] = None,
    max_occurrences: Annotated[Optional[int], typer.Option(  # noqa: UP045
        min=0, metavar="N", help="Places of one secret listed in a report (0 = all) "
        "[default: the config's, else 10000]; the rest are counted.")] = None,
    trust_repo_config: TrustOpt = False,
) -> None:
    """Scan a working tree (default), its git history, its staged content or the agent
    surface, and report what is found (terminal by default) with a closing summary."""
    from scanner.config import parse_size  # noqa: PLC0415
    from scanner.model import Confidence  # noqa: PLC0415
    from scanner.reporters import ReportContext  # noqa: PLC0415
    from scanner.rules_catalog import UnknownRuleId  # noqa: PLC0415
    from scanner.runner import run_scan  # noqa: PLC0415
    from scanner.sources.select import SourceOptions  # noqa: PLC0415

    with handled():
        reports = _parse_reports(fmt, output, report)
        view = ReportContext(verbose=verbose, show=_severities(show))
        config = _load(
            path, config_file, trust_repo_config,
            fail_on=_fail_on(fail_on),
            min_confidence=Confidence(min_confidence) if min_confidence else None,
            max_file_size=parse_size(max_file_size, source="--max-file-size")
            if max_file_size else None,
            jobs=jobs, show_secrets=show_secrets or None, engine=engine,
            baseline=baseline, progress=progress,
            default_excludes=False if no_default_excludes else None,
            use_default_baseline=False if no_baseline else None,
            max_occurrences=max_occurrences,
        )
        config = config.with_overrides(exclude=(*config.exclude, *exclude),
                                       disable_rules=(*config.disable_rules, *disable_rule))
        opts = SourceOptions(history=history, since=since, range=rev_range, staged=staged,
                             agent_surface=agent_surface, home=home, history_only=history_only)
        try:
            code = run_scan(config, opts, reports, view)
        except UnknownRuleId as err:
            if err.rule_id in disable_rule:  # the command line's, not the config file's
                raise err.moved("--disable-rule") from None
            raise
        raise ExitCode(code)


# -- rules -----------------------------------------------------------------------------------

@rules_app.command("list")
def rules_list(
    provider: Annotated[Optional[str], typer.Option(  # noqa: UP045
        metavar="NAME", help="Only this provider's rules (case-insensitive).")] = None,
    tier: Annotated[Optional[Tier], typer.Option(  # noqa: UP045
        help="Only rules of this tier (stated or worst case).")] = None,
    search: Annotated[Optional[str], typer.Option(  # noqa: UP045
        metavar="TEXT", help="Only rules whose id, provider, title or description holds "
        "TEXT.")] = None,
    sort: Annotated[Literal["id", "provider", "tier"], typer.Option(
        help="Order (tier: most powerful first).")] = "id",
    fmt: Annotated[Literal["table", "json"], typer.Option("--format", "-f")] = "table",
) -> None:
    """List the rules: id, provider, tier (stated→worst case), environment and title."""
    from scanner.matching.loader import load_rules  # noqa: PLC0415
    from scanner.rules_catalog import rule_dict, select, table  # noqa: PLC0415

    with handled():
        every = load_rules()
        chosen = select(every, provider=provider, tier=tier, search=search, sort=sort)
        if fmt == "json":
            print(json.dumps([rule_dict(r) for r in chosen], indent=2))
        else:
            sys.stdout.write(table(chosen, len(every)))


@rules_app.command("show")
def rules_show(
    rule_id: Annotated[str, typer.Argument(metavar="RULE-ID",
                                           help="Rule id, e.g. github.classic-pat.")],
    fmt: Annotated[Literal["text", "json"], typer.Option("--format", "-f")] = "text",
) -> None:
    """Everything about one rule: tier, scope, capabilities, remediation, references."""
    from scanner.matching.loader import load_rules  # noqa: PLC0415
    from scanner.rules_catalog import UnknownRuleId, describe, rule_dict  # noqa: PLC0415

    with handled():
        rules = {r.id: r for r in load_rules()}
        if rule_id not in rules:
            raise UnknownRuleId.of(rule_id, rules, where="rules show")
        rule = rules[rule_id]
        if fmt == "json":
            print(json.dumps(rule_dict(rule), indent=2))
        else:
            sys.stdout.write(describe(rule))


# -- baseline --------------------------------------------------------------------------------

_BASELINE_PATH = typer.Argument(metavar="PATH", help="Repository or directory to scan.")


def _baseline_setup(path: Path, baseline: Path | None, history: bool, config_file: Path | None,
                    trust: bool = False) -> tuple[Config, SourceOptions, Path]:
    from scanner.baseline import BASELINE_NAME  # noqa: PLC0415
    from scanner.sources.select import SourceOptions  # noqa: PLC0415

    config = _load(path, config_file, trust)
    return config, SourceOptions(history=history), baseline or path / BASELINE_NAME


def _say(text: str) -> None:
    """A status line naming files from the repository: never raw."""
    from scanner.paths import printable  # noqa: PLC0415

    print(printable(text))


@baseline_app.command("create")
def baseline_create(
    path: Annotated[Path, _BASELINE_PATH] = Path(),
    baseline: BaselineFileOpt = None,
    reason: Annotated[Optional[str], typer.Option(  # noqa: UP045
        metavar="TEXT", help="Why these are accepted.")] = None,
    history: HistoryOpt = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing baseline.")]
    = False,
    config_file: ConfigOpt = None,
    trust_repo_config: TrustOpt = False,
) -> None:
    """Accept every current finding: write a new baseline of their fingerprints."""
    from scanner import baseline as ops  # noqa: PLC0415

    with handled():
        config, opts, target = _baseline_setup(path, baseline, history, config_file,
                                               trust_repo_config)
        done = ops.create(config, opts, target, reason=reason, force=force)
        _say(f"credscope: wrote {done.path} with {done.total} entries")


@baseline_app.command("update")
def baseline_update(
    path: Annotated[Path, _BASELINE_PATH] = Path(),
    baseline: BaselineFileOpt = None,
    reason: Annotated[Optional[str], typer.Option(  # noqa: UP045
        metavar="TEXT", help="Reason for new entries.")] = None,
    history: HistoryOpt = False,
    keep_stale: Annotated[bool, typer.Option(
        "--keep-stale", help="Keep entries no finding matches.")] = False,
    config_file: ConfigOpt = None,
    trust_repo_config: TrustOpt = False,
) -> None:
    """Add new findings, keep entries still seen, drop stale ones, and turn imported
    detect-secrets entries into fingerprints."""
    from scanner import baseline as ops  # noqa: PLC0415

    with handled():
        config, opts, target = _baseline_setup(path, baseline, history, config_file,
                                               trust_repo_config)
        done = ops.update(config, opts, target, reason=reason, keep_stale=keep_stale)
        _say(f"credscope: {done.path}: {done.added} added, {done.kept} kept, "
             f"{done.converted} converted from detect-secrets, {len(done.removed)} stale "
             f"removed ({done.total} entries)")


@baseline_app.command("check")
def baseline_check(
    path: Annotated[Path, _BASELINE_PATH] = Path(),
    baseline: BaselineFileOpt = None,
    fail_on: FailOnOpt = None,
    strict: Annotated[bool, typer.Option("--strict", help="Also fail (exit 1) on stale "
                                         "entries.")] = False,
    history: HistoryOpt = False,
    config_file: ConfigOpt = None,
    trust_repo_config: TrustOpt = False,
) -> None:
    """Report findings the baseline does not cover and entries nothing matches (stale)."""
    from scanner import baseline as ops  # noqa: PLC0415
    from scanner.reporters import REPORTERS, ReportContext  # noqa: PLC0415
    from scanner.runner import use_color  # noqa: PLC0415

    with handled():
        config, opts, target = _baseline_setup(path, baseline, history, config_file,
                                               trust_repo_config)
        config = config.with_overrides(fail_on=_fail_on(fail_on))
        done = ops.check(config, opts, target)
        assert done.result is not None
        sys.stdout.write(REPORTERS["terminal"](done.result, ReportContext(color=use_color())))
        _say(f"credscope: baseline {done.path}: {done.kept} entries matched, "
             f"{len(done.result.findings)} findings not in it, {len(done.removed)} stale")
        for key in done.removed[:_STALE_LISTED]:
            _say(f"  stale: {key}")
        if len(done.removed) > _STALE_LISTED:  # a baseline can hold 200,000 stale entries
            _say(f"  … and {len(done.removed) - _STALE_LISTED:,} more (`credscope baseline "
                 "update` drops them)")
        raise ExitCode(1 if done.result.failing or (strict and done.removed) else 0)


@baseline_app.command("import")
def baseline_import(
    secrets_baseline: Annotated[Path, typer.Argument(
        metavar="FILE", help="detect-secrets .secrets.baseline")],
    baseline: BaselineFileOpt = None,
) -> None:
    """Migrate from detect-secrets: its accepted secrets become baseline entries."""
    from scanner import baseline as ops  # noqa: PLC0415

    with handled():
        target = baseline or secrets_baseline.parent / ops.BASELINE_NAME
        done = ops.import_detect_secrets(secrets_baseline, target)
        _say(f"credscope: imported {done.added} detect-secrets entries into {done.path} "
             f"({done.total} entries); run `credscope baseline update` to turn them into "
             "fingerprints")


# -- hook and explain ------------------------------------------------------------------------

@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True,
                               "help_option_names": []})
def hook(ctx: typer.Context) -> None:
    """pre-commit entry: scan exactly the FILES given (the staged content) and fail on the
    policy. Same as `credscope-hook`; `credscope hook --help` lists its options."""
    from scanner.hook import main as hook_main  # noqa: PLC0415

    raise SystemExit(hook_main(ctx.args))


@app.command()
def explain(
    finding_id: Annotated[str, typer.Argument(
        metavar="ID", help="A finding's id as `scan` prints it: its fingerprint or any "
        "prefix of 4 or more hex characters that only it has.")],
    path: PathArg = Path(),
    history: HistoryOpt = False,
    show_secrets: ShowSecretsOpt = False,
    config_file: ConfigOpt = None,
    trust_repo_config: TrustOpt = False,
) -> None:
    """Say everything credscope knows about one finding and why: decoded facts, evidence,
    the policy rule that decided, the remediation."""
    from scanner.explain import explain_finding  # noqa: PLC0415
    from scanner.sources.select import SourceOptions  # noqa: PLC0415

    with handled():
        config = _load(path, config_file, trust_repo_config, progress=False,
                       show_secrets=show_secrets or None)
        print(explain_finding(config, finding_id, SourceOptions(history=history)))


# --- guard: hooks that judge a coding agent's tool calls (scanner/guard, docs/guard.md) ---
guard_app = typer.Typer(help="Judge a coding agent's tool calls offline: hooks for Claude "
                        "Code and Cursor.", no_args_is_help=True)
app.add_typer(guard_app, name="guard")
_GUARD_CONFIG = typer.Option("--config", help="Guard config (default ~/.config/credscope/"
                             "guard.toml).")


def _guard_hook(agent: str, config_file: Path | None, fail_closed: bool) -> None:
    from scanner.guard.main import run  # noqa: PLC0415

    argv = [agent, *(["--config", str(config_file)] if config_file else []),
            *(["--fail-closed"] if fail_closed else [])]
    raise SystemExit(run(argv, sys.stdin, sys.stdout, sys.stderr))


@guard_app.command("claude-code")
def guard_claude_code(
    config_file: Annotated[Optional[Path], _GUARD_CONFIG] = None,  # noqa: UP045
    fail_closed: Annotated[bool, typer.Option(help="Deny when the guard itself fails.")]
    = False,
) -> None:
    """Judge one Claude Code hook event (JSON on stdin); answer in Claude Code's protocol."""
    _guard_hook("claude-code", config_file, fail_closed)


@guard_app.command("cursor")
def guard_cursor(
    config_file: Annotated[Optional[Path], _GUARD_CONFIG] = None,  # noqa: UP045
    fail_closed: Annotated[bool, typer.Option(help="Deny when the guard itself fails.")]
    = False,
) -> None:
    """Judge one Cursor hook event (JSON on stdin); answer in Cursor's protocol."""
    _guard_hook("cursor", config_file, fail_closed)


_AGENT = typer.Option("--agent", help="claude-code or cursor.")
_PROJECT = typer.Option("--project/--user", help="This project's settings, or yours "
                        "(default: yours).")


@guard_app.command("install")
def guard_install(
    agent: Annotated[str, _AGENT],
    project: Annotated[bool, _PROJECT] = False,
    fail_closed: Annotated[bool, typer.Option(help="Deny when the guard itself fails.")]
    = False,
    config_file: Annotated[Optional[Path], _GUARD_CONFIG] = None,  # noqa: UP045
    command: Annotated[Optional[str], typer.Option(help="Hook command to write.")] = None,  # noqa: UP045
) -> None:
    """Add the guard's hooks to the agent's settings (idempotent)."""
    from scanner.guard import install as ops  # noqa: PLC0415

    with error_handler():
        path = _guard_settings(agent, project)
        hook = command or ops.hook_command(agent, project, fail_closed, config_file)
        done = ops.install(agent, path, hook, fail_closed)
        ops.warm()
        print(f"credscope guard: {done.action} {done.path} (hook: {hook})")


@guard_app.command("uninstall")
def guard_uninstall(agent: Annotated[str, _AGENT],
                    project: Annotated[bool, _PROJECT] = False) -> None:
    """Remove the guard's hooks from the agent's settings, and nothing else."""
    from scanner.guard import install as ops  # noqa: PLC0415

    with error_handler():
        done = ops.uninstall(agent, _guard_settings(agent, project))
        print(f"credscope guard: {done.action} {done.path}")


def _guard_settings(agent: str, project: bool) -> Path:
    from scanner.guard.install import settings_path  # noqa: PLC0415

    if agent not in ("claude-code", "cursor"):
        raise ConfigError(f"--agent must be claude-code or cursor, not {agent!r}")
    return settings_path(agent, project, Path.cwd(), Path.home())


@app.command()
def audit(
    repos: Annotated[Path, typer.Argument(help="File of repository paths or git URLs (one a "
                                          "line, # comments), or a directory of repositories.")],
    out: Annotated[Path, typer.Option("--out", help="Directory for the reports and the "
                                      "results store (re-runs reuse it).")],
    scheduler: Annotated[str, typer.Option(help="`local` (a LocalCluster on this machine) or "
                                           "a Dask scheduler address, tcp://HOST:8786.")]
    = "local",
    workers: Annotated[int, typer.Option(help="LocalCluster worker processes (0 = cores).")]
    = 0,
    cache: Annotated[Optional[Path], typer.Option(help="Where URLs are mirrored (default "  # noqa: UP045
                                                  "OUT/mirrors).")] = None,
    fail_on: Annotated[Optional[str], typer.Option(  # noqa: UP045
        help="error, warning, note or never: the lowest severity that fails (exit 1).")] = None,
    no_progress: Annotated[bool, typer.Option(help="Never show a progress bar.")] = False,
    history_only: Annotated[bool, typer.Option(
        "--history-only", help="Read each repository's history alone, not its working tree "
        "(as scan --history-only).")] = False,
) -> None:
    """Audit many repositories on Dask, each as `scan --history` reads it (whole history and
    working tree): per-repository JSON and SARIF, an organisation JSON and HTML report,
    credentials shared across repositories."""
    from scanner.audit.run import AuditOptions, run_audit  # noqa: PLC0415
    from scanner.config import parse_fail_on  # noqa: PLC0415

    with error_handler():
        options = AuditOptions(repos=repos, out=out, scheduler=scheduler, workers=workers,
                               cache=cache, progress=not no_progress, history_only=history_only,
                               fail_on=parse_fail_on(fail_on) if fail_on else None)
        raise ExitCode(run_audit(options).exit_code)


def main() -> None:
    from scanner.errors import handle_termination  # noqa: PLC0415

    handle_termination()
    try:
        app(prog_name="credscope")
    except BrokenPipeError:  # `credscope --help | head`: typer's own output
        _stdout_gone()
        sys.exit(EXIT_BROKEN_PIPE)


if __name__ == "__main__":  # pragma: no cover
    main()
