"""`pinlint check`, `pinlint logs`, `pinlint server` and `pinlint rule`: a thin front end over the engine."""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import threading
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Sequence

from pinlint import __version__
from pinlint.logs import OUTPUT_FORMATS as LOG_FORMATS
from pinlint.output.text import visible
from pinlint.settings import DIALECT_CHOICES, OUTPUT_FORMATS, ConfigError, Settings
from pinlint.targets import Target

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
_TARGET_CHOICES = ["auto", *(t.value for t in Target)]
EXIT_INTERRUPTED, EXIT_TERMINATED = 128 + signal.SIGINT, 128 + signal.SIGTERM  # as a shell reports them

# What `check` lints, as discovery decides it (`pinlint.discovery`, `pinlint.connections.files`).
_LINTED_FILES = ".py, .pyi, .sql or configuration (.env, .ini, .cfg, .toml, .yaml, .yml, .properties, .tf) files"
_CHECK_EPILOG = """\
exit codes: 0 no findings, 1 findings, 2 usage or configuration error, 130 interrupted (Ctrl-C),
143 terminated (SIGTERM).
Settings come from [tool.pinlint] in the nearest pinlint.toml or pyproject.toml;
flags override them. Explain a rule with `pinlint rule PIN101`; list them with `pinlint rule --list`.
"""
_LOGS_EPILOG = """\
exit codes: 0 no incidents, 1 incidents, 2 usage or configuration error.
Log formats are recognised per file: RDS Proxy enhanced logging (plain, or CloudWatch JSON and
CSV exports), PostgreSQL stderr (any log_line_prefix), csvlog and jsonlog, and PgBouncer.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pinlint",
        description="Find Python code, SQL and connection settings that break database connection "
        "poolers (AWS RDS Proxy, PgBouncer in transaction mode).",
    )
    parser.add_argument("--version", action="version", version=f"pinlint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    check = commands.add_parser(
        "check", help="lint files and directories", epilog=_CHECK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=f"Lint {_LINTED_FILES.replace(' files', '')}: Python code, SQL and the connection "
        "settings in configuration files. Directories are walked, honouring .gitignore and excludes.",
    )
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .); - reads stdin")
    selection = check.add_argument_group("rule selection (codes like PIN101, prefixes like PIN1, or names)")
    selection.add_argument("--select", action="append", metavar="RULES", help="only these rules (default: all)")
    selection.add_argument("--extend-select", action="append", metavar="RULES", help="add to the selection")
    selection.add_argument("--ignore", action="append", metavar="RULES", help="leave these rules out")
    context = check.add_argument_group("what the code runs behind")
    context.add_argument(
        "--target", action="append", metavar="NAME", choices=_TARGET_CHOICES,
        help="pooler(s) the project runs behind, repeatable: rds-proxy, pgbouncer, pgbouncer-legacy, "
        "pgbouncer-tracking, supavisor, pgdog, or auto (the default: inferred from the project's files, "
        "else rds-proxy and pgbouncer; `pinlint targets` explains)",
    )
    context.add_argument(
        "--dialect", choices=DIALECT_CHOICES,
        help="SQL dialect (default: auto, from each statement's syntax, the project and the file)",
    )
    context.add_argument(
        "--min-confidence", choices=["high", "medium", "low"], help="report findings at least this certain (default: medium)"
    )
    files = check.add_argument_group("files")
    files.add_argument("--exclude", action="append", metavar="PATTERNS", help="gitignore-style patterns replacing the default excludes")
    files.add_argument("--extend-exclude", action="append", metavar="PATTERNS", help="patterns to exclude in addition")
    files.add_argument("--force-exclude", action="store_true", help="apply excludes to paths given explicitly too (pre-commit)")
    files.add_argument("--no-respect-gitignore", action="store_true", help="lint files that .gitignore excludes")
    files.add_argument("--stdin-filename", metavar="NAME", help="the name of the file read from stdin (decides Python or SQL)")
    files.add_argument("--config", metavar="FILE", help="use this pinlint.toml or pyproject.toml")
    files.add_argument("--isolated", action="store_true", help="ignore all configuration files")
    check.add_argument(
        "--jobs", "-j", type=_positive_int, metavar="N",
        help="lint in N processes (default: one per CPU; a pool is only started for enough files)",
    )
    caching = check.add_argument_group("cache (reports of unchanged files are reused)")
    caching.add_argument(
        "--cache-dir", metavar="DIR",
        help="where to keep it (default: .pinlint_cache next to the configuration file, else in the nearest "
        "directory with .git, .hg, pyproject.toml, setup.py or setup.cfg; none outside a project)",
    )
    caching.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    adopting = check.add_argument_group("existing code (report only what a change adds)")
    adopting.add_argument(
        "--baseline", metavar="FILE",
        help="leave out the findings recorded in FILE (default: the configuration's `baseline`)",
    )
    adopting.add_argument(
        "--write-baseline", metavar="FILE", help="record every finding in FILE instead of reporting them, and exit 0"
    )
    adopting.add_argument(
        "--changed-since", metavar="REF",
        help="report only findings on lines added or changed since git revision REF (from its merge "
        "base with HEAD, uncommitted and untracked files included)",
    )
    fixing = check.add_argument_group("fixes (`pinlint rule CODE` says what each rule fixes, and whether safely)")
    fixing.add_argument("--fix", action="store_true", help="apply safe fixes in place, then report what remains")
    fixing.add_argument(
        "--unsafe-fixes", action="store_true",
        help="with --fix or --diff: also apply fixes that change what the code does (SET -> SET LOCAL, ...)",
    )
    fixing.add_argument(
        "--diff", action="store_true", help="print the fixes as unified diffs instead of writing them (exit 1 if any)"
    )
    fixing.add_argument(
        "--add-noqa", action="store_true", help="add a `pinlint: ignore[...]` suppression for every finding, in place"
    )
    output = check.add_argument_group("output")
    output.add_argument(
        "--output-format", choices=OUTPUT_FORMATS, metavar="FORMAT",
        help="full (default: code frame and fix), concise (flake8-style lines), json, json-lines, "
        "github (workflow-command annotations; writes $GITHUB_STEP_SUMMARY when set), sarif (2.1.0, code "
        "scanning) or gitlab (Code Quality)",
    )
    output.add_argument(
        "--sarif-output", metavar="FILE",
        help="also write the findings as SARIF to FILE (one run for annotations and code scanning); "
        "with --changed-since it keeps the findings on unchanged lines",
    )
    output.add_argument("--statistics", action="store_true", help="count findings per rule instead of listing them")
    output.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")

    logs = commands.add_parser(
        "logs", help="map pooler and server log incidents to the code that caused them", epilog=_LOGS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Judge what RDS Proxy, PostgreSQL and PgBouncer logged with the rules, and map each "
        "incident to the SQL that sends it or the connection that configures the library that does.",
    )
    logs.add_argument("logs", nargs="+", metavar="LOG", help="log files (gzip too); - reads stdin")
    logs.add_argument("--project", default=".", metavar="PATH", help="the project to map incidents to (default: .)")
    logs.add_argument(
        "--log-line-prefix", metavar="PREFIX",
        help="PostgreSQL's log_line_prefix, when the server log uses one pinlint does not recognise",
    )
    logs.add_argument(
        "--target", action="append", metavar="NAME", choices=_TARGET_CHOICES,
        help="pooler(s) the server's statements are judged for, repeatable (default: as for check)",
    )
    logs.add_argument("--dialect", choices=DIALECT_CHOICES, help="SQL dialect (default: auto)")
    logs.add_argument("--config", metavar="FILE", help="use this pinlint.toml or pyproject.toml")
    logs.add_argument("--isolated", action="store_true", help="ignore all configuration files")
    logs.add_argument(
        "--output-format", choices=LOG_FORMATS, default="full", metavar="FORMAT",
        help="full (default), json (a list of incidents), sarif or github (annotations on the mapped lines)",
    )
    logs.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are incidents")

    commands.add_parser(
        "server", help="run the Language Server (LSP over stdin and stdout) for editors",
        description="Serve pinlint's findings, rule docs, quick fixes and ignore actions to an editor over "
        "the Language Server Protocol on stdin and stdout. Needs the server extra: pip install 'pinlint-db[server]'.",
    )
    targets = commands.add_parser(
        "targets", help="show the poolers pinlint judges the project for, and why",
        description="Print the targets `pinlint check` uses for the project at PATH: those the configuration "
        "names, else those its files show (PgBouncer ini files, compose and Kubernetes images, Terraform and "
        "CloudFormation RDS Proxies, pooler hosts and ports in connection strings), with the evidence.",
    )
    targets.add_argument("path", nargs="?", default=".", metavar="PATH", help="the project (default: .)")
    targets.add_argument("--target", action="append", metavar="NAME", choices=_TARGET_CHOICES, help="as for check")
    targets.add_argument("--config", metavar="FILE", help="use this pinlint.toml or pyproject.toml")
    targets.add_argument("--isolated", action="store_true", help="ignore all configuration files")
    targets.add_argument("--output-format", choices=["full", "json"], default="full", metavar="FORMAT",
                         help="full (default) or json")

    rule = commands.add_parser("rule", help="explain a rule", description="Print a rule's documentation.")
    rule.add_argument("rule", nargs="?", metavar="CODE|NAME")
    listing = rule.add_mutually_exclusive_group()
    listing.add_argument("--all", action="store_true", help="every rule's documentation")
    listing.add_argument("--list", action="store_true", help="one line per rule: code, name and summary")
    rule.add_argument("--output-format", choices=["text", "json"], default="text")
    for command in commands.choices.values():  # a mistake after a command shows that command's usage
        command.set_defaults(usage_error=command.error)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    args, unrecognized = parser.parse_known_args(words)
    if unrecognized:
        before_command = words.index(unrecognized[0]) < words.index(args.command)
        (parser.error if before_command else args.usage_error)(f"unrecognized arguments: {' '.join(unrecognized)}")
    from pinlint.engine import forget_project_files

    forget_project_files()  # a run judges the files as they are now, even a second run in one process
    try:
        with _terminated_on_sigterm():
            if args.command == "rule":
                return _rule(args)
            if args.command == "logs":
                return _logs(args)
            if args.command == "server":
                return _server()
            if args.command == "targets":
                return _targets(args)
            return _check(args)
    except ConfigError as error:
        print(f"pinlint: error: {visible(str(error))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("pinlint: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except _Terminated:
        print("pinlint: terminated", file=sys.stderr)
        return EXIT_TERMINATED


class _Terminated(BaseException):
    """SIGTERM arrived: unwinding ends the worker processes, which a plain exit would leave. Not an
    `Exception`, which the engine catches per file to go on with the others."""


@contextmanager
def _terminated_on_sigterm():
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may handle signals
        return

    def terminate(signum, frame):
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _check(args: argparse.Namespace) -> int:
    from pinlint.config import resolve_settings
    from pinlint.engine import Report, default_jobs, lint_paths, lint_source
    from pinlint.output import writer

    raw_paths = args.paths or ["."]
    reading_stdin = raw_paths == ["-"]
    if "-" in raw_paths and not reading_stdin:
        raise ConfigError("- (stdin) cannot be combined with other paths")
    paths = [Path(p) for p in raw_paths if p != "-"]
    missing = [str(p) for p in paths if _missing(p)]
    if missing:
        raise ConfigError(f"no such file or directory: {', '.join(missing)}")

    cwd = Path.cwd()
    search = [Path(args.stdin_filename)] if args.stdin_filename else paths
    config = Path(args.config) if args.config else None
    settings = resolve_settings(search, cwd, _flag_options(args), "command line", config, args.isolated)
    if args.force_exclude:
        settings = _replace(settings, force_exclude=True)
    if args.no_respect_gitignore:
        settings = _replace(settings, respect_gitignore=False)
    # Both are read before any linting: a bad baseline or revision is a usage error, found at once.
    baseline = None
    if args.write_baseline:
        if args.changed_since:
            raise ConfigError("--write-baseline records every finding; it cannot be combined with --changed-since")
    elif args.baseline or settings.baseline:
        from pinlint.baseline import load_baseline

        baseline = load_baseline(Path(args.baseline) if args.baseline else settings.baseline)
    changed = None
    if args.changed_since:
        from pinlint.changed_lines import changed_lines
        from pinlint.config import common_directory

        changed = changed_lines(args.changed_since, common_directory(search, cwd))
    if args.add_noqa and (args.fix or args.diff):
        raise ConfigError("--add-noqa cannot be combined with --fix or --diff")
    if args.unsafe_fixes and not (args.fix or args.diff):
        raise ConfigError("--unsafe-fixes applies with --fix or --diff")
    if reading_stdin and (args.fix or args.diff or args.add_noqa):
        return _fix_stdin(args, settings)

    if reading_stdin:
        display = args.stdin_filename or "-"
        if args.stdin_filename and settings.force_exclude and _excluded(Path(display), settings):
            report = Report()
        else:
            is_python = None if args.stdin_filename else True
            data = sys.stdin.buffer.read()
            report = lint_source(data, display, settings, is_python)
            if not args.stdin_filename and _looks_like_sql(data, report):
                print("pinlint: hint: stdin is read as Python; name SQL with --stdin-filename (for example query.sql)", file=sys.stderr)
        report.linted = [display]
    else:
        cache = None if args.no_cache else _open_cache(args.cache_dir, settings, [cwd, *paths])
        jobs = args.jobs or default_jobs()
        report = lint_paths(paths, settings, cwd, jobs, cache)
        if args.fix or args.diff or args.add_noqa:
            exit_code = _fix_files(args, paths, settings, report, cwd)
            if args.diff or args.add_noqa:
                _save_cache(cache, cwd)
                return exit_code
            report = lint_paths(paths, settings, cwd, jobs, cache)  # what the fixes left
        _save_cache(cache, cwd)

    for warning in report.warnings:
        print(f"pinlint: warning: {visible(warning)}", file=sys.stderr)
    from pinlint.discovery import is_lintable

    for path in paths:
        if os.path.isfile(path) and not is_lintable(path):
            print(f"pinlint: warning: {visible(str(path))} is not one of the {_LINTED_FILES} pinlint lints", file=sys.stderr)
    for directory in report.empty_directories:
        print(f"pinlint: warning: no {_LINTED_FILES} to lint under {visible(str(directory))}", file=sys.stderr)
    if args.write_baseline:
        return _write_baseline(Path(args.write_baseline), report, cwd)
    left_out = []  # what the summary says was not shown, and why
    if baseline is not None:
        from pinlint.baseline import apply_baseline

        outcome = apply_baseline(baseline, report, cwd, report.linted)
        report.findings = outcome.new
        left_out.append(f"{_count(outcome.known, 'finding')} in the baseline not shown.")
        if outcome.stale:
            entries = "entry" if outcome.stale == 1 else "entries"
            left_out.append(f"{outcome.stale} baseline {entries} no longer found (--write-baseline updates it).")
    if args.sarif_output:
        # Before --changed-since: code scanning tells a change's new alerts itself, and would take
        # the findings left out as fixed.
        _write_sarif(args.sarif_output, writer("sarif")(report))
    if changed is not None:
        kept = [finding for finding in report.findings if changed.covers(finding, cwd)]
        hidden = len(report.findings) - len(kept)
        report.findings = kept
        left_out.append(f"{_count(hidden, 'finding')} on lines unchanged since {visible(args.changed_since)} not shown.")
    output_format = settings.output_format
    if args.statistics:
        _write(_statistics(report, output_format))
    else:
        _write(writer(output_format)(report))
        if output_format == "github":
            _write_step_summary(report)
    if output_format in ("full", "concise"):
        print(" ".join([_summary(report), *left_out, _targets_sentence(settings)]), file=sys.stderr)
    if report.findings and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _write_baseline(file: Path, report, cwd: Path) -> int:
    from pinlint.baseline import write_baseline

    try:
        count = write_baseline(file, report, cwd)
    except OSError as error:
        raise ConfigError(f"cannot write the baseline {visible(str(file))}: {error.strerror or error}") from None
    print(f"pinlint: recorded {_count(count, 'finding')} in {visible(str(file))}", file=sys.stderr)
    return EXIT_CLEAN


def _save_cache(cache, cwd: Path) -> None:
    if cache is None:
        return
    try:
        cache.save(cwd)
    except OSError as error:
        print(
            f"pinlint: warning: cannot write the cache in {visible(str(cache.directory))}: {error.strerror or error}",
            file=sys.stderr,
        )


def _fix_files(args: argparse.Namespace, paths: list[Path], settings: Settings, report, cwd: Path) -> int:
    """Fix (or diff, or suppress) the files with findings; for `--diff` and `--add-noqa`, the exit code."""
    from pinlint.discovery import Discovery
    from pinlint.fixes.files import add_noqa_file, fix_file

    discovery = Discovery(settings)
    files, displays = discovery.shown(discovery.files(paths), cwd)
    by_display: dict[str, list] = {}
    for finding in report.findings:
        by_display.setdefault(finding.path, []).append(finding)
    outcomes = []
    for path, display in zip(files, displays):
        if display not in by_display:
            continue
        if args.add_noqa:
            outcomes.append(add_noqa_file(path, display, by_display[display]))
        else:
            outcomes.append(fix_file(path, display, settings, args.unsafe_fixes, write=not args.diff))
    for outcome in outcomes:
        if outcome.warning:
            print(f"pinlint: warning: {visible(outcome.warning)}", file=sys.stderr)
    count = sum(o.fixes for o in outcomes)
    changed = sum(1 for o in outcomes if o.fixes)
    hidden = sum(o.hidden for o in outcomes)
    if args.add_noqa:
        print(f"Added {count} suppression{'s' * (count != 1)} in {changed} file{'s' * (changed != 1)}.", file=sys.stderr)
        return EXIT_CLEAN
    if args.diff:
        _write("".join(o.diff for o in outcomes))
        print(f"Would fix {count} finding{'s' * (count != 1)}{_hidden(hidden)}.", file=sys.stderr)
        return EXIT_FINDINGS if count else EXIT_CLEAN
    print(f"Fixed {count} finding{'s' * (count != 1)} in {changed} file{'s' * (changed != 1)}{_hidden(hidden)}.",
          file=sys.stderr)
    return EXIT_CLEAN


def _hidden(count: int) -> str:
    if not count:
        return ""
    return f" ({count} more fix{'es' * (count != 1)} with --unsafe-fixes)"


def _fix_stdin(args: argparse.Namespace, settings: Settings) -> int:
    """Fixes or suppressions of stdin's text: the result on stdout (a diff with `--diff`)."""
    from pinlint.engine import lint_text
    from pinlint.fixes import apply_edits
    from pinlint.fixes.files import Undecodable, decode, fix_text, unified_diff
    from pinlint.suppression_edits import line_suppressions

    display = args.stdin_filename or "-"
    is_python = display == "-" or display.endswith((".py", ".pyi"))
    shown = display if display != "-" else "stdin.py"
    data = sys.stdin.buffer.read()
    try:
        text, _, _ = decode(data, is_python)
    except Undecodable as error:
        raise ConfigError(f"cannot decode stdin: {error}") from error
    if args.add_noqa:
        findings = lint_text(text, shown, settings, is_python).findings
        sys.stdout.write(apply_edits(text, line_suppressions(text, shown, is_python, findings)))
        return EXIT_CLEAN
    fixed = fix_text(text, shown, settings, args.unsafe_fixes)
    if args.diff:
        _write(unified_diff(text, fixed.text, display))
        return EXIT_FINDINGS if fixed.text != text else EXIT_CLEAN
    sys.stdout.write(fixed.text)
    remaining = lint_text(fixed.text, shown, settings, is_python).findings
    return EXIT_FINDINGS if remaining and not args.exit_zero else EXIT_CLEAN


def _logs(args: argparse.Namespace) -> int:
    from pinlint.config import resolve_settings
    from pinlint.logs.classify import Judge, tally
    from pinlint.logs.mapping import CodeIndex, lint_project, map_to_code
    from pinlint.logs.readers import read_logs
    from pinlint.logs.report import render, summary

    if "-" in args.logs and len(args.logs) > 1:
        raise ConfigError("- (stdin) cannot be combined with other logs")
    missing = [log for log in [*args.logs, args.project] if log != "-" and _missing(Path(log))]
    if missing:
        raise ConfigError(f"no such file or directory: {', '.join(missing)}")
    project, cwd = Path(args.project), Path.cwd()
    options: dict = {}
    if args.target:
        options["targets"] = list(dict.fromkeys(args.target))
    if args.dialect is not None:
        options["dialect"] = args.dialect
    config = Path(args.config) if args.config else None
    settings = resolve_settings([project], cwd, options, "command line", config, args.isolated)

    judge = Judge(settings.targets, settings.dialect, settings.min_confidence)
    problems: list = []
    try:
        tallies = tally(read_logs(args.logs, args.log_line_prefix, problems, skim=settings.dialect), judge)
    except OSError as error:
        raise ConfigError(f"cannot read {error.filename or 'the log'}: {error.strerror or error}") from error
    for problem in problems:  # what a reader skipped or repaired: the rest was read all the same
        print(f"pinlint: warning: {visible(str(problem))}", file=sys.stderr)
    report = lint_project(project, settings, cwd)
    for warning in report.warnings:
        print(f"pinlint: warning: {visible(warning)}", file=sys.stderr)
    incidents = map_to_code(tallies, CodeIndex(report))
    _write(render(incidents, args.output_format))
    if args.output_format == "full":
        print(summary(incidents), file=sys.stderr)
    return EXIT_FINDINGS if incidents and not args.exit_zero else EXIT_CLEAN


def _server() -> int:
    try:
        from pinlint.server.lsp import serve
    except ImportError as error:
        raise ConfigError(f"pinlint server needs pygls ({error}): pip install 'pinlint-db[server]'") from None
    serve()
    return EXIT_CLEAN


def _targets(args: argparse.Namespace) -> int:
    from pinlint.config import resolve_settings
    from pinlint.targets import MEANING

    if _missing(Path(args.path)):
        raise ConfigError(f"no such file or directory: {args.path}")
    options: dict = {"targets": list(dict.fromkeys(args.target))} if args.target else {}
    config = Path(args.config) if args.config else None
    settings = resolve_settings([Path(args.path)], Path.cwd(), options, "command line", config, args.isolated)
    deployment = settings.deployment
    assert deployment is not None  # resolve_settings always says where the targets come from
    if args.output_format == "json":
        data = {
            "targets": [t.value for t in settings.targets],
            "evidence": [
                {"target": s.target.value if s.target else None, "filename": s.filename, "row": s.row, "reason": s.reason}
                for s in deployment.evidence
            ],
        }
        _write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return EXIT_CLEAN
    width = max(len(t.value) for t in settings.targets)
    lines = [f"Targets ({_SOURCES[deployment.source]}):"]
    lines += [f"  {t.value:<{width}}  {MEANING[t]}" for t in settings.targets]
    if deployment.tracked:
        lines.append(f"PgBouncer also restores per client: {', '.join(sorted(deployment.tracked))} (track_extra_parameters)")
    if deployment.evidence:
        lines.append("Evidence:")
        lines += [
            visible(f"  {s.filename}:{s.row}: {s.target.value if s.target else 'no target'}: {s.reason}")
            for s in deployment.evidence
        ]
    elif deployment.source == "default":
        lines.append("No file of the project shows a pooler: name the targets with `targets = [...]` in [tool.pinlint].")
    lines += [visible(f"Note: {note}") for note in deployment.notes]
    _write("\n".join(lines) + "\n")
    return EXIT_CLEAN


_SOURCES = {
    "inferred": "inferred from the project's files",
    "default": "the default: nothing in the project shows a pooler",
    "configured": "named by the configuration",
}


def _targets_sentence(settings: Settings) -> str:
    """The targets the findings were judged for, and where they came from."""
    names = ", ".join(t.value for t in settings.targets)
    deployment = settings.deployment
    if deployment is None or deployment.source == "configured":
        return f"Targets: {names}."
    if deployment.source == "default":
        return f"Targets: {names} (default; no pooler found in the project)."
    files = len({s.filename for s in deployment.evidence if s.target is not None})
    return f"Targets: {names} (inferred from {files} file{'s' * (files != 1)}; see `pinlint targets`)."


def _write(text: str) -> None:
    """Print ``text`` with what stdout's encoding cannot carry (a lone surrogate from a Python
    string, a character a non-UTF-8 console lacks) as a backslash escape, instead of losing the
    whole report to an encoding error; in a JSON string, `\\udXXX` means the character itself."""
    encoding = sys.stdout.encoding or "utf-8"
    sys.stdout.write(text.encode(encoding, "backslashreplace").decode(encoding))


def _write_sarif(path: str, text: str) -> None:
    """``text`` into ``path``, with what UTF-8 cannot carry escaped as `_write` does."""
    try:
        with open(path, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(text)
    except OSError as error:
        raise ConfigError(f"--sarif-output {path}: cannot write it: {error.strerror or error}") from error


def _open_cache(directory: str | None, settings: Settings, linted: list[Path]):
    """The cache, or None when its directory cannot be used: a usage error for `--cache-dir`, a
    warning for the default one (which comes with the tree, and must not stop the run)."""
    from pinlint.cache import DEFAULT_DIRECTORY, Cache, refusal

    if directory:
        chosen = Path(directory)
    else:
        root = settings.root if settings.config_file is not None else _project_root(Path.cwd())
        if root is None:
            return None  # not in a project: nowhere a cache belongs
        chosen = root / DEFAULT_DIRECTORY
    reason = refusal(chosen, [settings.root, *(p for p in linted if os.path.isdir(p))])
    if reason is None:
        return Cache(chosen, settings)
    if directory:
        raise ConfigError(f"--cache-dir {directory}: {reason}")
    print(f"pinlint: warning: not using the cache in {chosen}: {reason}", file=sys.stderr)
    return None


# What marks a project's root directory when no configuration file does.
_PROJECT_MARKERS = (".git", ".hg", "pyproject.toml", "setup.py", "setup.cfg")


def _project_root(start: Path) -> Path | None:
    """The nearest directory at or above ``start`` with a project marker, or None."""
    for directory in (start, *start.parents):
        if any(os.path.lexists(directory / marker) for marker in _PROJECT_MARKERS):
            return directory
    return None


def _missing(path: Path) -> bool:
    """Whether ``path`` does not exist. One that cannot be looked at (inside a directory pinlint
    may not enter, or a link loop) is linted, and its PIN900 says why it cannot be read."""
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return False


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _write_step_summary(report) -> None:
    """GitHub annotates only 10 findings per level and step; the job summary lists them all."""
    from pinlint.output.github import step_summary

    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary_file:
        return
    try:
        with open(summary_file, "a", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(step_summary(report) + "\n")
    except OSError as error:
        print(
            f"pinlint: warning: cannot write the job summary to {visible(summary_file)}: {error.strerror or error}",
            file=sys.stderr,
        )


def _flag_options(args: argparse.Namespace) -> dict:
    options: dict = {}
    for flag in ("select", "extend_select", "ignore", "exclude", "extend_exclude"):
        values = getattr(args, flag)
        if values is None:
            continue
        items = [v.strip() for value in values for v in value.split(",")]
        if flag in ("select", "extend_select", "ignore") and "" in items:
            # As in ruff: `--select ''` is a mistake (an unset variable), not a way to turn every rule off.
            shown = ", ".join(repr(value) for value in values)
            raise ConfigError(
                f"--{flag.replace('_', '-')} {shown}: empty rule selector "
                "(use a code like PIN101, a prefix like PIN1, a rule name, or ALL)"
            )
        options[flag.replace("_", "-")] = [item for item in items if item]
    if args.target:
        options["targets"] = list(dict.fromkeys(args.target))
    for flag in ("dialect", "min_confidence", "output_format"):
        if getattr(args, flag) is not None:
            options[flag.replace("_", "-")] = getattr(args, flag)
    return options


def _replace(settings: Settings, **changes) -> Settings:
    from dataclasses import replace

    return replace(settings, **changes)


def _excluded(path: Path, settings: Settings) -> bool:
    from pinlint.discovery import Discovery

    return Discovery(settings).is_excluded(path)


def _statistics(report, output_format: str) -> str:
    from pinlint.rules import BY_CODE

    counts = Counter(f.code for f in report.findings)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if output_format in ("json", "json-lines"):
        data = [{"code": code, "name": BY_CODE[code].name, "count": count} for code, count in rows]
        return json.dumps(data, indent=2) + "\n"
    width = max((len(str(count)) for _, count in rows), default=1)
    return "".join(f"{count:>{width}}\t{code}\t{BY_CODE[code].name}\n" for code, count in rows)


# A first word of SQL a Python module cannot start with (a Python `select = ...` has no space-led name after it).
_SQL_START = re.compile(
    r"(?:\s|--[^\n]*(?:\n|$))*(?:select|insert|update|delete|with|set|create|alter|drop|begin|prepare|listen|"
    r"grant|truncate|copy|do|declare|lock|reset|discard|show|explain|vacuum|analyze)\s+[\w*(\"']",
    re.IGNORECASE,
)


def _looks_like_sql(data: bytes, report) -> bool:
    """Whether stdin read as Python failed to parse and starts like SQL: a hint that it was."""
    from pinlint.rules import UNPARSABLE_FILE

    if not any(finding.code == UNPARSABLE_FILE.code for finding in report.findings):
        return False
    return _SQL_START.match(data[:4096].decode("utf-8", "replace")) is not None


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' * (number != 1)}"


def _summary(report) -> str:
    if not report.findings:
        return "All checks passed."
    errors = sum(1 for f in report.findings if f.severity.value == "error")
    warnings = len(report.findings) - errors
    noun = "finding" if len(report.findings) == 1 else "findings"
    files = len({f.path for f in report.findings})
    return (
        f"Found {len(report.findings)} {noun} ({errors} error{'s' * (errors != 1)}, "
        f"{warnings} warning{'s' * (warnings != 1)}) in {files} file{'s' * (files != 1)}."
    )


def _rule(args: argparse.Namespace) -> int:
    from pinlint.rules import ALL_RULES, lookup

    if args.rule and (args.all or args.list):
        args.usage_error(f"give a CODE or NAME, or --{'all' if args.all else 'list'}, not both")
    if args.all or args.list:
        rules = list(ALL_RULES)
    elif args.rule:
        rule = lookup(args.rule)
        if rule is None:
            raise ConfigError(f"unknown rule {visible(repr(args.rule))}; `pinlint rule --list` lists them")
        rules = [rule]
    else:
        args.usage_error("give a CODE or NAME, or --list or --all")
    if args.list and args.output_format == "text":
        width = max(len(r.name) for r in rules)
        _write("".join(f"{r.code}  {r.name:<{width}}  {r.summary}\n" for r in rules))
    elif args.output_format == "json":
        data = [{"code": r.code, "name": r.name, "summary": r.summary, "explanation": r.doc} for r in rules]
        if args.list:
            data = [{key: item[key] for key in ("code", "name", "summary")} for item in data]
        _write(json.dumps(data if args.all or args.list else data[0], indent=2, ensure_ascii=False) + "\n")
    else:
        _write("\n".join(r.doc.rstrip("\n") + "\n" for r in rules))
    return EXIT_CLEAN
