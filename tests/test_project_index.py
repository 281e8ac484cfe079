"""The project index: calls of a project's own wrappers are judged as the calls they wrap, and
constants of its other modules read as what they hold (the fixture project `projects/billing`
shows the whole of it; these pin the details)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pinlint.cache import Cache
from pinlint.engine import lint_paths
from pinlint.python.project_index import module_file, project_imports
from pinlint.settings import Settings

DB = '''\
import asyncpg


def make_pool(dsn, **kwargs):
    return asyncpg.create_pool(dsn, **kwargs)
'''


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'svc'\n")
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def _findings(root: Path, *paths: str, settings: Settings | None = None, cache: Cache | None = None) -> list[str]:
    settings = settings or Settings(root=root)
    targets = [root / p for p in paths] or [root]
    report = lint_paths(targets, settings, root, cache=cache)
    return [f"{f.path}:{f.row}:{f.col}: {f.code} {f.message}" for f in report.findings]


def test_a_wrapper_call_is_reported_at_the_callers_argument_with_the_wrapped_call_named(tmp_path):
    root = _project(tmp_path, {
        "svc/__init__.py": "",
        "svc/db.py": DB,
        "svc/api.py": 'from svc.db import make_pool\n\npool = make_pool(DSN, reset=None, server_settings={"search_path": "t"})\n',
    })
    findings = _findings(root, "svc/api.py")
    assert [f for f in findings if " PIN201 " in f] == [
        "svc/api.py:3:67: PIN201 `make_pool()` (through `asyncpg.create_pool()`) sends `server_settings` "
        "`search_path` as startup parameters: rejects the connection on PgBouncer (“unsupported startup parameter: "
        "search_path”)"
    ]


def test_a_wrapper_that_only_forwards_is_no_finding_itself(tmp_path):
    root = _project(tmp_path, {"svc/__init__.py": "", "svc/db.py": DB})
    assert _findings(root) == []


def test_a_wrapper_that_fixes_the_keywords_itself_is_judged_in_its_own_module_only(tmp_path):
    """The wrapper's own call is complete: its module reports what it lacks, once, not at every call."""
    root = _project(tmp_path, {
        "svc/__init__.py": "",
        "svc/db.py": "import asyncpg\n\ndef make_pool(dsn):\n    return asyncpg.create_pool(dsn, min_size=1)\n",
        "svc/api.py": "from svc.db import make_pool\n\npool = make_pool(DSN)\nother = make_pool(DSN)\n",
    })
    assert [f.split(": ")[0] + " " + f.split(" ")[1] for f in _findings(root)] == ["svc/db.py:4:12 PIN203"]


def test_the_wrappers_own_values_are_not_reported_again_at_its_callers(tmp_path):
    root = _project(tmp_path, {
        "svc/__init__.py": "",
        "svc/db.py": (
            "import asyncpg\n\ndef make_pool(dsn, **kwargs):\n"
            "    return asyncpg.create_pool(dsn, server_settings={'jit': 'off'}, **kwargs)\n"
        ),
        "svc/api.py": "from svc.db import make_pool\n\npool = make_pool(DSN, reset=None)\n",
    })
    assert [f.split(": ")[0] + " " + f.split(" ")[1] for f in _findings(root)] == [
        "svc/api.py:3:8 PIN203", "svc/db.py:4:61 PIN201",
    ]


@pytest.mark.parametrize("imports, call", [
    ("from svc.db import make_pool", "make_pool"),
    ("from svc.db import make_pool as mp", "mp"),
    ("from .db import make_pool", "make_pool"),
    ("from . import db", "db.make_pool"),
    ("from svc import db", "db.make_pool"),
    ("import svc.db as database", "database.make_pool"),
])
def test_every_import_form_reaches_the_wrapper(tmp_path, imports, call):
    """The calling module imports no database library: only the index sends it to the analysis."""
    root = _project(tmp_path, {
        "svc/__init__.py": "",
        "svc/db.py": DB,
        "svc/api.py": f"{imports}\n\npool = {call}(DSN)\n",
    })
    assert [f.split(": ")[1].split(" ")[0] for f in _findings(root, "svc/api.py")] == ["PIN203"]


def test_a_wrapper_in_the_same_module_and_a_wrapper_of_a_wrapper(tmp_path):
    root = _project(tmp_path, {
        "svc/__init__.py": "",
        "svc/db.py": DB + "\n\npool = make_pool(DSN, server_settings={'jit': 'off'}, reset=None)\n",
        "svc/pools.py": "from .db import make_pool\n\ndef pool_of(dsn, **kw):\n    return make_pool(dsn, **kw)\n",
        "svc/api.py": "from svc.pools import pool_of\n\npool = pool_of(DSN, statement_cache_size=0, reset=None, server_settings={'jit': 'off'})\n",
    })
    assert [f.split(": ")[0] + " " + f.split(" ")[1] for f in _findings(root)] == [
        "svc/api.py:3:8 PIN203", "svc/api.py:3:81 PIN201", "svc/db.py:8:8 PIN203", "svc/db.py:8:47 PIN201",
    ]


def test_kwargs_the_wrapper_sets_count_and_those_it_computes_prove_nothing(tmp_path):
    root = _project(tmp_path, {
        "svc/__init__.py": "",
        "svc/db.py": (
            "import asyncpg\n\n"
            "def quiet(dsn, **kwargs):\n    kwargs['reset'] = None\n    kwargs.setdefault('statement_cache_size', 0)\n"
            "    return asyncpg.create_pool(dsn, **kwargs)\n\n"
            "def computed(dsn, **kwargs):\n    kwargs.update(load())\n    return asyncpg.create_pool(dsn, **kwargs)\n"
        ),
        "svc/api.py": "from svc.db import quiet, computed\n\na = quiet(DSN)\nb = computed(DSN)\n",
    })
    # `quiet` sets `reset=None`: asyncpg's default reset, so the pool still resets; `computed`
    # may pass any keyword, so its call proves nothing.
    assert [f.split(": ")[0] + " " + f.split(" ")[1] for f in _findings(root)] == ["svc/api.py:3:5 PIN203"]


def test_constants_of_other_modules_and_getattr_of_a_module(tmp_path):
    root = _project(tmp_path, {
        "svc/__init__.py": "",
        "svc/config.py": "OPTIONS = {}\nOPTIONS['options'] = '-c search_path=t'\nDATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'OPTIONS': OPTIONS}}\n",
        "svc/api.py": "import psycopg\nfrom svc.config import OPTIONS\n\nconn = psycopg.connect(DSN, prepare_threshold=None, **OPTIONS)\n",
        "svc/settings.py": (
            "import svc.config as configuration\n\n"
            "DATABASES = getattr(configuration, 'DATABASES', {})\n"
            "CACHES = getattr(configuration, 'DATABASES_TWO', {'default': {'OPTIONS': {'options': 7}}})\n"
        ),
    })
    assert [f.split(": ")[0] + " " + f.split(" ")[1] for f in _findings(root, "svc/api.py", "svc/settings.py")] == [
        "svc/api.py:4:55 PIN201", "svc/settings.py:3:13 PIN201",
    ]


def test_an_edited_wrapper_module_invalidates_the_cached_callers(tmp_path):
    root = _project(tmp_path, {
        "src/__init__.py": "",
        "src/db.py": "def make_pool(dsn, **kwargs):\n    return None\n",
        "src/api.py": "from src.db import make_pool\n\npool = make_pool(DSN)\n",
    })
    settings = Settings(root=root)
    cache = Cache(root / ".cache", settings)
    assert _findings(root, "src/api.py", settings=settings, cache=cache) == []
    cache.save(root)
    (root / "src" / "db.py").write_text(DB)
    again = _findings(root, "src/api.py", settings=settings, cache=Cache(root / ".cache", settings))
    assert [f.split(": ")[1].split(" ")[0] for f in again] == ["PIN203"]


def test_hostile_modules_cost_nothing_and_stop_nothing(tmp_path):
    """Cycles of wrappers end; a module Python refuses, a pipe posing as one, and one past the size
    limit are no wrappers; unclosed import parentheses are scanned once."""
    import os

    root = _project(tmp_path, {
        "svc/__init__.py": "",
        "svc/a.py": "import asyncpg\nfrom svc.b import g\n\ndef f(dsn, **kw):\n    return g(dsn, **kw)\n",
        "svc/b.py": "import asyncpg\nfrom svc.a import f\n\ndef g(dsn, **kw):\n    return f(dsn, **kw)\n",
        "svc/broken.py": "import asyncpg\ndef make(dsn, **kw:\n",
        "svc/big.py": "import asyncpg\n" + "#" * (1024 * 1024 + 10) + "\ndef make(dsn, **kw):\n    return asyncpg.connect(dsn, **kw)\n",
        "svc/api.py": (
            "from svc.a import f\nfrom svc.broken import make\nfrom svc.big import make as big\nfrom svc.pipe import p\n\n"
            "x = f(DSN)\ny = make(DSN)\nz = big(DSN)\nw = p(DSN)\n"
        ),
    })
    os.mkfifo(root / "svc" / "pipe.py")
    assert _findings(root, "svc/api.py") == []
    unclosed = "from svc import (\n" * 20000 + "from svc.a import f\n"
    assert project_imports(unclosed, root / "svc")[-1] == ("svc.a", root / "svc" / "a.py", [("f", "f")])


def test_module_files_are_found_as_python_finds_them(tmp_path):
    root = _project(tmp_path, {"src/app/__init__.py": "", "src/app/db.py": "", "src/app/sub/x.py": "", "asyncpg.py": ""})
    here = root / "src" / "app" / "sub"
    assert module_file(here, "app.db") == root / "src" / "app" / "db.py"
    assert module_file(here, "..db") == root / "src" / "app" / "db.py"
    assert module_file(here, "..") == root / "src" / "app" / "__init__.py"
    assert module_file(here, "asyncpg") is None  # a library's name is never the project's module
    assert module_file(here, "missing.mod") is None


def test_iterator_under_settings_pinlint_cannot_read_is_a_low_confidence_finding(tmp_path):
    from pinlint.diagnostics import Confidence

    root = _project(tmp_path, {
        "manage.py": 'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site.settings")\n',
        "site/__init__.py": "",
        "site/settings.py": "from site.loader import load\n\nDATABASES = load('DATABASE_URL')\n",
        "site/views.py": "def export(Order):\n    return Order.objects.all().iterator()\n",
    })
    assert _findings(root) == []  # not shown at the default confidence
    assert _findings(root, settings=Settings(root=root, min_confidence=Confidence.LOW)) == [
        "site/views.py:2:12: PIN111 `objects.all(...).iterator()` declares a server-side cursor unless the settings "
        "set `DISABLE_SERVER_SIDE_CURSORS` (pinlint cannot read the project's `DATABASES`): pins the session on RDS "
        "Proxy; breaks the cursor on PgBouncer (in autocommit mode Django declares it WITH HOLD: "
        '`cursor "_django_curs_..." does not exist`)'
    ]
    (root / "site" / "settings.py").write_text("DATABASES = load()\nDATABASES['default']['DISABLE_SERVER_SIDE_CURSORS'] = True\n")
    assert _findings(root, settings=Settings(root=root, min_confidence=Confidence.LOW)) == []


def test_a_settings_object_imported_from_another_module(tmp_path):
    root = _project(tmp_path, {
        "svc/__init__.py": "",
        "svc/config.py": (
            "from pydantic_settings import BaseSettings\n\n"
            "class Settings(BaseSettings):\n    db_url: str = 'postgresql://app@db/app?options=-c%20search_path%3Dt'\n\n"
            "settings = Settings()\n"
        ),
        "svc/db.py": "import psycopg\nfrom svc.config import settings\n\nconn = psycopg.connect(settings.db_url, prepare_threshold=None)\n",
    })
    from pinlint.diagnostics import Confidence

    report = lint_paths([root / "svc" / "db.py"], Settings(root=root, min_confidence=Confidence.LOW), root)
    assert [(f.path, f.row, f.col, f.code, f.confidence.value) for f in report.findings] == [
        ("svc/db.py", 4, 24, "PIN201", "medium"),
    ]
