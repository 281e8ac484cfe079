"""The editor's "ignore on this line" and "ignore in this file" edits: the exact text they make,
and that the engine then reports nothing (the finding suppressed, the suppression used)."""

from __future__ import annotations

import pytest

from pinlint.engine import lint_source
from pinlint.server.actions import ignore_in_file, ignore_on_line
from pinlint.server.documents import CONFIG, PYTHON, SQL, kind_of
from pinlint.settings import Settings

CONNECT = "import psycopg\n\nconn = psycopg.connect(DSN)\n"


def _lint(text: str, name: str):
    return lint_source(text.encode("utf-8"), name, Settings()).findings


def _apply(text: str, edit) -> str:
    return text[: edit.start] + edit.replacement + text[edit.end :]


def _finding(text: str, name: str):
    """The one finding to suppress (a PIN109 suppression in the text is there unused)."""
    (finding,) = [f for f in _lint(text, name) if f.code != "PIN901"]
    return finding


def _left(text: str, name: str) -> list[str]:
    """What the engine reports once a suppression is added: only the unused PIN109 one's."""
    return [f.code for f in _lint(text, name)]


def _on_line(text: str, name: str) -> str | None:
    finding = _finding(text, name)
    edit = ignore_on_line(text, kind_of(name, None), finding.code, finding.row, finding.end_row, finding.end_col)
    return None if edit is None else _apply(text, edit)


def _in_file(text: str, name: str) -> str:
    finding = _finding(text, name)
    return _apply(text, ignore_in_file(text, kind_of(name, None), finding.code))


@pytest.mark.parametrize(
    "name, text, expected",
    [
        # The comment goes at the end of the logical line, after the string the SQL is in.
        (
            "app.py",
            CONNECT + 'conn.execute(\n    """\n    SET search_path = app\n    """,\n)   \nx = 1\n',
            CONNECT + 'conn.execute(\n    """\n    SET search_path = app\n    """,\n)  # pinlint: ignore[PIN101]\nx = 1\n',
        ),
        # After another comment there; into a directive there.
        (
            "app.py",
            CONNECT + 'conn.execute("SET search_path = app")  # noqa: E501\n',
            CONNECT + 'conn.execute("SET search_path = app")  # noqa: E501  # pinlint: ignore[PIN101]\n',
        ),
        (
            "app.py",
            CONNECT + 'conn.execute("SET search_path = app")  # pinlint: ignore[PIN109] -- why\n',
            CONNECT + 'conn.execute("SET search_path = app")  # pinlint: ignore[PIN109, PIN101] -- why\n',
        ),
        # Windows line endings, and no line break at the end.
        (
            "app.py",
            CONNECT.replace("\n", "\r\n") + 'conn.execute("SET search_path = app")',
            CONNECT.replace("\n", "\r\n") + 'conn.execute("SET search_path = app")  # pinlint: ignore[PIN101]',
        ),
        # SQL: after the statement, on its last line.
        ("a.sql", "SELECT 1;\nSET search_path\n  TO app;  \nSELECT 2;\n", "SELECT 1;\nSET search_path\n  TO app; -- pinlint: ignore[PIN101]\nSELECT 2;\n"),
        ("a.sql", "SET search_path TO app; -- ignore[PIN109] pinlint: ignore[PIN109]\n", "SET search_path TO app; -- ignore[PIN109] pinlint: ignore[PIN109, PIN101]\n"),
        # A config file: a line of its own above, indented alike; into a directive there.
        (".env", "A=1\n  DATABASE_URL=postgres://h/db?options=-c%20search_path%3Dapp\n", "A=1\n  # pinlint: ignore[PIN201]\n  DATABASE_URL=postgres://h/db?options=-c%20search_path%3Dapp\n"),
        (
            "app.yaml",
            "db:\n  # pinlint: ignore[]\n  url: postgres://h/db?options=-c%20search_path%3Dapp\n",
            "db:\n  # pinlint: ignore[PIN201]\n  url: postgres://h/db?options=-c%20search_path%3Dapp\n",
        ),
    ],
)
def test_ignore_on_line(name, text, expected):
    assert _on_line(text, name) == expected
    assert _left(expected, name) == (["PIN901"] if "PIN109" in text else [])


def test_no_line_comment_where_it_could_land_in_a_string():
    # Another statement starts after the finding's, in a string that goes on to the next line.
    text = "SET search_path TO app; SELECT 'a\n-- b';\n"
    assert _on_line(text, "a.sql") is None
    assert _in_file(text, "a.sql") == "-- pinlint: file-ignore[PIN101]\n" + text


@pytest.mark.parametrize(
    "name, text, expected",
    [
        ("app.py", CONNECT + 'conn.execute("SET search_path = app")\n', "# pinlint: file-ignore[PIN101]\n" + CONNECT + 'conn.execute("SET search_path = app")\n'),
        # Below a shebang and an encoding declaration, which must stay on the first two lines.
        (
            "app.py",
            "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n" + CONNECT + 'conn.execute("SET search_path = app")\n',
            "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# pinlint: file-ignore[PIN101]\n" + CONNECT + 'conn.execute("SET search_path = app")\n',
        ),
        # Into a file-level directive there already (one inside a string is no comment).
        (
            "app.py",
            'X = """\n# pinlint: file-ignore[PIN109]\n"""\n# pinlint: file-ignore[PIN109]\n' + CONNECT + 'conn.execute("SET search_path = app")\n',
            'X = """\n# pinlint: file-ignore[PIN109]\n"""\n# pinlint: file-ignore[PIN109, PIN101]\n' + CONNECT + 'conn.execute("SET search_path = app")\n',
        ),
        ("a.sql", "SET search_path TO app;", "-- pinlint: file-ignore[PIN101]\nSET search_path TO app;"),
        ("a.sql", "-- pinlint: file-ignore[PIN109]\r\nSET search_path TO app;\r\n", "-- pinlint: file-ignore[PIN109, PIN101]\r\nSET search_path TO app;\r\n"),
        (".env", "DATABASE_URL=postgres://h/db?options=-c%20search_path%3Dapp\n", "# pinlint: file-ignore[PIN201]\nDATABASE_URL=postgres://h/db?options=-c%20search_path%3Dapp\n"),
    ],
)
def test_ignore_in_file(name, text, expected):
    assert _in_file(text, name) == expected
    assert _left(expected, name) == (["PIN901"] if "PIN109" in text else [])


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
