"""The one engine behind every front end: files in, all rules in one pass, sorted findings out."""

from __future__ import annotations

import ast
import codecs
import gc
import io
import os
import tokenize
from contextlib import contextmanager
from functools import lru_cache
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple


from pinlint.diagnostics import Confidence, Evidence, Finding, Hit, Severity
from pinlint.discovery import PYTHON_SUFFIXES, TERRAFORM_SUFFIXES, Discovery
from pinlint.globs import GitIgnore
from pinlint.reading import read_regular_file, source_lines
from pinlint.rules import BY_CODE, LINT_RULES, UNPARSABLE_FILE, UNUSED_SUPPRESSION
from pinlint.sent import SentConnection, SentSql, sent_connection
from pinlint.settings import Settings, select_codes
from pinlint.connections.files import config_format
from pinlint.suppression import Coverage, Suppression, config_suppressions, python_suppressions
from pinlint.targets import Consequence, Target, tracked_elsewhere

if TYPE_CHECKING:
    from pinlint.cache import Cache

MAX_FILE_BYTES = 8 * 1024 * 1024
# The full analysis (libcst's tree and the walk over it) of Python with a query every five lines
# peaks at about 650 MB per MiB of source, and on a busy 2-core machine took 2 minutes per MiB,
# linearly. Hand-written modules stay far below the limit (Django's largest is 0.1 MiB; large
# migrations a few hundred KiB), and generated ones that reach megabytes (protobuf modules) never
# need the full analysis. It also bounds how deep libcst must recurse (`pinlint.python.deep`).
MAX_ANALYSED_CHARACTERS = 1024 * 1024
_TARGET_ORDER = list(Target)


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    sources: dict[str, list[str]] = field(default_factory=dict)  # lines of files with findings
    files: int = 0
    linted: list[str] = field(default_factory=list)  # the shown paths of the files linted
    empty_directories: list[Path] = field(default_factory=list)  # named, but nothing to lint there
    warnings: list[str] = field(default_factory=list)  # what the walk had to skip, and why
    # What a cache entry depends on, as path strings: a report crosses from a worker process, and
    # rebuilding thousands of `Path`s there costs the parent more than linting small files.
    # Directories whose Django settings the findings were read from.
    django_settings_of: list[str] = field(default_factory=list)
    # Project modules whose wrappers the file's calls were judged by.
    project_modules_of: list[str] = field(default_factory=list)
    # Directories whose project's declared Python judged syntax Python refused.
    project_python_of: list[str] = field(default_factory=list)
    # Directories whose project files told the dialect of the file's SQL.
    dialect_project_of: list[str] = field(default_factory=list)
    # Directories whose project's lock files and pins told a rule a driver's version.
    versions_project_of: list[str] = field(default_factory=list)
    cacheable: bool = True  # False when pinlint failed or could not read the file
    # With `Settings.collect_sent` (never cached): what the files can send, and where.
    sent_sql: list[SentSql] = field(default_factory=list)
    sent_connections: list[SentConnection] = field(default_factory=list)
    # With `lint_text(..., fixing=True)`: each finding's hit as the analysis placed it, for `pinlint.fixes`.
    origins: dict[Finding, object] = field(default_factory=dict)


@dataclass(frozen=True)
class _Placed:
    hit: Hit
    row: int
    col: int
    end_row: int
    end_col: int
    # When fixing: what the analysis knows of where the hit is (`PlacedHit` for Python).
    origin: object = field(default=None, compare=False)


# A process pool costs about as much to start as linting a few dozen small files.
PARALLEL_MIN_FILES = 32
# Linting is all computation: processes beyond the CPUs only cost memory and start-up time.
MAX_JOBS_PER_CPU = 2


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def lint_paths(
    paths: list[Path], settings: Settings, display_root: Path | None = None, jobs: int = 1, cache: Cache | None = None
) -> Report:
    """Lint every file under ``paths``; with ``jobs`` > 1 and enough files, in that many
    processes. Files whose report ``cache`` holds are not linted again. The report is the same
    either way: findings are sorted once all are in."""
    report = Report()
    discovery = Discovery(settings)
    files, displays = discovery.shown(discovery.files(paths), display_root or Path.cwd())
    report.linted = displays
    report.empty_directories = discovery.empty_directories
    report.warnings = discovery.warnings
    results: list[Report | None] = [None] * len(files)
    contents: dict[int, tuple[bytes, str]] = {}
    if cache is not None:
        for index, path in enumerate(files):
            try:
                data = read_regular_file(path, MAX_FILE_BYTES)
            except OSError:
                continue  # linting it reports why
            digest = cache.digest(data)
            results[index] = cache.get(displays[index], digest)
            contents[index] = (data, digest)
    todo = [index for index, result in enumerate(results) if result is None]
    jobs = min(jobs, len(todo), MAX_JOBS_PER_CPU * default_jobs())
    parallel = jobs > 1 and len(todo) >= PARALLEL_MIN_FILES
    if parallel:
        # Largest first, in small chunks: the few files that need the full analysis are mostly
        # large ones, and a worker that draws them last keeps the whole run waiting.
        todo.sort(key=lambda i: -(len(contents[i][0]) if i in contents else _size(files[i])))
    arguments = (
        [files[i] for i in todo], [displays[i] for i in todo], [settings] * len(todo),
        [contents[i][0] if i in contents else None for i in todo],
    )
    if parallel:
        from pinlint.workers import run_in_workers

        chunk = max(1, len(todo) // (jobs * 32))
        linted = run_in_workers(_lint_file, list(zip(*arguments)), jobs, chunk, _crashed)
    else:
        linted = list(map(_lint_file, *arguments))
    for index, result in zip(todo, linted):
        results[index] = result
        if cache is not None and index in contents and result.cacheable:
            cache.put(displays[index], contents[index][1], result)
    for result in results:
        _merge(report, result)  # type: ignore[arg-type]
    report.findings.sort(key=Finding.sort_key)
    return report


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # linting it reports why


def _lint_file(path: Path, display: str, settings: Settings, data: bytes | None = None) -> Report:
    if data is None:
        try:
            data = read_regular_file(path, MAX_FILE_BYTES)
        except OSError as error:
            report = Report(files=1, cacheable=False)
            _report_unparsable(report, display, f"cannot read the file: {error.strerror or error}", settings)
            return report
    try:
        return lint_source(data, display, settings, path=path)
    except Exception as error:  # a bug of ours must not stop the other files
        return failed(display, error, settings)


def failed(display: str, error: Exception, settings: Settings) -> Report:
    """The report of a file pinlint failed on (a bug of ours): a PIN900 finding that says so."""
    report = Report(files=1, cacheable=False)
    _report_unparsable(report, display, f"pinlint failed on this file ({type(error).__name__}: {error}); please report it", settings)
    return report


def _crashed(task: tuple, why: str) -> Report:
    """The report of a file whose worker process died linting it."""
    _, display, settings, _ = task
    report = Report(files=1, cacheable=False)
    _report_unparsable(report, display, f"pinlint crashed while linting this file ({why}); please report it", settings)
    return report


def lint_source(
    data: bytes, display: str, settings: Settings, is_python: bool | None = None, path: Path | None = None
) -> Report:
    """Lint one file's bytes; ``display`` is the name findings carry and, by default, decides
    whether the bytes are Python, SQL or a config file. ``path``, when the bytes come from a file,
    lets project-wide facts (Django settings) be looked up around it."""
    if is_python is None:
        is_python = display.endswith(PYTHON_SUFFIXES)
    report = Report(files=1)
    if len(data) > MAX_FILE_BYTES:
        _report_unparsable(report, display, f"the file is larger than {MAX_FILE_BYTES // 2**20} MiB; not linted", settings)
        return report
    if b"\0" in data[:8192] and not data.startswith(_WIDE_BOMS):
        _report_unparsable(report, display, "the file is binary (it contains NUL bytes); not linted", settings)
        return report
    try:
        text = _decode(data, is_python)
    except (UnicodeDecodeError, SyntaxError, LookupError) as error:
        reason = error.reason if isinstance(error, UnicodeDecodeError) else str(error)
        _report_unparsable(report, display, f"cannot decode the file: {reason}", settings)
        return report
    return lint_text(text, display, settings, is_python, path)


def lint_text(
    text: str, display: str, settings: Settings, is_python: bool, path: Path | None = None, fixing: bool = False
) -> Report:
    """Lint decoded text (what a host such as flake8 has already read); see `lint_source`.
    ``fixing``: also keep where each finding's hit is (`Report.origins`)."""
    with _cycle_collection_paused():
        return _lint_text(text, display, settings, is_python, path, fixing)


@contextmanager
def _cycle_collection_paused():
    """A file's syntax trees are hundreds of thousands of objects that die by reference count,
    and the cycle collector would scan them over and over while they are built: a third of a
    cold run's time. Cycles made meanwhile are collected once it resumes."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _lint_text(text: str, display: str, settings: Settings, is_python: bool, path: Path | None, fixing: bool = False) -> Report:
    report = Report(files=1)
    config = None if is_python else config_format(display)
    enabled = _enabled_for(display, settings)
    rules = [rule for rule in LINT_RULES if rule.code in enabled]
    collecting = report if settings.collect_sent else None  # where what the file can send is kept
    if is_python:
        placed, suppressions, error = _python(text, rules, settings, display, path, report, fixing)
        if error is not None:
            _report_unparsable(report, display, error.message, settings, error.row, error.col, error.uncertain)
            report.sources[display] = source_lines(text)
            return report
    elif config is not None or display.endswith(TERRAFORM_SUFFIXES):
        versions = _project_versions(path, report)
        placed = _config(text, config, rules, display, collecting, settings, versions)
        suppressions = config_suppressions(text)
    else:
        placed, suppressions = _sql(
            text, rules, settings, lambda: _project_dialect(path, display, report), display, collecting
        )
    # Line suppressions first, so a file-level one is only marked used for what they left.
    line_level = Coverage([s for s in suppressions if not s.file_level])
    kept = [p for p in placed if not line_level.covers(p.hit.code, p.row)]
    file_level = Coverage([s for s in suppressions if s.file_level])
    kept = [p for p in kept if not file_level.covers(p.hit.code, p.row)]
    findings = []
    for p in kept:
        finding = _finding(display, p, settings)
        if finding is not None:
            findings.append(finding)
            if fixing:
                report.origins[finding] = p.origin
    findings.extend(_unused_suppressions(display, suppressions, enabled))
    report.findings = sorted(findings, key=Finding.sort_key)
    if report.findings:
        report.sources[display] = source_lines(text)
    return report


def _merge(report: Report, other: Report) -> None:
    report.findings.extend(other.findings)
    report.sources.update(other.sources)
    report.files += other.files
    report.sent_sql.extend(other.sent_sql)
    report.sent_connections.extend(other.sent_connections)


# Byte order marks of the encodings whose text is full of NUL bytes (UTF-32's first, since
# UTF-32-LE's starts with UTF-16-LE's): editors on Windows save SQL scripts as UTF-16.
_WIDE_ENCODINGS = {
    codecs.BOM_UTF32_LE: "utf-32", codecs.BOM_UTF32_BE: "utf-32", codecs.BOM_UTF16_LE: "utf-16", codecs.BOM_UTF16_BE: "utf-16",
}
_WIDE_BOMS = tuple(_WIDE_ENCODINGS)


def _decode(data: bytes, is_python: bool) -> str:
    """The file's text: by its byte order mark when it has a UTF-16 or UTF-32 one (the codec drops
    it), else by Python's rules for Python and as UTF-8 for the rest."""
    for bom, encoding in _WIDE_ENCODINGS.items():
        if data.startswith(bom):
            return data.decode(encoding)
    if is_python:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    return data.decode("utf-8-sig")


def _enabled_for(display: str, settings: Settings) -> frozenset[str]:
    enabled = settings.enabled_codes()
    for pattern, selectors in settings.per_file_ignores:
        spec = _pattern(pattern)
        if spec.match(display, False) or spec.match(Path(display).name, False):
            enabled = enabled - select_codes(selectors, ())
    return enabled


@lru_cache(maxsize=None)
def _pattern(pattern: str) -> GitIgnore:
    return GitIgnore.from_lines([pattern])


def _python(text: str, rules, settings: Settings, display: str, path: Path | None, report: Report, fixing: bool = False):
    from pinlint.python.first_pass import check_python, needs_full_analysis, parse_python
    from pinlint.python.project_index import ProjectModules

    django_settings_of = report.django_settings_of
    modules = ProjectModules(path, text)

    parsed: list[ast.Module] = []

    def refused(error: SyntaxError):
        from pinlint.python.newer_syntax import judge

        return judge(text, error, project_python)

    def project_python():
        from pinlint.project_python import ProjectPython, project_python

        if path is None:
            return ProjectPython()
        directory = str(path.parent)
        if directory not in report.project_python_of:
            report.project_python_of.append(directory)
        return project_python(path.parent)

    def tree() -> ast.Module:
        parsed.append(_judged(parse_python, text, refused))
        return parsed[0]

    def project() -> bool | None:
        """Whether the project's Django settings keep server-side cursors."""
        if path is None:
            return None
        from pinlint.python.project import django_server_side_cursors, django_settings_files

        directory = str(path.parent)
        if directory not in django_settings_of:
            django_settings_of.append(directory)
        return django_server_side_cursors(django_settings_files(path.parent))

    newer = None  # libcst's tree of syntax newer than the running Python, which Python cannot parse
    try:
        try:
            full = not settings.first_pass or needs_full_analysis(
                text, display, settings.dialect, tree, project, modules.calls_wrapper
            )
        except _NewerSyntax as readable:
            full, newer = True, readable.module  # its strings cannot be looked at in Python's tree
        finally:
            report.project_modules_of.extend(map(str, modules.consulted))
        if full and len(text) > MAX_ANALYSED_CHARACTERS:
            # Before Python's check too, which takes about as much time and memory as libcst.
            size, limit = len(text) / 2**20, MAX_ANALYSED_CHARACTERS // 2**20
            message = f"the file is too large to analyse ({size:.1f} MiB; database code in Python files is analysed up to {limit} MiB)"
            return [], [], _Unparsable(1, 1, message)
        if not parsed and newer is None:
            _judged(check_python, text, refused)
    except _Rejected as rejected:
        # Reported wherever Python refuses the source, unless it is only older than the source
        # (libcst's native parser can overflow the C stack on some of what Python refuses).
        return [], [], _Unparsable(*rejected.args)
    except _NewerSyntax as readable:
        newer = readable.module
    if not full:
        return [], [], None
    import libcst as cst

    from pinlint.python.analyze import analyze_python
    from pinlint.python.deep import on_large_stack, split_long_concatenations

    dialect = None if settings.dialect == "auto" else settings.dialect

    def analysed(source: str | cst.Module):
        try:
            module = source if isinstance(source, cst.Module) else cst.parse_module(source)
            return analyze_python(
                module, rules, dialect, display, project, modules, lambda: _project_dialect(path, display, report),
                settings.collect_sent, _project_versions(path, report), fixing,
            )
        finally:
            report.project_modules_of.extend(m for m in map(str, modules.consulted) if m not in report.project_modules_of)

    try:
        try:
            analysis = on_large_stack(analysed, text if newer is None else newer)
        except cst.ParserSyntaxError:
            split = split_long_concatenations(text)
            if split == text:
                raise
            analysis = on_large_stack(analysed, split)
    except cst.ParserSyntaxError as error:
        return [], [], _syntax_error(error)
    except (RecursionError, MemoryError):
        return [], [], _TOO_DEEP
    placed = [_Placed(p.hit, p.row, p.col, p.end_row, p.end_col, p if fixing else None) for p in analysis.hits]
    report.sent_sql.extend(analysis.sent_sql)
    report.sent_connections.extend(analysis.sent_connections)
    return placed, python_suppressions(text) + analysis.sql_suppressions, None


def _project_dialect(path: Path | None, display: str, report: Report) -> tuple[str | None, tuple[Evidence, ...]]:
    """The dialect the project around the file names (None: undecided), with its evidence."""
    if path is None:
        return None, ()
    from pinlint.python.project_dialect import project_dialect, project_dialect_files

    report.dialect_project_of.append(str(path.parent))
    dialect, evidence = project_dialect(project_dialect_files(path.parent))
    return dialect, tuple(replace(e, path=_shown_beside(e.path, path, display)) for e in evidence)


def _project_versions(path: Path | None, report: Report):
    """The versions of drivers and frameworks the project around the file installs, read when a
    rule first asks (`pinlint.project_versions`)."""
    from pinlint.project_versions import NO_VERSIONS, LazyVersions, project_versions

    if path is None:
        return NO_VERSIONS

    def load():
        report.versions_project_of.append(str(path.parent))
        return project_versions(path.parent)

    return LazyVersions(load)


def _shown_beside(other: str | None, path: Path, display: str) -> str | None:
    """``other``, a file of the project, as a path beside ``display``, the file's shown path
    (`mysite/settings.py` for `app/views.py`): the project's layout, never where it lies."""
    if other is None:
        return None
    try:
        relative = os.path.relpath(other, path.resolve().parent)
    except ValueError:  # another drive
        return Path(other).as_posix()
    return Path(os.path.normpath(os.path.join(os.path.dirname(display), relative))).as_posix()


class _Unparsable(NamedTuple):
    """Why a Python file was not analysed, and where. ``uncertain``: whether the file is broken
    cannot be told (its syntax is newer than any pinlint reads)."""

    row: int
    col: int
    message: str
    uncertain: bool = False


_TOO_DEEP = _Unparsable(1, 1, "the file is nested too deeply to parse")  # for Python's parser or libcst's


class _Rejected(Exception):
    """The source is not analysed: the fields of its `_Unparsable`."""


class _NewerSyntax(Exception):
    """Python refuses the source only because it is older than the source, and the project
    supports a Python that reads it: ``module`` is libcst's tree of it."""

    def __init__(self, module) -> None:
        super().__init__()
        self.module = module


def _judged(parse, text: str, refused):
    """``parse(text)``, with Python's refusal of the source (and only that) as `_Rejected`, and
    a source Python would take too long to parse rejected before it tries. ``refused`` judges
    a `SyntaxError` by the project's Python (`pinlint.python.newer_syntax.judge`); a source only
    newer than the running Python is `_NewerSyntax`."""
    from pinlint.python.fstrings import crowded_fstring

    if (crowded := crowded_fstring(text)) is not None:
        offset, fields = crowded
        row = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        raise _Rejected(row, column, f"an f-string with {fields:,} replacement fields is too large to analyse")
    try:
        return parse(text)
    except SyntaxError as error:
        from pinlint.python.newer_syntax import Readable, Uncheckable, Unsupported  # libcst: only when needed

        row, col, message = error.lineno or 1, error.offset or 1, f"syntax error: {error.msg}"
        verdict = refused(error)
        if isinstance(verdict, Readable):
            raise _NewerSyntax(verdict.module) from error
        if isinstance(verdict, Unsupported):
            message += f" (this syntax needs Python ≥ {_version(verdict.needs)}, and the project requires Python {verdict.declared})"
        elif isinstance(verdict, Uncheckable):
            message = (
                f"needs Python ≥ {_version(verdict.needs)} to check: the project requires Python {verdict.declared}, "
                f"and pinlint reads Python up to {_version(verdict.newest)}"
            )
            raise _Rejected(row, col, message, True) from error
        raise _Rejected(row, col, message) from error
    except ValueError as error:  # source code strings cannot contain null bytes
        raise _Rejected(1, 1, f"syntax error: {error}") from error
    except (RecursionError, MemoryError) as error:
        raise _Rejected(*_TOO_DEEP) from error


def _version(version: tuple[int, int]) -> str:
    return ".".join(map(str, version))


def _syntax_error(error) -> _Unparsable:
    """Syntax Python accepts but libcst does not (yet)."""
    return _Unparsable(error.raw_line, error.raw_column + 1, f"syntax pinlint cannot parse yet: {str(error).splitlines()[0].rstrip('.')}")


def _sql(text: str, rules, settings: Settings, project_dialect, display: str, collecting: Report | None):
    """``project_dialect``: what the project around the file says its engine is (`_project_dialect`);
    ``collecting``: the report that keeps what the file can send, if wanted."""
    from bisect import bisect_right

    from pinlint.python.dialect import OTHER, DialectEvidence, FileDialect
    from pinlint.sql.analyze import analyze_sql

    # A script names no driver: its dialect comes from the configuration, or its syntax and the project.
    configured = None if settings.dialect == "auto" else settings.dialect
    location = DialectEvidence()
    location.saw_path(display)
    reading = FileDialect(configured, location, project_dialect)
    if reading.left_alone or reading.default == OTHER:  # its engines are none the rules speak for
        return [], []
    analysis = analyze_sql(text, reading.default, rules, script=True, by_syntax=configured is None)
    sql = analysis.sql
    stmts = analysis.statements
    starts = [s.start for s in stmts]
    placed = []
    for hit in analysis.hits:
        # A finding ends where its statement ends; statements are in order and never overlap.
        index = bisect_right(starts, hit.offset) - 1
        end = stmts[index].end if index >= 0 and hit.offset < stmts[index].end else hit.offset + 1
        hit = replace(hit, dialect=reading.with_evidence(hit.dialect))
        placed.append(_Placed(hit, sql.line_of(hit.offset), sql.column_of(hit.offset), sql.line_of(end), sql.column_of(end), hit))
    if collecting is not None:
        collecting.sent_sql.extend(SentSql(display, sql.line_of(s.start), sql.column_of(s.start), s.text) for s in stmts)
    return placed, analysis.suppressions


def _config(
    text: str, fmt: str | None, rules, display: str, collecting: Report | None, settings: Settings, versions
) -> list[_Placed]:
    """Connections in a config file (``fmt``; None for Terraform), and what the PIN3xx rules say
    about the pooler configuration in it."""
    from pinlint.connections.config_file import connections_in
    from pinlint.deployment import sightings_in
    from pinlint.rules.base import PoolerConfigRule
    from pinlint.rules.pin302_unused_server_reset_query import never_runs

    placed = []
    sightings = [s for s in sightings_in(text, display.rsplit("/", 1)[-1]) if s.knobs]
    for rule in rules:
        if isinstance(rule, PoolerConfigRule):
            for sighting in sightings:
                for hit in rule.check_pooler(sighting, settings.deployment):
                    knob = hit.anchor
                    placed.append(_Placed(replace(hit, anchor=None), knob.row, knob.col, knob.row, knob.col + max(knob.length, 1)))
    if fmt is None:
        return placed
    # A reset query PgBouncer never runs pins nothing (PIN302 says it is never run).
    unused_reset = any(never_runs(s) for s in sightings)
    for connection, (row, col, length) in connections_in(text, fmt):
        if unused_reset and "reset_query" in connection.params:
            continue
        connection.versions = versions
        if collecting is not None:
            collecting.sent_connections.append(sent_connection(connection, display, row, col, lambda anchor: None))
        for rule in rules:
            for hit in rule.check_connection(connection):
                placed.append(_Placed(replace(hit, anchor=None), row, col, row, col + length))
    return placed


def _finding(display: str, placed: _Placed, settings: Settings) -> Finding | None:
    hit = placed.hit
    tracked = settings.deployment.tracked if settings.deployment is not None else frozenset()
    described = effects(hit, settings.targets, tracked)
    if described is None or hit.confidence.rank < settings.min_confidence.rank:
        return None
    text, severity, consequences = described
    return Finding(
        path=display,
        row=placed.row,
        col=placed.col,
        code=hit.code,
        message=f"{hit.subject}: {text}",
        end_row=placed.end_row,
        end_col=placed.end_col,
        name=BY_CODE[hit.code].name,
        fix=hit.fix,
        severity=severity,
        confidence=hit.confidence,
        consequences=consequences,
        dialect=hit.dialect,
    )


def _listed(names: list[str]) -> str:
    """`A`, `A and B`, `A, B and C`."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def effects(
    hit: Hit, targets: tuple[Target, ...], tracked: frozenset[str] = frozenset()
) -> tuple[str, Severity, dict[str, str]] | None:
    """What ``hit`` does on ``targets`` (None: nothing): the sentence a user reads ("pins the
    session on RDS Proxy; leaks search_path to the next client on PgBouncer"), the severity, and
    the consequence word per target. ``tracked``: parameters the deployment's PgBouncers restore
    per client (`track_extra_parameters`), whose SETs leak nowhere there."""
    affected = {
        t: c for t, c in hit.consequences.items() if t in targets and not tracked_elsewhere(c, t, tracked)
    }
    if not affected:
        return None
    ordered = sorted(affected, key=_TARGET_ORDER.index)
    clauses: dict[Consequence, list[str]] = {}
    for target in ordered:
        clauses.setdefault(affected[target], []).append(target.display)
    text = "; ".join(consequence.describe(_listed(names)) for consequence, names in clauses.items())
    if hit.when:
        text += f"; it {hit.when}"
    severity = Severity.ERROR if hit.when or any(c.is_error for c in affected.values()) else Severity.WARNING
    return text, severity, {t.value: affected[t].word for t in ordered}


def _report_unparsable(
    report: Report, display: str, message: str, settings: Settings, row: int = 1, col: int = 1, uncertain: bool = False
) -> None:
    if UNPARSABLE_FILE.code in _enabled_for(display, settings):
        report.findings.append(_unparsable(display, message, row, col, uncertain))
        report.sources.setdefault(display, [])


def _unparsable(display: str, message: str, row: int = 1, col: int = 1, uncertain: bool = False) -> Finding:
    if uncertain:  # the file may well be fine: only pinlint's Python and libcst are too old for it
        fix, severity, confidence = "Run pinlint on that Python, or with a libcst that reads it", Severity.WARNING, Confidence.LOW
    else:
        fix = "Make the file readable by Python or PostgreSQL, or exclude it from linting"
        severity, confidence = Severity.ERROR, Confidence.HIGH
    return Finding(
        path=display, row=row, col=col, code=UNPARSABLE_FILE.code, message=message,
        end_row=row, end_col=col, name=UNPARSABLE_FILE.name,
        fix=fix, severity=severity, confidence=confidence, consequences={},
    )


def _unused_suppressions(display: str, suppressions: list[Suppression], enabled: frozenset[str]):
    if UNUSED_SUPPRESSION.code not in enabled:
        return
    for suppression in suppressions:
        for selector in suppression.selectors:
            if selector in suppression.used:
                continue
            codes = [code for code in BY_CODE if code.startswith(selector)]
            if codes and not enabled.intersection(codes):
                continue  # the rule is off for this file: there was nothing to suppress
            what = f"`{selector}`" if codes else f"unknown rule `{selector}`"
            yield Finding(
                path=display, row=suppression.row, col=suppression.col, code=UNUSED_SUPPRESSION.code,
                message=f"unused suppression of {what}: nothing here is reported under it",
                end_row=suppression.row, end_col=suppression.col, name=UNUSED_SUPPRESSION.name,
                fix="Remove the suppression (or the code from it)",
                severity=Severity.WARNING, confidence=Confidence.HIGH, consequences={},
            )


def forget_project_files() -> None:
    """Drop what was read about the project around the linted files (which files exist, the
    `.gitignore`s, the deployment, declared Pythons, dialects and versions, module facts). It is kept for the life of the
    process, one run for the CLI; a long-lived front end calls this when files change."""
    from pinlint import discovery, project_python, project_versions
    from pinlint.deployment import infer
    from pinlint.python import project, project_dialect, project_index

    for module in (discovery, infer, project_python, project_versions, project, project_dialect, project_index):
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()
