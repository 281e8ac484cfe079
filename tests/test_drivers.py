"""Driver and configuration knowledge: names through imports, hooks, settings, connection strings."""

from __future__ import annotations

import re
import textwrap

import pytest

from pinlint.connections.dsn import parse_connection_string, startup_options
from pinlint.diagnostics import Confidence, Severity
from pinlint.engine import lint_paths, lint_source
from pinlint.settings import Settings
from pinlint.targets import Target

ALL_TARGETS = (Target.RDS_PROXY, Target.PGBOUNCER, Target.PGBOUNCER_LEGACY)


def lint(source: str, targets=None, filename: str = "app.py", **options):
    settings = Settings(targets=targets or Settings().targets, min_confidence=Confidence.LOW, **options)
    return lint_source(textwrap.dedent(source).encode(), filename, settings).findings


def summary(findings) -> list[tuple[int, int, str, str]]:
    return [(f.row, f.col, f.code, f.confidence.value) for f in findings]


# -- connection strings ------------------------------------------------------------------------------------------


def test_url_query_values_are_percent_decoded():
    parsed = parse_connection_string("postgresql://app@db/shop?options=-c%20search_path%3Dtenant_a&sslmode=require")
    assert (parsed.driver, parsed.form, parsed.params) == (
        "libpq", "URL", {"options": "-c search_path=tenant_a", "sslmode": "require"}
    )


def test_sqlalchemy_and_jdbc_urls_name_their_driver():
    assert parse_connection_string("postgresql+asyncpg://app@db/shop").driver == "asyncpg"
    assert parse_connection_string("mysql+pymysql://app@db/shop").driver == "pymysql"
    assert parse_connection_string("jdbc:postgresql://db:5432/shop?prepareThreshold=0").params == {"prepareThreshold": "0"}
    assert parse_connection_string("postgresql+nosuchdriver://db/shop") is None
    assert parse_connection_string("https://example.com/?options=-c%20x%3D1") is None


def test_a_sqlalchemy_driver_name_may_hold_an_underscore():
    parsed = parse_connection_string("postgresql+psycopg_async://app@db/shop?prepare_threshold=None")
    assert (parsed.driver, parsed.sqlalchemy, parsed.params) == ("psycopg", True, {"prepare_threshold": "None"})


def test_a_jdbc_url_pgjdbc_does_not_take_is_not_a_connection_string():
    assert parse_connection_string("jdbc:postgres://db/shop") is None
    assert lint("URL = 'jdbc:postgres://db/shop'\n", targets=ALL_TARGETS) == []


def test_conninfo_follows_libpq_quoting_and_keywords():
    parsed = parse_connection_string(r"host=db dbname='my shop' options='-c search_path=a\'b'")
    assert parsed.params == {"host": "db", "dbname": "my shop", "options": "-c search_path=a'b"}
    assert parse_connection_string("host=db colour=blue") is None  # not a libpq keyword
    assert parse_connection_string("host=db", strict=True) is None  # one pair proves nothing on its own
    assert parse_connection_string("a = b, c = d") is None


def test_startup_options_read_every_spelling_of_a_setting():
    parsed = startup_options(r"-c statement_timeout=5s -csearch_path=a\ b --work-mem=4MB -e")
    assert parsed.settings == (("statement_timeout", "5s"), ("search_path", "a b"), ("work_mem", "4MB"))
    assert parsed.other == ("-e",)
    assert parsed.long_names == {"work_mem"}


def test_a_switch_without_a_value_is_no_setting():
    # PostgreSQL refuses `-c name` ("requires a value"); pytest's `-c <file>` looks the same.
    assert startup_options("-c pytest.ini -cx --headless -c").settings == ()
    assert startup_options("-c pytest.ini -cx --headless -c").other == ("-c pytest.ini", "-cx", "--headless", "-c")
    assert startup_options("-c search_path=").settings == (("search_path", ""),)


# -- names through imports, aliases and assignments --------------------------------------------------------------


def test_methods_are_followed_from_the_object_a_call_returned():
    findings = lint(
        """
        import asyncpg as pg

        class Worker:
            async def start(self, dsn):
                self.pool = await pg.create_pool(dsn, reset=self.keep)

            async def listen(self):
                async with self.pool.acquire() as conn:
                    await conn.add_listener("jobs", self.on_job)
        """
    )
    assert summary(findings) == [(10, 19, "PIN110", "high")]


def test_an_unresolved_receiver_in_a_module_that_imports_the_driver_is_medium_confidence():
    findings = lint("import asyncpg\nasync def f(conn):\n    await conn.add_listener('jobs', print)\n")
    assert summary(findings) == [(3, 11, "PIN110", "medium")]


def test_the_same_method_name_elsewhere_is_not_the_driver():
    assert lint("def f(bus):\n    bus.add_listener('jobs', print)\n") == []
    assert lint("import asyncpg\nasync def f(tx):\n    await tx.prepare()\n", targets=ALL_TARGETS) == []


# -- per-connection hooks ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "registration",
    [
        "@event.listens_for(engine, 'connect')\ndef on_connect(dbapi_connection, record):",
        "event.listen(engine, 'first_connect', on_connect)\ndef on_connect(dbapi_connection, record):",
    ],
)
def test_sql_in_a_connect_hook_runs_on_every_new_connection_and_is_an_error(registration):
    source = (
        "from sqlalchemy import create_engine, event\n"
        "engine = create_engine('postgresql+psycopg2://app@db/shop')\n"
        f"{registration}\n"
        "    dbapi_connection.cursor().execute(\"SELECT set_config('app.mode', 'fast', true)\")\n"
    )
    [finding] = lint(source)
    assert (finding.code, finding.severity) == ("PIN103", Severity.ERROR)
    assert finding.message.endswith("; it runs on every new connection")


def test_the_same_sql_outside_a_hook_is_only_a_warning():
    [finding] = lint("def f(cur):\n    cur.execute(\"SELECT set_config('app.mode', 'fast', true)\")\n")
    assert (finding.code, finding.severity) == ("PIN103", Severity.WARNING)
    assert "runs on" not in finding.message


def test_asyncpg_setup_and_django_receivers_are_hooks():
    findings = lint(
        """
        import asyncpg
        from django.db.backends.signals import connection_created

        async def setup(conn):
            await conn.execute("SET statement_timeout = '5s'")

        def configure(sender, connection, **kwargs):
            connection.cursor().execute("SET lock_timeout = '1s'")

        connection_created.connect(configure)

        async def main(dsn):
            return await asyncpg.create_pool(dsn, setup=setup, reset=keep, statement_cache_size=0)
        """
    )
    assert [(f.row, f.code, f.message.rsplit("; it ", 1)[1]) for f in findings] == [
        (6, "PIN101", "runs every time a connection is taken from the pool"),
        (9, "PIN101", "runs on every new connection"),
    ]


# -- exact messages ----------------------------------------------------------------------------------------------


def test_rejected_options_message_names_each_pooler_and_the_fix():
    [finding] = lint("import psycopg\npsycopg.connect(dsn, prepare_threshold=None, options='-c statement_timeout=5s')\n", targets=ALL_TARGETS)
    assert (finding.row, finding.col, finding.severity) == (2, 54, Severity.ERROR)
    assert finding.message == (
        "`psycopg.connect()` sends `options=-c statement_timeout=5s` as a startup parameter: "
        "rejects the connection on RDS Proxy (“RDS Proxy currently doesn't support command-line options”); "
        "rejects the connection on PgBouncer and PgBouncer < 1.21 "
        "(“unsupported startup parameter in options: statement_timeout”)"
    )
    assert finding.fix.startswith("Set it for the role instead: `ALTER ROLE app SET statement_timeout = '5s'`")


BREAKS_LEGACY = (
    ": breaks with `prepared statement \"_pg3_0\" does not exist` on PgBouncer < 1.21 (named prepared statements need "
    "PgBouncer 1.21+ with max_prepared_statements > 0)"
)
PSYCOPG_FIX = (
    "Pass `prepare_threshold=None`, the only value that never prepares (psycopg_pool: "
    "`kwargs={\"prepare_threshold\": None}`; SQLAlchemy: `connect_args={\"prepare_threshold\": None}`), "
    "or run PgBouncer 1.22+ with `max_prepared_statements > 0` and libpq 17+"
)


def test_prepared_statements_only_break_the_legacy_pgbouncer():
    source = "import psycopg\nconn = psycopg.connect(dsn)\n"
    assert lint(source) == []
    [finding] = lint(source, targets=ALL_TARGETS)
    # psycopg counts a query's runs and prepares it at the run after the 5th.
    assert finding.message == (
        "`psycopg.connect()` leaves `prepare_threshold` at 5: psycopg prepares a query after 5 executions" + BREAKS_LEGACY
    )
    assert finding.fix == PSYCOPG_FIX


# -- psycopg prepare_threshold: 0 prepares at once, only None never prepares -------------------------------------


def exact(findings) -> list[tuple[int, int, str, str, str]]:
    return [(f.row, f.col, f.code, f.confidence.value, f.message) for f in findings]


ZERO = "`prepare_threshold=0` makes psycopg prepare every statement at its first execution" + BREAKS_LEGACY


@pytest.mark.parametrize(
    "source, column",
    [
        ("import psycopg\nconn = psycopg.connect(dsn, prepare_threshold=0)\n", 47),
        ("import psycopg\nconn = psycopg.AsyncConnection.connect(dsn, prepare_threshold=0)\n", 63),
        ("from psycopg_pool import ConnectionPool\npool = ConnectionPool(dsn, kwargs={'prepare_threshold': 0})\n", 57),
        ("from psycopg_pool import ConnectionPool\npool = ConnectionPool(dsn, kwargs=dict(prepare_threshold=0))\n", 58),
        ("from sqlalchemy import create_engine\n"
         "engine = create_engine('postgresql+psycopg://app@db/shop', connect_args={'prepare_threshold': 0})\n", 95),
    ],
)
def test_prepare_threshold_zero_prepares_every_statement_at_once(source, column):
    findings = lint(source, targets=ALL_TARGETS)
    assert exact(findings) == [(2, column, "PIN202", "high", ZERO)]
    assert findings[0].fix == PSYCOPG_FIX
    assert lint(source) == []  # PgBouncer 1.21+ and RDS Proxy keep named statements apart


def test_other_integers_say_after_how_many_runs_psycopg_prepares():
    findings = lint("import psycopg\npsycopg.connect(dsn, prepare_threshold=1)\npsycopg.connect(dsn, prepare_threshold=-1)\n",
                    targets=ALL_TARGETS)
    assert [f.message for f in findings] == [
        "`prepare_threshold=1` makes psycopg prepare a query after 1 execution" + BREAKS_LEGACY,
        "`prepare_threshold=-1` makes psycopg prepare every statement at its first execution" + BREAKS_LEGACY,
    ]


def test_prepare_threshold_none_is_the_fix_wherever_it_is_written():
    source = """
        import psycopg
        from psycopg_pool import ConnectionPool
        from sqlalchemy import create_engine

        conn = psycopg.connect(dsn, prepare_threshold=None)
        conn.prepare_threshold = None
        pool = ConnectionPool(dsn, kwargs=dict(prepare_threshold=None))
        engine = create_engine("postgresql+psycopg://app@db/shop", connect_args={"prepare_threshold": None})
        """
    assert lint(source, targets=ALL_TARGETS) == []


STRING = (
    ": fails every query with `TypeError: '>=' not supported between instances of 'int' and 'str'` on RDS Proxy and "
    "PgBouncer (psycopg compares each query's count of runs with it, also on a direct connection)"
)


@pytest.mark.parametrize(
    "value, wanted",
    [("None", "`None`"), ("0", "a number"), ("5", "a number")],
)
def test_a_sqlalchemy_url_hands_prepare_threshold_to_psycopg_as_a_string(value, wanted):
    source = f"from sqlalchemy import create_engine\nengine = create_engine('postgresql+psycopg://app@db/shop?prepare_threshold={value}')\n"
    [finding] = lint(source)  # a TypeError on every query, whatever the pooler
    assert exact([finding]) == [
        (2, 24, "PIN202", "high", f"`prepare_threshold={value}` reaches psycopg as a string, not as {wanted}" + STRING)
    ]
    assert finding.fix == (
        "Drop it from the URL and pass `connect_args={\"prepare_threshold\": None}` to the engine: SQLAlchemy hands "
        "URL query values to psycopg as strings"
    )


def test_a_psycopg_url_is_judged_wherever_it_is_written(tmp_path):
    source = "DATABASE_URL = 'postgresql+psycopg_async://app@db/shop?prepare_threshold=0'\n"
    message = "`prepare_threshold=0` reaches psycopg as a string, not as a number" + STRING
    assert exact(lint(source)) == [(1, 16, "PIN202", "medium", message)]
    (tmp_path / ".env").write_text("DATABASE_URL=postgresql+psycopg://app@db/shop?prepare_threshold=None\n")
    [finding] = lint_paths([tmp_path], Settings(root=tmp_path), display_root=tmp_path).findings
    assert (finding.path, finding.row, finding.col, finding.code) == (".env", 1, 14, "PIN202")


def test_connect_args_win_over_the_url_query_and_other_drivers_ignore_it():
    source = """
        from sqlalchemy import create_engine

        engine = create_engine("postgresql+psycopg://app@db/shop?prepare_threshold=0", connect_args={"prepare_threshold": None})
        legacy = "postgresql+psycopg2://app@db/shop?prepare_threshold=0"
        """
    assert lint(source, targets=ALL_TARGETS) == []


def test_assigning_prepare_threshold_on_a_psycopg_connection_is_reported_at_the_value():
    findings = lint(
        """
        import psycopg

        def open_shop(dsn):
            conn = psycopg.connect(dsn, prepare_threshold=None)
            conn.prepare_threshold = 0
            return conn

        class Shop:
            def tune(self):
                self.conn.prepare_threshold = 5
        """,
        targets=ALL_TARGETS,
    )
    assert exact(findings) == [
        (6, 30, "PIN202", "high", "`conn.prepare_threshold = 0` makes psycopg prepare every statement at its first "
                                  "execution" + BREAKS_LEGACY),
        (11, 39, "PIN202", "medium", "`self.conn.prepare_threshold = 5` makes psycopg prepare a query after 5 "
                                     "executions" + BREAKS_LEGACY),
    ]
    assert findings[0].fix == (
        "Set it to `None`, the only value that never prepares, or run PgBouncer 1.22+ with "
        "`max_prepared_statements > 0` and libpq 17+"
    )


def test_assigning_prepare_threshold_elsewhere_is_not_psycopg():
    assert lint("def f(conn):\n    conn.prepare_threshold = 0\n", targets=ALL_TARGETS) == []
    assert lint("import psycopg2\nconn = psycopg2.connect(dsn)\nconn.prepare_threshold = 0\n", targets=ALL_TARGETS) == []


def test_no_message_fix_or_doc_suggests_zero_for_psycopg():
    from pinlint.rules import ALL_RULES
    from doc_examples import sections

    zero = re.compile(r"prepare_threshold\W{0,4}[=:]\s*0\b")
    sources = [
        "import psycopg\npsycopg.connect(dsn, prepare_threshold=0)\n",
        "import psycopg\ndef f(conn):\n    conn.prepare_threshold = 0\n",
        "from sqlalchemy import create_engine\ncreate_engine('postgresql+psycopg://app@db/shop?prepare_threshold=0')\n",
    ]
    fixes = [f.fix for source in sources for f in lint(source, targets=ALL_TARGETS)]
    assert len(fixes) == 3 and not any(zero.search(fix) for fix in fixes)
    advice = [sections(rule.doc)["Use instead"] for rule in ALL_RULES]
    assert [text for text in advice if zero.search(text)] == []


# -- Django settings in scope --------------------------------------------------------------------------------------


# Settings modules hold more than assignments: blocks and classes must not stop them being read.
SETTINGS = """\
import os

if os.environ.get("DEBUG"):
    DEBUG = True

class Defaults:
    TIME_ZONE = "UTC"

DATABASES = {{'default': {database}}}
"""


def _django_project(tmp_path, database: str, view: str):
    (tmp_path / "manage.py").write_text('os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n')
    (tmp_path / "mysite").mkdir()
    (tmp_path / "mysite" / "settings.py").write_text(SETTINGS.format(database=database))
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "views.py").write_text(textwrap.dedent(view))
    return lint_paths([tmp_path / "shop"], Settings(root=tmp_path), display_root=tmp_path).findings


ITERATE = """
    from django.db import transaction
    from shop.models import Order

    def export():
        for order in Order.objects.filter(paid=True).iterator(chunk_size=500):
            yield order

    @transaction.atomic
    def export_in_transaction():
        return list(Order.objects.all().iterator())
"""


def test_iterator_with_server_side_cursors_in_the_projects_settings(tmp_path):
    findings = _django_project(tmp_path, "{'ENGINE': 'django.db.backends.postgresql', 'NAME': 'shop'}", ITERATE)
    assert [(f.path, f.row, f.code, tuple(f.consequences)) for f in findings] == [
        ("shop/views.py", 6, "PIN111", ("rds-proxy", "pgbouncer")),
        ("shop/views.py", 11, "PIN111", ("rds-proxy",)),  # WITHOUT HOLD inside atomic(): PgBouncer copes
    ]


def test_iterator_of_a_queryset_kept_in_a_name_or_on_self(tmp_path):
    view = """
        from shop.models import Order

        def export(since):
            orders = Order.objects.filter(paid=True)
            if since:
                orders = orders.filter(created__gte=since)
            return [o.id for o in orders.iterator()]

        class Export:
            def __init__(self, queryset):
                self.orders = Order.objects.all()
                self.given = queryset

            def rows(self):
                yield from self.orders.iterator()
                yield from self.given.iterator()  # a parameter: nothing says it is a queryset

        def ids(values):
            rows = [1, 2]
            return rows.iterator()  # not a queryset
    """
    findings = _django_project(tmp_path, "{'ENGINE': 'django.db.backends.postgresql', 'NAME': 'shop'}", view)
    assert [(f.row, f.col, f.code, f.confidence.value) for f in findings] == [
        (8, 27, "PIN111", "high"),
        (16, 20, "PIN111", "high"),
    ]


def test_iterator_is_fine_when_server_side_cursors_are_disabled(tmp_path):
    database = "{'ENGINE': 'django.db.backends.postgresql', 'DISABLE_SERVER_SIDE_CURSORS': True}"
    assert _django_project(tmp_path, database, ITERATE) == []


def test_iterator_is_not_judged_without_settings(tmp_path):
    (tmp_path / "views.py").write_text(textwrap.dedent(ITERATE))
    assert lint_paths([tmp_path], Settings(root=tmp_path), display_root=tmp_path).findings == []


def test_iterator_on_mysql_settings_is_fine(tmp_path):
    assert _django_project(tmp_path, "{'ENGINE': 'django.db.backends.mysql'}", ITERATE) == []


@pytest.mark.parametrize("engine", ["django_pgschemas.postgresql", "django_pgschemas.postgresql_backend"])
def test_django_pgschemas_switches_search_path_per_cursor_like_django_tenants(engine):
    [finding] = lint(f"DATABASES = {{'default': {{'ENGINE': '{engine}', 'NAME': 'app'}}}}\n", filename="settings.py")
    assert exact([finding]) == [(1, 36, "PIN204", "high", (
        f"`DATABASES['default']` uses `{engine}`, which runs a session `SET search_path` for the tenant when it "
        "opens a cursor: pins the session on RDS Proxy; leaks one tenant's search_path to other clients on PgBouncer"
    ))]


def test_django_pgschemas_apps_and_routers_on_a_plain_backend_are_not_its_engine():
    source = """
        INSTALLED_APPS = ["django_pgschemas", "shop"]
        DATABASE_ROUTERS = ["django_pgschemas.routers.TenantAppsRouter"]
        DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "app"}}
        """
    assert lint(source, filename="settings.py", targets=ALL_TARGETS) == []


# -- config files --------------------------------------------------------------------------------------------------


def test_config_files_are_discovered_and_reported_at_the_value(tmp_path):
    (tmp_path / ".env").write_text("PGOPTIONS=-c statement_timeout=5s\nDEBUG=1\n")
    (tmp_path / "notes.txt").write_text("PGOPTIONS=-c statement_timeout=5s\n")
    findings = lint_paths([tmp_path], Settings(root=tmp_path), display_root=tmp_path).findings
    assert [(f.path, f.row, f.col, f.end_col, f.code) for f in findings] == [(".env", 1, 11, 34, "PIN201")]


def test_a_config_file_suppression_covers_the_next_line():
    source = "# pinlint: ignore[PIN201]\nPGOPTIONS=-c statement_timeout=5s\nOTHER=-c x\n"
    assert lint(source, filename=".env") == []


def test_a_quoted_compose_item_is_reported_at_its_value():
    [finding] = lint('services:\n  w:\n    environment:\n      - "PGOPTIONS=-c x=1"\n', filename="compose.yaml")
    assert (finding.row, finding.col, finding.end_col, finding.code) == (4, 20, 26, "PIN201")


def test_a_named_cursor_is_one_finding_when_both_psycopg_generations_are_imported():
    findings = lint("import psycopg\nimport psycopg2\ndef f(conn):\n    return conn.cursor('export')\n")
    assert summary(findings) == [(4, 12, "PIN111", "medium")]
