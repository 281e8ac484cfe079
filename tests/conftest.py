from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture
def repo_root() -> Path:
    return ROOT


def pytest_report_header(config):
    """Which servers the live tests run against: their facts depend on PgBouncer's version."""
    from live_pooler import REQUIRE, pgbouncer_version, server_binaries

    found = server_binaries()
    if isinstance(found, str):
        return f"live servers: none, {found}{' (PINLINT_LIVE=require: live tests fail)' if REQUIRE else ''}"
    bindir, pgbouncer = found
    version = ".".join(map(str, pgbouncer_version(pgbouncer)))
    return f"live servers: PostgreSQL {bindir.parent.name} ({bindir}), PgBouncer {version} ({pgbouncer})"


@pytest.fixture(scope="session")
def live_pooler():
    """PostgreSQL behind PgBouncer for the whole session; see `live_pooler.py`."""
    from live_pooler import REQUIRE, running_pooler, server_binaries

    found = server_binaries()
    if isinstance(found, str):
        if REQUIRE:
            pytest.fail(f"PINLINT_LIVE=require, but there are {found}")
        pytest.skip(f"live tests need the servers: {found}; PINLINT_LIVE=require makes this a failure")
    with running_pooler(*found) as pooler:
        yield pooler


@pytest.fixture
def live(live_pooler):
    live_pooler.reset()
    return live_pooler
