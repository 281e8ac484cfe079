from __future__ import annotations

import fcntl
import hashlib
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def building_the_checkout():
    """Held while something builds the checkout, which writes into it (`build/`, `*.egg-info`):
    two builds at once break each other. The `installs-the-checkout` group should keep those
    tests in one worker, but pytest-xdist 3.8's groups are not honoured under pytest 9."""
    name = hashlib.sha256(str(ROOT).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"pinlint-tests-build-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
FIXTURES = ROOT / "tests" / "fixtures"

# Set from `--run-slow` before any test module is imported (see `budget`).
_THOROUGH = {"run": False}


def pytest_addoption(parser):
    parser.addoption(
        "--run-slow", action="store_true",
        help="also run the tests marked slow, and the property tests with their full example budgets (.ci/run does)",
    )


def pytest_configure(config):
    _THOROUGH["run"] = config.getoption("--run-slow")


def pytest_collection_modifyitems(config, items):
    if not config.getoption("--run-slow"):
        skip = pytest.mark.skip(reason="slow: --run-slow runs it")
        for item in items:
            if "slow" in item.keywords:
                item.add_marker(skip)
    # The live tests share one PostgreSQL and PgBouncer: under pytest-xdist's `--dist loadgroup`
    # they all run in one worker, which starts the servers once. (Under pytest 9, pytest-xdist 3.8
    # does not honour the groups: each worker then starts servers of its own, on free ports.)
    for item in items:
        if "live" in item.keywords:
            item.add_marker(pytest.mark.xdist_group("live-servers"))


def budget(examples: int) -> int:
    """A property test's Hypothesis examples: all of them under `--run-slow`, a fifth otherwise
    (the examples are derandomized: a fifth is the same fifth on every run)."""
    return examples if _THOROUGH["run"] else max(10, examples // 5)


def python_sources():
    """Every Python fixture and every rule case written in Python, as test parameters."""
    from pinlint.rules import LINT_RULES
    from pinlint.rules.base import PythonCase

    for path in sorted(FIXTURES.rglob("*.py")):
        yield pytest.param(path.read_text(encoding="utf-8"), id=path.relative_to(FIXTURES).as_posix())
    for rule in LINT_RULES:
        for number, case in enumerate((*rule.VALID, *rule.INVALID)):
            if isinstance(case, PythonCase) and case.filename.endswith(".py"):
                yield pytest.param(case.source, id=f"{rule.code}-case-{number}")


@pytest.fixture
def repo_root() -> Path:
    return ROOT


def pytest_report_header(config):
    """Which pinlint is tested (a checkout's or an installed one), and which servers the live tests
    run against: their facts depend on PgBouncer's version."""
    import pinlint
    from live_pooler import REQUIRE, flavours, postgres_bindir

    bindir = postgres_bindir()
    found, missing = flavours()
    consequence = " (PINLINT_LIVE=require: live tests fail)" if REQUIRE else ""
    lines = [f"pinlint: {Path(pinlint.__file__).parent}"]
    lines.append(f"live PostgreSQL: {bindir.parent.name} ({bindir})" if isinstance(bindir, Path) else f"live PostgreSQL: {bindir}{consequence}")
    lines += [f"live PgBouncer: {flavour.id} ({flavour.binary}), target {flavour.target.value}" for flavour in found]
    lines += [f"live PgBouncer: {reason}{consequence}" for reason in missing]
    return lines


def pytest_generate_tests(metafunc):
    """Every live test runs on each PgBouncer flavour; a missing one is a test that skips, or
    fails under PINLINT_LIVE=require, so that it cannot go unnoticed."""
    if "live_pooler" not in metafunc.fixturenames:
        return
    from live_pooler import flavours

    found, missing = flavours()
    # A test about what a driver sends, not about what PgBouncer does with it, names one target.
    targets = {target for marker in metafunc.definition.iter_markers("pgbouncer_targets") for target in marker.args}
    params = [pytest.param(flavour, id=flavour.id) for flavour in found if not targets or flavour.target in targets]
    if missing:
        params.append(pytest.param("; ".join(missing), id="pgbouncer-missing"))
    metafunc.parametrize("live_pooler", params, indirect=True, scope="session")


@pytest.fixture(scope="session")
def live_postgres():
    """PostgreSQL for the whole session; see `live_pooler.py`."""
    from live_pooler import REQUIRE, postgres_bindir, running_postgres

    bindir = postgres_bindir()
    if isinstance(bindir, str):
        if REQUIRE:
            pytest.fail(f"PINLINT_LIVE=require, but there are {bindir}")
        pytest.skip(f"live tests need the servers: {bindir}; PINLINT_LIVE=require makes this a failure")
    with running_postgres(bindir) as postgres:
        yield postgres


@pytest.fixture(scope="session")
def live_pooler(request, live_postgres):
    """One PgBouncer flavour in front of the session's PostgreSQL, while its tests run."""
    from live_pooler import REQUIRE, running_pooler

    flavour = request.param
    if isinstance(flavour, str):
        if REQUIRE:
            pytest.fail(f"PINLINT_LIVE=require, but there is {flavour}")
        pytest.skip(f"live tests: {flavour}; PINLINT_LIVE=require makes this a failure")
    with running_pooler(live_postgres, flavour) as pooler:
        yield pooler


@pytest.fixture
def live(live_pooler):
    live_pooler.reset()
    return live_pooler


@pytest.fixture(autouse=True)
def first_pass_loses_nothing(monkeypatch):
    """Whenever a test's Python source is cleared by the cheap first pass, the full analysis must
    find nothing in it either, under every rule, target and confidence: every snippet the suite
    lints in-process is evidence that the first pass loses no finding."""
    from pinlint import engine
    from pinlint.diagnostics import Confidence
    from pinlint.python import first_pass
    from pinlint.settings import Settings
    from pinlint.targets import Target

    cleared = []
    real = first_pass.needs_full_analysis

    # Re-linted without a file path, a source has no project settings and no project modules:
    # `.iterator()` is cleared only when the project's settings did not keep server-side cursors,
    # and a file only when it calls no project wrapper, so that is the same.
    def recording(text, path, dialect, tree=None, server_side_cursors=lambda: True, calls_wrapper=lambda: False):
        verdict = real(text, path, dialect, tree, server_side_cursors, calls_wrapper)
        if not verdict:
            cleared.append((text, path, dialect))
        return verdict

    monkeypatch.setattr(first_pass, "needs_full_analysis", recording)
    yield
    monkeypatch.undo()
    for text, path, dialect in cleared:
        everything = Settings(targets=tuple(Target), dialect=dialect, min_confidence=Confidence.LOW, first_pass=False)
        findings = engine.lint_text(text, path, everything, is_python=True).findings
        assert [f for f in findings if f.code != "PIN900"] == [], f"the first pass cleared {path}:\n{text}"

# Fixture files are linted, never collected: some are named like test modules on purpose.
collect_ignore_glob = ["fixtures/*"]
