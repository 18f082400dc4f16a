"""The command line: options -> Config -> scan -> reporters -> exit code. Nothing else."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from scanner import __version__
from scanner.errors import EXIT_USAGE, ConfigError, ExitCode, error_handler

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

FORMATS = ("terminal", "json", "sarif", "html")


def _version(value: bool) -> None:
    if value:
        print(f"credscope {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version,  # noqa: UP045
                                                    is_eager=True, help="Show the version.")]
    = None,
) -> None:
    """credscope: static secrets and credential-scope scanner."""


def _parse_reports(fmt: str, output: Path | None, reports: list[str]
                   ) -> list[tuple[str, Path | None]]:
    """`--format F -o FILE` for one report; `--report F=FILE` (repeatable) for several."""
    chosen: list[tuple[str, Path | None]] = []
    for spec in reports:
        name, sep, target = spec.partition("=")
        if not sep or not target:
            raise ConfigError(f"--report takes FORMAT=FILE, not {spec!r}")
        chosen.append((name, Path(target)))
    chosen.insert(0, (fmt, output))  # the main report always prints (terminal by default)
    from scanner.reporters import REPORTERS  # noqa: PLC0415

    for name, _ in chosen:
        if name not in REPORTERS:
            raise ConfigError(f"unknown format {name!r} (choose from {', '.join(FORMATS)})")
    return chosen


@app.command()
def scan(
    path: Annotated[Path, typer.Argument(help="Directory, file or repository to scan.")] = Path(),
    fmt: Annotated[str, typer.Option("--format", "-f", help="terminal, json, sarif or html.")]
    = "terminal",
    output: Annotated[Optional[Path], typer.Option("--output", "-o",  # noqa: UP045
                                                   help="Write the report here.")] = None,
    report: Annotated[list[str], typer.Option(
        "--report", help="Extra report as FORMAT=FILE; repeat for several.")] = [],  # noqa: B006
    fail_on: Annotated[Optional[str], typer.Option(  # noqa: UP045
        help="error, warning, note or never: the lowest severity that fails (exit 1).")] = None,
    config_file: Annotated[Optional[Path], typer.Option("--config", help="Config file.")]  # noqa: UP045
    = None,
    exclude: Annotated[list[str], typer.Option(help="Glob to skip; repeatable.")] = [],  # noqa: B006
    history: Annotated[bool, typer.Option(help="Scan every blob in git history.")] = False,
    since: Annotated[Optional[str], typer.Option(help="History: only commits after REV.")]  # noqa: UP045
    = None,
    rev_range: Annotated[Optional[str], typer.Option("--range", help="History: commits A..B.")]  # noqa: UP045
    = None,
    staged: Annotated[bool, typer.Option(help="Scan the staged (index) content.")] = False,
    agent_surface: Annotated[bool, typer.Option(
        help="Also scan what coding agents can read: MCP configs, CLI credentials, history.")]
    = False,
    home: Annotated[Optional[Path], typer.Option(help="Home directory for --agent-surface.")]  # noqa: UP045
    = None,
    baseline: Annotated[Optional[Path], typer.Option(help="Baseline file to apply.")] = None,  # noqa: UP045
    no_baseline: Annotated[bool, typer.Option(help="Do not apply any baseline.")] = False,
    show_secrets: Annotated[bool, typer.Option(
        help="Print secrets in full. Off by default: every output is redacted.")] = False,
    max_file_size: Annotated[Optional[str], typer.Option(help="e.g. 25MiB.")] = None,  # noqa: UP045
    jobs: Annotated[Optional[int], typer.Option(help="Worker processes (0 = cores).")] = None,  # noqa: UP045
    engine: Annotated[str, typer.Option(help="auto, hyperscan or re.")] = "auto",
    no_progress: Annotated[bool, typer.Option(help="Never show a progress bar.")] = False,
    no_default_excludes: Annotated[bool, typer.Option(
        help="Also read .venv, node_modules and tool caches.")] = False,
    max_occurrences: Annotated[Optional[int], typer.Option(  # noqa: UP045
        min=0, help="Occurrences of one secret listed in a report (0 = all; default 10000); "
        "the rest are counted.")] = None,
) -> None:
    """Scan a working tree (default), its git history, its staged content or the agent surface."""
    from scanner.config import load_config, parse_fail_on, parse_size  # noqa: PLC0415
    from scanner.runner import run_scan  # noqa: PLC0415
    from scanner.sources.select import SourceOptions  # noqa: PLC0415

    with error_handler():
        reports = _parse_reports(fmt, output, report)
        if engine not in ("auto", "hyperscan", "re"):
            raise ConfigError(f"--engine must be auto, hyperscan or re, not {engine!r}")
        root = path if path.is_dir() else path.parent
        config = load_config(root, config_file).with_overrides(
            root=path,
            fail_on=parse_fail_on(fail_on) if fail_on else None,
            max_file_size=parse_size(max_file_size, source="--max-file-size")
            if max_file_size else None,
            jobs=jobs, show_secrets=show_secrets or None, engine=engine,
            baseline=baseline, progress=not no_progress,
            default_excludes=False if no_default_excludes else None,
            use_default_baseline=False if no_baseline else None,
            max_occurrences=max_occurrences,
        )
        if exclude:
            config = config.with_overrides(exclude=(*config.exclude, *exclude))
        opts = SourceOptions(history=history, since=since, range=rev_range, staged=staged,
                             agent_surface=agent_surface, home=home)
        raise ExitCode(run_scan(config, opts, reports))


@rules_app.command("list")
def rules_list(
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """List every rule with its provider, tier and environment."""
    from scanner.matching.loader import load_rules  # noqa: PLC0415
    from scanner.rules_catalog import rule_dict  # noqa: PLC0415

    with error_handler():
        rules = load_rules()
        if fmt == "json":
            print(json.dumps([rule_dict(r) for r in rules], indent=2))
        elif fmt == "table":
            for r in rules:
                tier = r.tier.value if r.tier == r.worst_case else f"{r.tier}→{r.worst_case}"
                print(f"{r.id:<44} {r.provider:<22} {tier:<16} {r.environment}")
            print(f"{len(rules)} rules")
        else:
            raise ConfigError(f"--format must be table or json, not {fmt!r}")


@rules_app.command("show")
def rules_show(rule_id: Annotated[str, typer.Argument(help="Rule id, e.g. github.classic-pat")]
               ) -> None:
    """Show everything about one rule."""
    from scanner.matching.loader import load_rules  # noqa: PLC0415
    from scanner.rules_catalog import rule_dict  # noqa: PLC0415

    with error_handler():
        match = [r for r in load_rules() if r.id == rule_id]
        if not match:
            print(f"credscope: error: no rule {rule_id!r} (see `credscope rules list`)",
                  file=sys.stderr)
            raise ExitCode(EXIT_USAGE)
        print(json.dumps(rule_dict(match[0]), indent=2))


_BASELINE_PATH = typer.Argument(help="Repository or directory to scan.")
_BASELINE_FILE = typer.Option("--baseline", "-b", help="Baseline file (default: "
                              ".credscope-baseline.json at PATH).")


def _baseline_setup(path: Path, baseline: Path | None, history: bool, config_file: Path | None
                    ) -> tuple[Any, Any, Path]:
    from scanner.baseline import BASELINE_NAME  # noqa: PLC0415
    from scanner.config import load_config  # noqa: PLC0415
    from scanner.sources.select import SourceOptions  # noqa: PLC0415

    config = load_config(path, config_file).with_overrides(root=path)
    return config, SourceOptions(history=history), baseline or path / BASELINE_NAME


@baseline_app.command("create")
def baseline_create(
    path: Annotated[Path, _BASELINE_PATH] = Path(),
    baseline: Annotated[Optional[Path], _BASELINE_FILE] = None,  # noqa: UP045
    reason: Annotated[Optional[str], typer.Option(help="Why these are accepted.")] = None,  # noqa: UP045
    history: Annotated[bool, typer.Option(help="Also accept secrets in git history.")] = False,
    force: Annotated[bool, typer.Option(help="Overwrite an existing baseline.")] = False,
    config_file: Annotated[Optional[Path], typer.Option("--config")] = None,  # noqa: UP045
) -> None:
    """Accept every current finding: write a new baseline of their fingerprints."""
    from scanner import baseline as ops  # noqa: PLC0415

    with error_handler():
        config, opts, target = _baseline_setup(path, baseline, history, config_file)
        done = ops.create(config, opts, target, reason=reason, force=force)
        print(f"credscope: wrote {done.path} with {done.total} entries")


@baseline_app.command("update")
def baseline_update(
    path: Annotated[Path, _BASELINE_PATH] = Path(),
    baseline: Annotated[Optional[Path], _BASELINE_FILE] = None,  # noqa: UP045
    reason: Annotated[Optional[str], typer.Option(help="Reason for new entries.")] = None,  # noqa: UP045
    history: Annotated[bool, typer.Option(help="Also accept secrets in git history.")] = False,
    keep_stale: Annotated[bool, typer.Option(help="Keep entries no finding matches.")] = False,
    config_file: Annotated[Optional[Path], typer.Option("--config")] = None,  # noqa: UP045
) -> None:
    """Add new findings, keep entries still seen, drop stale ones, and turn imported
    detect-secrets entries into fingerprints."""
    from scanner import baseline as ops  # noqa: PLC0415

    with error_handler():
        config, opts, target = _baseline_setup(path, baseline, history, config_file)
        done = ops.update(config, opts, target, reason=reason, keep_stale=keep_stale)
        print(f"credscope: {done.path}: {done.added} added, {done.kept} kept, "
              f"{done.converted} converted from detect-secrets, {len(done.removed)} stale "
              f"removed ({done.total} entries)")


@baseline_app.command("check")
def baseline_check(
    path: Annotated[Path, _BASELINE_PATH] = Path(),
    baseline: Annotated[Optional[Path], _BASELINE_FILE] = None,  # noqa: UP045
    fail_on: Annotated[Optional[str], typer.Option(help="error, warning, note or never.")]  # noqa: UP045
    = None,
    strict: Annotated[bool, typer.Option(help="Also fail (exit 1) on stale entries.")] = False,
    history: Annotated[bool, typer.Option(help="Scan git history too.")] = False,
    config_file: Annotated[Optional[Path], typer.Option("--config")] = None,  # noqa: UP045
) -> None:
    """Report findings the baseline does not cover and entries nothing matches (stale)."""
    from scanner import baseline as ops  # noqa: PLC0415
    from scanner.config import parse_fail_on  # noqa: PLC0415
    from scanner.reporters import REPORTERS, ReportContext  # noqa: PLC0415

    with error_handler():
        config, opts, target = _baseline_setup(path, baseline, history, config_file)
        config = config.with_overrides(fail_on=parse_fail_on(fail_on) if fail_on else None)
        done = ops.check(config, opts, target)
        assert done.result is not None
        sys.stdout.write(REPORTERS["terminal"](done.result, ReportContext()))
        print(f"credscope: baseline {done.path}: {done.kept} entries matched, "
              f"{len(done.result.findings)} findings not in it, {len(done.removed)} stale")
        for key in done.removed:
            print(f"  stale: {key}")
        raise ExitCode(1 if done.result.failing or (strict and done.removed) else 0)


@baseline_app.command("import")
def baseline_import(
    secrets_baseline: Annotated[Path, typer.Argument(help="detect-secrets .secrets.baseline")],
    baseline: Annotated[Optional[Path], _BASELINE_FILE] = None,  # noqa: UP045
) -> None:
    """Migrate from detect-secrets: its accepted secrets become baseline entries."""
    from scanner import baseline as ops  # noqa: PLC0415

    with error_handler():
        target = baseline or secrets_baseline.parent / ops.BASELINE_NAME
        done = ops.import_detect_secrets(secrets_baseline, target)
        print(f"credscope: imported {done.added} detect-secrets entries into {done.path} "
              f"({done.total} entries); run `credscope baseline update` to turn them into "
              "fingerprints")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True,
                               "help_option_names": []})
def hook(ctx: typer.Context) -> None:
    """pre-commit entry: scan exactly the FILES given (the staged content) and fail on the
    policy. Same as `credscope-hook`; `credscope hook --help` lists its options."""
    from scanner.hook import main as hook_main  # noqa: PLC0415

    raise SystemExit(hook_main(ctx.args))


@app.command()
def explain(
    fingerprint: Annotated[str, typer.Argument(help="Fingerprint (or a unique prefix) of a "
                                               "finding, as scan --format json prints it.")],
    path: Annotated[Path, typer.Argument(help="Directory or repository to re-scan.")] = Path(),
    history: Annotated[bool, typer.Option(help="Re-scan git history too.")] = False,
    show_secrets: Annotated[bool, typer.Option(help="Print the secret in full.")] = False,
    config_file: Annotated[Optional[Path], typer.Option("--config")] = None,  # noqa: UP045
) -> None:
    """Say everything credscope knows about one finding and why: decoded facts, evidence,
    the policy rule that decided, the remediation."""
    from scanner.config import load_config
    from scanner.explain import explain_finding
    from scanner.sources.select import SourceOptions

    with error_handler():
        root = path if path.is_dir() else path.parent
        config = load_config(root, config_file).with_overrides(
            root=path, progress=False, show_secrets=show_secrets or None)
        print(explain_finding(config, fingerprint, SourceOptions(history=history)))


def main() -> None:
    app(prog_name="credscope")


if __name__ == "__main__":  # pragma: no cover
    main()
