"""The versions a project's lock files and pins give, and the findings that depend on them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURES
from pinlint import project_versions as versions_module
from pinlint.cache import Cache
from pinlint.engine import lint_paths, lint_source
from pinlint.project_versions import Pinned, project_versions, project_versions_files
from pinlint.python import project_dialect
from pinlint.settings import Settings
from pinlint.targets import Target

PROJECTS = FIXTURES / "projects"


def forget_listings() -> None:
    """As a new run starts: which files a directory holds is remembered for one run."""
    for cached in (versions_module._listed, versions_module._levels, project_dialect.directory_names, project_dialect.project_levels):
        cached.cache_clear()


def pins(directory: Path) -> dict[str, list[str]]:
    return {package: [f"{p.version} from {p.source}" for p in found] for package, found in project_versions(directory).pins.items()}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    return tmp_path


def test_each_kind_of_lock_file_and_pin_is_read():
    assert pins(PROJECTS / "locked_uv" / "service") == {
        "asyncpg": ["0.29.0 from uv.lock"], "psycopg": ["3.1.18 from uv.lock"], "SQLAlchemy": ["2.0.9 from uv.lock"],
    }
    assert pins(PROJECTS / "locked_poetry" / "site") == {
        "asyncpg": ["0.31.0 from poetry.lock"], "Django": ["4.1.13 from poetry.lock"], "psycopg2": ["2.9.9 from poetry.lock"],
        "SQLAlchemy": ["2.0.36 from poetry.lock"],
    }
    assert pins(PROJECTS / "locked_pipenv" / "app") == {
        "asyncpg": ["0.28.0 from Pipfile.lock"], "Django": ["5.0.6 from Pipfile.lock"], "psycopg": ["3.2.1 from Pipfile.lock"],
        "SQLAlchemy": ["2.0.31 from Pipfile.lock"],
    }
    # A constraints file that requirements.txt includes, pip-compile's hashes and all.
    assert pins(PROJECTS / "pinned_requirements" / "worker") == {
        "asyncpg": ["0.31.0 from ci/constraints.txt"], "SQLAlchemy": ["2.0.36 from ci/constraints.txt"],
    }
    assert project_versions(PROJECTS / "locked_poetry").lock == "poetry.lock"
    assert project_versions(PROJECTS / "pinned_requirements").lock is None


def test_pins_in_declarations_count_and_ranges_do_not(project):
    write(project / "pyproject.toml", """\
[project]
name = "x"
dependencies = ["asyncpg==0.30.0", "psycopg[binary]>=3.2", "django~=4.2.0", "sqlalchemy==2.0.*"]

[tool.poetry.dependencies]
psycopg2-binary = "2.9.9"
""")
    write(project / "Pipfile", '[packages]\n"psycopg" = {version = "==3.1.19", extras = ["binary"]}\n')
    assert pins(project) == {
        "asyncpg": ["0.30.0 from pyproject.toml"], "psycopg2": ["2.9.9 from pyproject.toml"], "psycopg": ["3.1.19 from Pipfile"],
    }


def test_a_lock_file_outweighs_requirements_pins_which_outweigh_declarations(project):
    write(project / "pyproject.toml", '[project]\nname = "x"\ndependencies = ["asyncpg==0.27.0", "django==4.1"]\n')
    write(project / "requirements" / "prod.txt", "asyncpg==0.28.0\ndjango==4.2.1\n")
    write(project / "uv.lock", '[[package]]\nname = "asyncpg"\nversion = "0.30.0"\n')
    assert pins(project) == {"asyncpg": ["0.30.0 from uv.lock"], "Django": ["4.2.1 from requirements/prod.txt"]}


def test_versions_that_disagree_answer_only_what_they_agree_on(project):
    write(project / "requirements.txt", "asyncpg==0.29.0\n")
    write(project / "requirements-dev.txt", "asyncpg==0.30.0\n")
    found = project_versions(project)
    assert found.since("asyncpg", (0, 31)) == (False, Pinned("asyncpg", "0.30.0", "requirements-dev.txt"))
    assert found.since("asyncpg", (0, 30)) is None
    assert found.since("psycopg", (3, 2)) is None


def test_a_pre_release_is_older_than_its_release_and_a_post_release_is_not():
    assert not Pinned("asyncpg", "0.31.0rc1", "uv.lock").at_least((0, 31))
    assert not Pinned("asyncpg", "0.31.0.dev0", "uv.lock").at_least((0, 31))
    assert Pinned("asyncpg", "0.31.0.post1", "uv.lock").at_least((0, 31))
    assert Pinned("SQLAlchemy", "2.0.10", "uv.lock").at_least((2, 0, 10))
    assert not Pinned("SQLAlchemy", "2.0", "uv.lock").at_least((2, 0, 10))


def test_only_a_lock_file_tells_that_a_package_is_not_installed(project):
    write(project / "requirements.txt", "django==5.0\n")
    assert project_versions(project).installed("psycopg") is None
    write(project / "poetry.lock", '[[package]]\nname = "django"\nversion = "5.0"\n')
    forget_listings()
    assert project_versions(project).installed("psycopg") is False
    assert project_versions(project).installed("Django") is True


def test_the_nearest_lock_file_ends_the_walk_up_and_a_workspace_lock_is_found_above_the_member(project):
    write(project / "uv.lock", '[[package]]\nname = "asyncpg"\nversion = "0.30.0"\n')
    member = project / "packages" / "api"
    write(member / "pyproject.toml", '[project]\nname = "api"\ndependencies = ["asyncpg"]\n')
    assert pins(member) == {"asyncpg": ["0.30.0 from ../../uv.lock"]}
    write(member / "poetry.lock", '[[package]]\nname = "asyncpg"\nversion = "0.29.0"\n')
    forget_listings()
    assert pins(member) == {"asyncpg": ["0.29.0 from poetry.lock"]}


def test_includes_are_followed_once_and_never_out_of_the_repository(project, tmp_path_factory):
    outside = write(tmp_path_factory.mktemp("elsewhere") / "pins.txt", "asyncpg==0.20.0\n")
    write(project / "requirements.txt", f"-r requirements.txt\n--constraint={outside}\n-c ci/c.txt\n")
    write(project / "ci" / "c.txt", "-c ../requirements.txt\nasyncpg==0.30.0\n")
    assert [p.relative_to(project).as_posix() for p in project_versions_files(project)] == [
        "pyproject.toml", "requirements.txt", "ci/c.txt",
    ]
    assert pins(project) == {"asyncpg": ["0.30.0 from ci/c.txt"]}


@pytest.mark.parametrize("name, text", [
    ("uv.lock", "[[package]\nname = "),  # broken TOML
    ("uv.lock", "package = 'asyncpg'\n"),  # no list of packages
    ("poetry.lock", "package = [1, 'x', {name = 3, version = []}, {name = 'asyncpg', version = '0.29.0; rm -rf'}]\n"),
    ("poetry.lock", "x = " + "[" * 5000 + "]" * 5000 + "\n"),  # deeper than the parser goes
    ("Pipfile.lock", "[" * 100000 + "]" * 100000),
    ("Pipfile.lock", json.dumps({"default": {"asyncpg": {"version": "==" + "9" * 100000}}, "develop": []})),
    ("Pipfile.lock", json.dumps({"default": {"asyncpg": "==0.29.0", "django": {"version": ["==4"]}}})),
    ("requirements.txt", "asyncpg==\x1b[31m0.29\nasyncpg ==  " + " " * 100000 + "\n" + "-r " * 50000),
])
def test_a_damaged_or_hostile_file_tells_nothing(project, name, text):
    write(project / name, text)
    assert project_versions(project).pins == {}


def test_a_lock_file_larger_than_the_limit_is_not_read(project, monkeypatch):
    monkeypatch.setattr(versions_module, "MAX_LOCK_BYTES", 64)
    write(project / "uv.lock", '[[package]]\nname = "asyncpg"\nversion = "0.29.0"\n' + "#" * 64)
    assert pins(project) == {}


def _findings(relative: str, targets=tuple(Target)) -> list[tuple[int, str, str, str, str]]:
    path = PROJECTS / relative
    report = lint_source(path.read_bytes(), path.name, Settings(targets=targets), path=path)
    return [(f.row, f.code, f.confidence.value, f.message, f.fix) for f in report.findings]


LEGACY_BREAKS = ("breaks with `prepared statement \"__asyncpg_stmt_1__\" does not exist` on PgBouncer < 1.21 (named prepared "
                 "statements need PgBouncer 1.21+ with max_prepared_statements > 0)")
JIT = ("lets asyncpg introspect, on each new connection, the first type a query uses that it has no codec for (an enum, a "
       "domain, a composite, an array such as `bigint[]`), which toggles jit with `set_config('jit', 'off', false)`")


def test_psycopg_before_3_2_breaks_on_pgbouncer_too_and_the_fix_says_to_upgrade():
    row, code, confidence, message, fix = _findings("locked_uv/service/db.py", (Target.PGBOUNCER,))[0]
    assert (row, code, confidence) == (10, "PIN202", "high")
    assert message == (
        "`psycopg.connect()` leaves `prepare_threshold` at 5: psycopg prepares a query after 5 executions: breaks with "
        "`prepared statement \"_pg3_0\" does not exist` once psycopg deallocates a statement (its cache keeps 100) on "
        "PgBouncer (psycopg 3.1.18 from uv.lock deallocates with SQL `DEALLOCATE`, which PgBouncer does not translate; "
        "psycopg 3.2+ with libpq 17+ closes statements at protocol level)"
    )
    assert fix.endswith(", or upgrade psycopg to 3.2+ (psycopg 3.1.18 from uv.lock) and run PgBouncer 1.22+ with "
                        "`max_prepared_statements > 0` and libpq 17+")
    # psycopg 3.2.1: nothing on PgBouncer 1.21+, as without a lock file.
    assert _findings("locked_pipenv/app/db.py", (Target.PGBOUNCER,)) == []


def test_asyncpg_and_sqlalchemy_versions_decide_what_the_asyncpg_dialect_needs():
    assert _findings("locked_uv/service/db.py")[1:] == [
        (15, "PIN202", "high", "`create_async_engine()` with `postgresql+asyncpg` prepares every statement under asyncpg's "
         f"names (missing `prepared_statement_name_func`; asyncpg 0.29.0 from uv.lock names them): {LEGACY_BREAKS}",
         "SQLAlchemy 2.0.9 from uv.lock has no `prepared_statement_name_func` (SQLAlchemy 2.0.10+): upgrade asyncpg to 0.31+ "
         "and pass `connect_args={\"statement_cache_size\": 0}` (its statements are then unnamed), or upgrade SQLAlchemy, "
         "or use `postgresql+psycopg` with `prepare_threshold=None`"),
        (15, "PIN204", "medium", f"`create_async_engine()` with `postgresql+asyncpg` {JIT} (asyncpg 0.29.0 from uv.lock): "
         "pins the session on RDS Proxy; can leak `jit = off` to the next client on PgBouncer and PgBouncer < 1.21 (the "
         "toggle and its restore may land on different backends); it runs on every new connection",
         "Register a codec on connect for each enum the queries use (`await conn.set_type_codec('mood', encoder=str, "
         "decoder=str, schema='public')` looks the type up without the toggle), or on connect "
         "`conn._server_caps = conn._server_caps._replace(jit=False)` (a private attribute: pin the asyncpg version)"),
        (24, "PIN203", "high", "`asyncpg.create_pool()` resets every released connection with `SELECT "
         "pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`: pins the session on RDS Proxy (every connection of "
         "the pool, at every release)",
         "asyncpg 0.29.0 from uv.lock has no `reset=`: upgrade to asyncpg 0.30+ and pass `create_pool(..., "
         "reset=keep_session)` with `async def keep_session(conn): pass`, or pool with SQLAlchemy, whose pool only rolls back"),
    ]
    worker = [f for f in _findings("locked_poetry/site/worker.py", (Target.PGBOUNCER_LEGACY,)) if f[1] == "PIN202"]
    assert worker == [
        (12, "PIN202", "high", "`create_async_engine()` with `postgresql+asyncpg` prepares every statement under asyncpg's "
         f"names (missing `statement_cache_size`; asyncpg 0.31.0 from poetry.lock leaves them unnamed once it is 0): "
         f"{LEGACY_BREAKS}",
         "Pass `connect_args={\"statement_cache_size\": 0}`: asyncpg 0.31.0 from poetry.lock then prepares unnamed "
         "statements, or use `postgresql+psycopg` with `prepare_threshold=None`"),
        (18, "PIN202", "medium", "`conn.prepare()` creates a named prepared statement unless the connection has "
         f"`statement_cache_size=0` (asyncpg 0.31.0 from poetry.lock then leaves it unnamed): {LEGACY_BREAKS}",
         "Pass `statement_cache_size=0` to the connection or pool this runs on"),
    ]


def test_before_asyncpg_0_29_there_is_no_jit_toggle_and_django_runs_on_the_psycopg_it_finds():
    defaults = (Target.RDS_PROXY, Target.PGBOUNCER)
    assert _findings("locked_pipenv/app/db.py", defaults) == []
    assert _findings("locked_pipenv/app/settings.py", defaults) == []
    [(row, code, confidence, message, _)] = _findings("locked_poetry/site/settings.py", (Target.RDS_PROXY,))
    assert (row, code, confidence, message) == (
        8, "PIN204", "high", "`DATABASES['default']` `isolation_level` makes psycopg2 run `SET default_transaction_isolation` "
        "on autocommit connections (Django 4.1.13 from poetry.lock runs on psycopg2 only): pins the session on RDS Proxy; "
        "it runs on every new connection",
    )


def test_without_versions_the_findings_stay_as_they_were(tmp_path):
    source = (PROJECTS / "locked_uv" / "service" / "db.py").read_bytes()
    report = lint_source(source, "db.py", Settings(targets=tuple(Target)))
    assert [(f.row, f.code, f.message.split(":")[0]) for f in report.findings] == [
        (10, "PIN202", "`psycopg.connect()` leaves `prepare_threshold` at 5"),
        (15, "PIN202", "`create_async_engine()` with `postgresql+asyncpg` prepares every statement under asyncpg's names "
         "(missing `prepared_statement_name_func`)"),
        (15, "PIN204", f"`create_async_engine()` with `postgresql+asyncpg` {JIT}"),
        (24, "PIN203", "`asyncpg.create_pool()` resets every released connection with `SELECT pg_advisory_unlock_all(); "
         "CLOSE ALL; UNLISTEN *; RESET ALL`"),
    ]


def test_an_edited_lock_file_invalidates_the_cached_findings(project):
    write(project / "uv.lock", '[[package]]\nname = "asyncpg"\nversion = "0.28.0"\n')
    write(project / "app" / "db.py", "from sqlalchemy.ext.asyncio import create_async_engine\n"
          "engine = create_async_engine('postgresql+asyncpg://app@db/app', connect_args={'statement_cache_size': 0})\n")
    settings = Settings(root=project)

    def run() -> list[str]:
        cache = Cache(project / "cache", settings)
        report = lint_paths([project / "app"], settings, project, cache=cache)
        cache.save(project)
        return [f.code for f in report.findings]

    assert run() == []  # no jit toggle before asyncpg 0.29
    write(project / "uv.lock", '[[package]]\nname = "asyncpg"\nversion = "0.29.0"\n')
    assert run() == ["PIN204"]
    write(project / "requirements.txt", "asyncpg==0.28.0\n")  # a lock file outweighs it: still cached
    forget_listings()
    assert run() == ["PIN204"]
