"""Where suppressions are written (`--add-noqa`, the editor's "ignore on this line" and "ignore in
this file"): the exact text they make, and that the engine then reports nothing (the finding
suppressed, the suppression used)."""

from __future__ import annotations

import pytest

from pinlint.engine import lint_source
from pinlint.settings import Settings
from pinlint.suppression_edits import file_suppression, line_suppressions

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
    edits = line_suppressions(text, name, name.endswith(".py"), [_finding(text, name)])
    return _apply(text, edits[0]) if edits else None


def _in_file(text: str, name: str) -> str:
    return _apply(text, file_suppression(text, name, name.endswith(".py"), _finding(text, name).code))


@pytest.mark.parametrize(
    "name, text, expected",
    [
        # The comment goes at the end of the logical line, after the string the SQL is in.
        (
            "app.py",
            CONNECT + 'conn.execute(\n    """\n    SET search_path = app\n    """,\n)   \nx = 1\n',
            CONNECT + 'conn.execute(\n    """\n    SET search_path = app\n    """,\n)  # pinlint: ignore[PIN101]\nx = 1\n',
        ),
        # Into a `noqa:` list or a directive there; after another comment.
        (
            "app.py",
            CONNECT + 'conn.execute("SET search_path = app")  # noqa: E501\n',
            CONNECT + 'conn.execute("SET search_path = app")  # noqa: E501, PIN101\n',
        ),
        (
            "app.py",
            CONNECT + 'conn.execute("SET search_path = app")  # why: # noqa\n',
            CONNECT + 'conn.execute("SET search_path = app")  # why: # noqa  # pinlint: ignore[PIN101]\n',
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
        ("a.sql", "SELECT 1;\nSET search_path\n  TO app;  \nSELECT 2;\n", "SELECT 1;\nSET search_path\n  TO app;  -- pinlint: ignore[PIN101]\nSELECT 2;\n"),
        ("a.sql", "SELECT 1;\nSET search_path TO 'a\nb';\n", "SELECT 1;\nSET search_path TO 'a\nb';  -- pinlint: ignore[PIN101]\n"),
        # Above it when that line ends in a string, or in a comment that takes no line directive.
        ("a.sql", "SET search_path TO app; SELECT 'a\n-- b';\n", "-- pinlint: ignore[PIN101]\nSET search_path TO app; SELECT 'a\n-- b';\n"),
        (
            "a.sql",
            "  SET search_path TO app; -- pinlint: file-ignore[PIN109]\n",
            "  -- pinlint: ignore[PIN101]\n  SET search_path TO app; -- pinlint: file-ignore[PIN109]\n",
        ),
        ("a.sql", "SET search_path TO app; -- ignore[PIN109] pinlint: ignore[PIN109]\n", "SET search_path TO app; -- ignore[PIN109] pinlint: ignore[PIN109, PIN101]\n"),
        # A config file: a line of its own above, indented alike; into a directive there.
        (".env", "A=1\n  DATABASE_URL=postgres://h/db?options=-c%20search_path%3Dapp\n", "A=1\n  # pinlint: ignore[PIN201]\n  DATABASE_URL=postgres://h/db?options=-c%20search_path%3Dapp\n"),
        (
            "app.yaml",
            "db:\n  # pinlint: ignore[]\n  url: postgres://h/db?options=-c%20search_path%3Dapp\n",
            "db:\n  # pinlint: ignore[PIN201]\n  url: postgres://h/db?options=-c%20search_path%3Dapp\n",
        ),
        (
            "pgbouncer.ini",
            "[databases]\n; pinlint: ignore[PIN109]\napp = host=db options=-c%20search_path%3Dapp\n",
            "[databases]\n; pinlint: ignore[PIN109, PIN201]\napp = host=db options=-c%20search_path%3Dapp\n",
        ),
    ],
)
def test_ignore_on_line(name, text, expected):
    assert _on_line(text, name) == expected
    assert _left(expected, name) == (["PIN901"] if "PIN109" in text else [])


def test_no_line_comment_where_none_would_be_read():
    # Python: only a comment's first directive is read, and this one is file level.
    text = CONNECT + 'conn.execute("SET search_path = app")  # pinlint: file-ignore[PIN109]\n'
    assert _on_line(text, "app.py") is None
    # SQL: the statement's line both starts and ends inside a string.
    text = "SELECT 'a\n'; SET search_path TO app; SELECT 'b\n';\n"
    assert _on_line(text, "a.sql") is None
    assert _in_file(text, "a.sql") == "-- pinlint: file-ignore[PIN101]\n" + text


def test_what_is_not_suppressed():
    text = "SET search_path TO app;\n-- pinlint: ignore[PIN109]\nSELECT 1;\n"
    unused = [f for f in _lint(text, "a.sql") if f.code == "PIN901"]
    assert len(unused) == 1
    assert line_suppressions(text, "a.sql", False, unused) == []


def test_a_file_directive_in_a_string_is_none():
    text = "SELECT '\n-- pinlint: file-ignore[PIN109]\n';\nSET search_path TO app;\n"
    assert _in_file(text, "a.sql") == "-- pinlint: file-ignore[PIN101]\n" + text
    assert _left(_in_file(text, "a.sql"), "a.sql") == []


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
