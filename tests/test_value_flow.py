"""Connection settings followed where code builds them: dicts filled later, merged, kept on `self`
and spread into the call (`pinlint.python.values`)."""

from __future__ import annotations

import textwrap

import pytest

from pinlint.diagnostics import Confidence
from pinlint.engine import lint_source
from pinlint.settings import Settings
from pinlint.targets import Target

ALL_TARGETS = (Target.RDS_PROXY, Target.PGBOUNCER, Target.PGBOUNCER_LEGACY)


def findings(source: str, filename: str = "app.py", targets=ALL_TARGETS) -> list[tuple[int, int, str, str, str]]:
    settings = Settings(targets=targets, min_confidence=Confidence.LOW)
    found = lint_source(textwrap.dedent(source).encode(), filename, settings).findings
    return [(f.row, f.col, f.code, f.confidence.value, f.message.split(":")[0]) for f in found]


def test_an_item_assigned_after_the_dict_reaches_the_call_it_is_spread_into():
    assert findings("""\
        import psycopg
        def connect(dsn):
            kwargs = {"prepare_threshold": None}
            kwargs["options"] = "-c search_path=tenant"
            return psycopg.connect(dsn, **kwargs)
        """) == [(4, 25, "PIN201", "high", "`psycopg.connect()` sends `options=-c search_path=tenant` as a startup parameter")]


def test_a_value_set_only_under_a_condition_is_medium_confidence():
    assert findings("""\
        import psycopg
        def connect(dsn, slow):
            kwargs = dict(prepare_threshold=None)
            if slow:
                kwargs.setdefault("options", "-c statement_timeout=600s")
            return psycopg.connect(dsn, **kwargs)
        """) == [(5, 38, "PIN201", "medium", "`psycopg.connect()` sends `options=-c statement_timeout=600s` as a startup parameter")]


@pytest.mark.parametrize("change", [
    'OPTIONS["connect_args"]["options"] = "-c lock_timeout=3s"',
    'OPTIONS["connect_args"].update(options="-c lock_timeout=3s")',
    'OPTIONS["connect_args"].update({"options": "-c lock_timeout=3s"})',
    'OPTIONS["connect_args"] |= {"options": "-c lock_timeout=3s"}',
])
def test_nested_items_are_changed_at_any_depth(change):
    column = change.index('"-c') + 1
    assert findings(f"""\
        from sqlalchemy import create_engine
        OPTIONS = {{"connect_args": {{"application_name": "api"}}}}
        {change}
        engine = create_engine("postgresql+psycopg2://db/app", **{{**OPTIONS, "pool_size": 5}})
        """) == [(3, column, "PIN201", "high", "`create_engine()` sends `options=-c lock_timeout=3s` as a startup parameter")]


def test_a_dict_on_self_is_filled_in_one_method_and_used_in_another():
    assert findings("""\
        import asyncpg
        async def keep(conn):
            pass
        class Store:
            def __init__(self, dsn):
                self.server_settings = {"application_name": "events"}
                self.server_settings["search_path"] = "events"
            async def open(self):
                return await asyncpg.create_pool(server_settings=self.server_settings, statement_cache_size=0, reset=keep)
        """, targets=(Target.PGBOUNCER,)) == [
        (7, 47, "PIN201", "high", "`asyncpg.create_pool()` sends `server_settings` `search_path` as startup parameters"),
    ]


def test_keys_of_a_spread_dict_count_as_keywords_and_fixes_count_too():
    # statement_cache_size=0 and reset= arrive through the dict: no PIN202, no PIN203.
    assert findings("""\
        import asyncpg
        async def keep(conn):
            pass
        config = {"dsn": "postgresql://db/app", "statement_cache_size": 0, "reset": keep}
        config.update(server_settings={"jit": "off"})
        pool = asyncpg.create_pool(**config)
        """) == [(5, 39, "PIN201", "high", "`asyncpg.create_pool()` sends `server_settings` `jit` as startup parameters")]


def test_a_dict_that_something_unseen_extends_proves_no_setting_missing():
    # `extra()` may hold statement_cache_size: the missing setting is not reported.
    assert findings("""\
        import asyncpg
        async def keep(conn):
            pass
        config = {"dsn": "postgresql://db/app", "reset": keep}
        config.update(extra())
        pool = asyncpg.create_pool(**config)
        """) == []
    assert findings("""\
        import asyncpg
        async def keep(conn):
            pass
        config = {"dsn": "postgresql://db/app", "reset": keep}
        pool = asyncpg.create_pool(**config)
        """, targets=(Target.PGBOUNCER_LEGACY,)) == [
        (5, 8, "PIN202", "high", "`asyncpg.create_pool()` leaves `statement_cache_size` at 100"),
    ]


def test_django_databases_built_by_item_assignment():
    assert findings("""\
        import dj_database_url
        DATABASES = {"default": dj_database_url.config()}
        DATABASES["default"]["OPTIONS"] = {"options": "-c search_path=app"}
        """, filename="settings.py") == [
        (3, 47, "PIN201", "high", "`DATABASES['default']` sends `options=-c search_path=app` as a startup parameter"),
    ]


def test_the_seed_incident_flask_engine_options_with_a_formatted_options_string():
    assert findings("""\
        import os
        SQLALCHEMY_ENGINE_OPTIONS = {'connect_args': {'options': '-c statement_timeout={timeout}'.format(
            timeout=os.environ['POSTGRES_STATEMENT_TIMEOUT'])}}
        """, filename="config.py") == [
        (2, 58, "PIN201", "high", "`SQLALCHEMY_ENGINE_OPTIONS` sends `options=-c statement_timeout=…` as a startup parameter"),
    ]


def test_flask_engine_options_name_no_missing_setting_the_url_may_hold():
    # The URL comes from the environment: no PIN202 for a statement cache it may configure.
    assert findings("""\
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy(engine_options={"pool_size": 5, "connect_args": {"application_name": "api"}})
        SQLALCHEMY_BINDS = {"events": {"url": "postgresql+psycopg://db/events", "pool_size": 5}}
        """, filename="app.py") == []


def test_an_fstring_names_the_setting_it_sends():
    found = findings("""\
        import psycopg
        def connect(dsn, schema):
            return psycopg.connect(dsn, options=f"-c search_path={schema}", prepare_threshold=None)
        """, targets=(Target.RDS_PROXY,))
    assert found == [(3, 42, "PIN201", "high", "`psycopg.connect()` sends `options=-c search_path=…` as a startup parameter")]


def test_a_settings_class_default_reaches_the_call_at_medium_confidence():
    """A pydantic `BaseSettings` default is what runs when the environment does not replace it."""
    assert findings("""\
        import psycopg
        from pydantic import Field
        from pydantic_settings import BaseSettings

        class Settings(BaseSettings):
            database_url: str = "postgresql://app@db/app"
            pg_options: str = Field("-c statement_timeout=5s", alias="PG_OPTIONS")

        settings = Settings()
        conn = psycopg.connect(settings.database_url, options=settings.pg_options, prepare_threshold=None)
        """) == [(10, 55, "PIN201", "medium", "`psycopg.connect()` sends `options=-c statement_timeout=5s` as a startup parameter")]


def test_a_plain_class_attribute_is_what_it_says_and_unknown_owners_are_unknown():
    assert findings("""\
        import psycopg

        class Config:
            OPTIONS = "-c search_path=tenant"

        config = Config()
        conn = psycopg.connect(DSN, options=config.OPTIONS, prepare_threshold=None)
        other = psycopg.connect(DSN, options=make().OPTIONS, prepare_threshold=None)
        again = psycopg.connect(DSN, options=Config().MISSING, prepare_threshold=None)
        """) == [
        (7, 37, "PIN201", "high", "`psycopg.connect()` sends `options=-c search_path=tenant` as a startup parameter"),
        # What pinlint cannot read is an `options` of unknown value, as any other.
        (8, 38, "PIN201", "medium", "`psycopg.connect()` passes libpq `options`, a startup parameter"),
        (9, 38, "PIN201", "medium", "`psycopg.connect()` passes libpq `options`, a startup parameter"),
    ]


def test_connect_args_only_one_driver_takes_name_the_driver_of_an_engine_whose_url_is_unknown():
    assert findings("""\
        from sqlalchemy import make_url
        from sqlalchemy.ext.asyncio import create_async_engine

        def engine(settings):
            connect_args = {}
            server_settings = {}
            if settings.search_path is not None:
                server_settings["search_path"] = settings.search_path
            connect_args["server_settings"] = server_settings
            return create_async_engine(make_url(settings.url), connect_args=connect_args)
        """, targets=(Target.PGBOUNCER,)) == [
        (8, 42, "PIN201", "medium", "`create_async_engine()` sends `server_settings` `search_path` as startup parameters"),
        (10, 12, "PIN204", "medium", "`create_async_engine()` with `postgresql+asyncpg` lets asyncpg introspect, on each "
         "new connection, the first type a query uses that it has no codec for (an enum, a domain, a composite, an array "
         "such as `bigint[]`), which toggles jit with `set_config('jit', 'off', false)`"),
    ]


def test_a_url_whose_driver_is_set_names_the_driver():
    assert findings("""\
        import sqlalchemy as sa

        def engines(url, host):
            a = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"))
            b = sa.create_engine(sa.engine.URL.create(drivername="postgresql+psycopg", host=host))
            c = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"), connect_args={"prepare_threshold": None})
            d = sa.create_engine(sa.make_url(url).set(drivername=name))
            return redis.set(drivername="postgresql+psycopg")
        """, targets=(Target.PGBOUNCER_LEGACY,)) == [
        (4, 9, "PIN202", "high", "`create_engine()` leaves `prepare_threshold` at 5"),
        (5, 9, "PIN202", "high", "`create_engine()` leaves `prepare_threshold` at 5"),
    ]


def test_items_assigned_to_a_dict_of_unknown_origin_still_reach_the_call():
    assert findings("""\
        import psycopg

        def connect(settings, dsn):
            kwargs = settings.model_dump()
            kwargs["options"] = "-c search_path=tenant"
            return psycopg.connect(dsn, **kwargs)
        """) == [(5, 25, "PIN201", "high", "`psycopg.connect()` sends `options=-c search_path=tenant` as a startup parameter")]


def test_pgoptions_given_by_keyword_to_an_environment():
    assert findings("""\
        import os
        import subprocess

        def rewind(cmd):
            env = os.environ.copy()
            env.update(LANG="C", PGOPTIONS="-c statement_timeout=0")
            subprocess.run(cmd, env=env)
            subprocess.run(cmd, env=dict(os.environ, PGOPTIONS="-c search_path=tenant"))
        """) == [
        (6, 36, "PIN201", "high", "`PGOPTIONS` sends `options=-c statement_timeout=0` as a startup parameter"),
        (8, 56, "PIN201", "high", "`PGOPTIONS` sends `options=-c search_path=tenant` as a startup parameter"),
    ]
