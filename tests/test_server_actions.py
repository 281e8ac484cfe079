"""Which documents the editor server lints (their suppression edits: tests/test_suppression_edits.py)."""

from __future__ import annotations

import pytest

from pinlint.server.documents import CONFIG, PYTHON, SQL, kind_of


@pytest.mark.parametrize(
    "name, language, kind",
    [
        ("app.py", None, PYTHON), ("types.pyi", "python", PYTHON), ("setup.sql", None, SQL), ("q.pgsql", "sql", SQL),
        (".env.local", None, CONFIG), ("pgbouncer.ini", "ini", CONFIG), ("manage", "python", PYTHON),
        ("Untitled-1", "SQL", SQL), ("notes.txt", "plaintext", None), ("README", None, None),
    ],
)
def test_which_documents_are_linted(name, language, kind):
    assert kind_of(name, language) == kind
