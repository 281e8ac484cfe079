"""`pinlint check`, `pinlint logs` and `pinlint rule`: a thin front end over the engine."""

from __future__ import annotations

import argparse
import json
import os
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
EXIT_INTERRUPTED, EXIT_TERMINATED = 128 + signal.SIGINT, 128 + signal.SIGTERM  # as a shell reports them

_CHECK_EPILOG = """\
exit codes: 0 no findings, 1 findings, 2 usage or configuration error, 130 interrupted (Ctrl-C),
143 terminated (SIGTERM).
Settings come from [tool.pinlint] in the nearest pinlint.toml or pyproject.toml;
flags override them. Explain a rule with `pinlint rule PIN101`.
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
        description="Lint .py and .sql files; directories are walked, honouring .gitignore and excludes.",
    )
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .); - reads stdin")
    selection = check.add_argument_group("rule selection (codes like PIN101, prefixes like PIN1, or names)")
    selection.add_argument("--select", action="append", metavar="RULES", help="only these rules (default: all)")
    selection.add_argument("--extend-select", action="append", metavar="RULES", help="add to the selection")
    selection.add_argument("--ignore", action="append", metavar="RULES", help="leave these rules out")
    context = check.add_argument_group("what the code runs behind")
    context.add_argument(
        "--target", action="append", metavar="NAME", choices=[t.value for t in Target],
        help="pooler(s) the project runs behind, repeatable: rds-proxy, pgbouncer, pgbouncer-legacy "
        "(default: rds-proxy and pgbouncer)",
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
        help="where to keep it (default: .pinlint_cache next to the configuration file, or in the current directory)",
    )
    caching.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    output = check.add_argument_group("output")
    output.add_argument(
        "--output-format", choices=OUTPUT_FORMATS, metavar="FORMAT",
        help="full (default: code frame and fix), concise (flake8-style lines), json, json-lines, "
        "github (workflow-command annotations; writes $GITHUB_STEP_SUMMARY when set), sarif (2.1.0, code "
        "scanning) or gitlab (Code Quality)",
    )
    output.add_argument(
        "--sarif-output", metavar="FILE",
        help="also write the findings as SARIF to FILE (one run for annotations and code scanning)",
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
        "--target", action="append", metavar="NAME", choices=[t.value for t in Target],
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

    rule = commands.add_parser("rule", help="explain a rule", description="Print a rule's documentation.")
    rule.add_argument("rule", nargs="?", metavar="CODE|NAME")
    rule.add_argument("--all", action="store_true", help="every rule")
    rule.add_argument("--output-format", choices=["text", "json"], default="text")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with _terminated_on_sigterm():
            if args.command == "rule":
                return _rule(args, parser)
            if args.command == "logs":
                return _logs(args)
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

    if reading_stdin:
        display = args.stdin_filename or "-"
        if args.stdin_filename and settings.force_exclude and _excluded(Path(display), settings):
            report = Report()
        else:
            is_python = None if args.stdin_filename else True
            report = lint_source(sys.stdin.buffer.read(), display, settings, is_python)
    else:
        cache = None if args.no_cache else _open_cache(args.cache_dir, settings, [cwd, *paths])
        report = lint_paths(paths, settings, cwd, args.jobs or default_jobs(), cache)
        if cache is not None:
            try:
                cache.save(cwd)
            except OSError as error:
                print(
                    f"pinlint: warning: cannot write the cache in {visible(str(cache.directory))}: {error.strerror or error}",
                    file=sys.stderr,
                )

    for warning in report.warnings:
        print(f"pinlint: warning: {visible(warning)}", file=sys.stderr)
    for directory in report.empty_directories:
        print(f"pinlint: warning: no .py or .sql files to lint under {visible(str(directory))}", file=sys.stderr)
    output_format = settings.output_format
    if args.sarif_output:
        _write_sarif(args.sarif_output, writer("sarif")(report))
    if args.statistics:
        _write(_statistics(report, output_format))
    else:
        _write(writer(output_format)(report))
        if output_format == "github":
            _write_step_summary(report)
    if output_format in ("full", "concise"):
        print(_summary(report), file=sys.stderr)
    if report.findings and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


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
    try:
        tallies = tally(read_logs(args.logs, args.log_line_prefix), judge)
    except OSError as error:
        raise ConfigError(f"cannot read {error.filename or 'the log'}: {error.strerror or error}") from error
    report = lint_project(project, settings, cwd)
    for warning in report.warnings:
        print(f"pinlint: warning: {visible(warning)}", file=sys.stderr)
    incidents = map_to_code(tallies, CodeIndex(report))
    _write(render(incidents, args.output_format))
    if args.output_format == "full":
        print(summary(incidents), file=sys.stderr)
    return EXIT_FINDINGS if incidents and not args.exit_zero else EXIT_CLEAN


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

    chosen = Path(directory) if directory else settings.root / DEFAULT_DIRECTORY
    reason = refusal(chosen, [settings.root, *(p for p in linted if os.path.isdir(p))])
    if reason is None:
        return Cache(chosen, settings)
    if directory:
        raise ConfigError(f"--cache-dir {directory}: {reason}")
    print(f"pinlint: warning: not using the cache in {chosen}: {reason}", file=sys.stderr)
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


def _rule(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from pinlint.rules import ALL_RULES, lookup

    if args.all:
        rules = list(ALL_RULES)
    elif args.rule:
        rule = lookup(args.rule)
        if rule is None:
            raise ConfigError(f"unknown rule {args.rule!r}; `pinlint rule --all` lists them")
        rules = [rule]
    else:
        parser.error("rule: give a CODE or NAME, or --all")
    if args.output_format == "json":
        data = [{"code": r.code, "name": r.name, "summary": r.summary, "explanation": r.doc} for r in rules]
        _write(json.dumps(data if args.all else data[0], indent=2, ensure_ascii=False) + "\n")
    else:
        _write("\n".join(r.doc.rstrip("\n") + "\n" for r in rules))
    return EXIT_CLEAN
