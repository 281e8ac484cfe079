"""What a string in a test module is: SQL the test sends, or data about SQL.

Test modules hold far more expected statements, fixtures and scenario tables than statements
they run, so there a string that reaches no execution call is reported at low confidence only,
and the strings of scenario tables not at all: a list, tuple, set or dict literal (or `dict(...)`)
written as data, and the cases of `pytest.mark.parametrize(...)` / `pytest.param(...)`. A
collection that a call takes is not a table (`RunSQL(["..."])` runs its strings), and neither
are the arguments of a call inside a table (`[RunSQL("...")]`).

The visitor and the first pass both judge strings with these contexts, pushed per node.
"""

from __future__ import annotations

import re

# A node's strings are: plain code, arguments of a call, or data.
CODE, ARGUMENT, DATA = "code", "argument", "data"

# Test modules as test runners find them: under `tests/`, `test_*.py`, `*_test.py`, `conftest.py`.
_TEST_MODULE = re.compile(r"(?:^|[/\\])(?:tests[/\\].*|test_[^/\\]*\.py|[^/\\]*_test\.py|conftest\.py)$")


def is_test_module(path: str) -> bool:
    return bool(_TEST_MODULE.search(path))


def collection_context(around: str) -> str:
    """A list, tuple, set or dict literal: data, unless a call takes it."""
    return ARGUMENT if around == ARGUMENT else DATA


def call_context(around: str, name: str, is_method: bool) -> str:
    """A call named ``name``: its arguments are arguments, except those of `dict(...)` (a
    collection), of the test cases of pytest, and of `.format()` (which only composes)."""
    if is_method and name == "format":
        return around
    if name in ("parametrize", "param"):
        return DATA
    if not is_method and name == "dict":
        return collection_context(around)
    return ARGUMENT
