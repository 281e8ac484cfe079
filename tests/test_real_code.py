"""pinlint on real code: the complete installed sources of the test dependencies lint without a
crash, without PIN900 on any file Python itself parses, and to the same report with one process,
two processes and a warm cache. The one-process run is also the first pass's proof on real code:
conftest's `first_pass_loses_nothing` lints every file it cleared again in full (about a minute)."""

from __future__ import annotations

import ast
import importlib.util
import warnings
from pathlib import Path

import pytest

from pinlint.cache import Cache
from pinlint.diagnostics import Confidence
from pinlint.engine import lint_paths
from pinlint.settings import Settings
from pinlint.targets import Target

PACKAGES = ("django", "sqlalchemy", "asyncpg", "psycopg", "psycopg2", "pymysql")

pytestmark = pytest.mark.integration


def _package(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        pytest.fail(f"{name} is not installed: the test extra installs it (pip install -e '.[test]')")
    return Path(next(iter(spec.submodule_search_locations)))


def _python_parses(path: Path) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(path.read_bytes())
    except (SyntaxError, ValueError):
        return False
    return True


def _lines(report) -> list[str]:
    return [f"{f.path}:{f.row}:{f.col}:{f.end_row}:{f.end_col}: {f.line_text}" for f in report.findings]


def test_installed_sources_lint_cleanly_and_identically_in_every_mode(tmp_path):
    packages = [_package(name) for name in PACKAGES]
    root = packages[0].parent
    # Everything reportable, so that every rule runs on this code.
    settings = Settings(root=root, targets=tuple(Target), min_confidence=Confidence.LOW, respect_gitignore=False)

    one = lint_paths(packages, settings, root, jobs=1)
    cache = Cache(tmp_path / "cache", settings)
    two = lint_paths(packages, settings, root, jobs=2, cache=cache)
    cache.save(root)
    warm = lint_paths(packages, settings, root, jobs=2, cache=Cache(tmp_path / "cache", settings))

    assert one.files > 1200
    unparsable = [f for f in one.findings if f.code == "PIN900" and _python_parses(root / f.path)]
    assert unparsable == []
    assert _lines(one) == _lines(two) == _lines(warm)
    assert one.files == two.files == warm.files


def test_the_fast_walk_matches_libcsts_order_on_real_code():
    import libcst as cst

    from test_walk import Recorder

    from pinlint.python.walk import walk

    # The modules pinlint analyses in full there: database backends, full of every kind of syntax.
    trees = [_package("django") / "db", _package("sqlalchemy") / "dialects" / "postgresql", _package("asyncpg")]
    checked = 0
    for path in sorted(p for tree in trees for p in tree.rglob("*.py")):
        module = cst.parse_module(path.read_bytes())
        by_libcst, by_walk = Recorder(), Recorder()
        module.visit(by_libcst)
        walk(module, by_walk)
        assert by_walk.events == by_libcst.events, path
        checked += 1
    assert checked > 150
