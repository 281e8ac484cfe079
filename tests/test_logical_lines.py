"""Python source is cut into logical lines exactly where Python's tokenizer ends them, or not at
all; and the first pass composes the same texts from those lines as from the whole file's tree."""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
from collections import Counter

import pytest
from hypothesis import given

from conftest import python_sources
from pinlint.python import first_pass
from pinlint.python.first_pass import parse_python
from pinlint.python.logical_lines import logical_lines
from test_fuzz import fuzz, python_programs, python_with_sql

TRICKY = [
    "x = 1\ny = 2\n",
    "x = 1",  # no final line break
    "\n\n# a comment with 'a quote\n\n",
    "s = 'it''s'  # \"quoted\" comment\n",
    's = "a # not a comment"\nt = 1\n',
    "s = '''\nline (\n'''  # ]\nt = ')'\n",
    's = """a \\""" still open\n"" "\n"""\n',
    "s = 'a\\\nb'\nt = 1\n",  # a backslash continues a single-quoted string
    "x = 1 + \\\n    2\ny = 3\n",
    "call(a,\n     b,  # comment (\n     [c, {d: e}])\nz = 0\n",
    "if x:  # (\n    pass\nelse:\n    y = '#'\n",
    "s = rb'\\'' + Rb\"\\\"\" + f'{x!r:>{width}}' + u'\\N{BULLET}'\n",
    "x = [[[[[[[[1]]]]]]]]\n",
    "@decorator(\n    arg,\n)\ndef f(): pass\n",
    "x = 1\r\ny = (2,\r\n     3)\r\n",
    "x = 1\ry = (2,\r     3)\r",
    "x = '\\\r\n'\n",
    "class A: x = 1; y = 2\n",
]


def _ends_by_tokenizer(source: str) -> set[int]:
    """The physical lines on which Python's tokenizer ends a logical line, or a blank or comment
    line outside brackets, with a line break (universal newlines: Python breaks lines at `\r`)."""
    ends, depth = set(), 0
    for token in tokenize.generate_tokens(io.StringIO(source, newline=None).readline):
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        elif token.type == tokenize.NEWLINE or token.type == tokenize.NL and depth == 0:
            if token.string:  # not the end of a source without a final line break
                ends.add(token.start[0])
    return ends


def _ends_by_cut(lines: list[str]) -> set[int]:
    ends, row = set(), 0
    for line in lines:
        breaks = len(re.findall(r"\r\n|\r|\n", line))
        row += breaks
        if breaks and line.endswith(("\n", "\r")):
            ends.add(row)
    return ends


def _assert_cut_as_python_does(source: str) -> None:
    lines = logical_lines(source)
    if lines is None:
        return
    assert "".join(lines) == source
    assert _ends_by_cut(lines) == _ends_by_tokenizer(source)


PYTHON_SOURCES = [*python_sources(), *(pytest.param(source, id=f"tricky-{n}") for n, source in enumerate(TRICKY))]


@pytest.mark.parametrize("source", PYTHON_SOURCES)
def test_logical_lines_end_where_pythons_tokenizer_ends_them(source):
    ast.parse(source)  # only source that Python accepts is ever cut
    assert logical_lines(source) is not None
    _assert_cut_as_python_does(source)


def test_the_cut_is_refused_rather_than_wrong_past_twelve_nested_brackets():
    assert logical_lines(f"x = {'[' * 12}1{']' * 12}\n") is not None
    assert logical_lines(f"x = {'[' * 13}1{']' * 13}\ny = 2\n") is None


def test_since_python_3_12_sources_with_f_strings_are_not_cut(monkeypatch):
    """PEP 701 lets an f-string's fields hold strings in its own quotes."""
    monkeypatch.setattr(sys, "version_info", (3, 12, 0))
    assert logical_lines("x = f'{y}'\n") is None
    assert logical_lines("x = Rf'{y}'\n") is None
    assert logical_lines("x = t'{y}'\n") is None
    assert logical_lines("x = 'of' + y\n") == ["x = 'of' + y\n"]


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@fuzz(max_examples=100)
@given(source=python_with_sql())
def test_python_passing_random_sql_is_cut_as_python_does(source):
    _assert_cut_as_python_does(source)


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@fuzz(max_examples=100)
@given(source=python_programs())
def test_random_python_is_cut_as_python_does(source):
    _assert_cut_as_python_does(source)


def _same_texts(source: str, dialect: str = "postgres") -> None:
    """The first pass composes the same texts from the logical lines it picks as from the tree."""
    lowered = source.lower()
    raw = first_pass._SQL_RAW + (first_pass._MYSQL_RAW if dialect == "mysql" else ())
    lines = first_pass._Lines(source, lowered, raw)
    if not lines.sql_like and not lines.large:
        return
    from_lines = first_pass._texts_of_logical_lines(source, lines)
    if from_lines is not None:
        assert Counter(from_lines) == Counter(first_pass._sql_texts(parse_python(source), lines))


@pytest.mark.parametrize("dialect", ["postgres", "mysql"])
@pytest.mark.parametrize("source", PYTHON_SOURCES)
def test_texts_from_logical_lines_are_those_from_the_whole_tree(source, dialect):
    _same_texts(source, dialect)


@pytest.mark.parametrize(
    "source",
    [
        '@pytest.mark.parametrize("sql", ["SET a TO 1"])\ndef test(sql): pass\n',
        '@"SET a TO 1"\ndef f(): pass\n',  # a decorator is no docstring
        'def f(sql="SET a TO 1"):  # a header, # then a comment\n    return sql\n',
        'class Q(Base, sql="SET a TO 1"): pass\n',
        'with run("SET a TO 1") as x:\n    pass\n',
        'if x == "#":  # SET\n    y = "SET a TO 1"\n',
        'def f():\n    """SET the thing."""\n    run("SET a TO 1")\n',
        'x = ("SET a TO 1"\n     "; SET b TO 2")\n',
        "s = '''\nSET a TO 1\n'''\n",
        "s = 1\r\nt = 'SET a TO 1'\rassert u == 'SET b TO 2'\r\n",
    ],
)
def test_texts_of_headers_decorators_and_docstrings_are_those_from_the_whole_tree(source):
    lines = first_pass._Lines(source, source.lower(), first_pass._SQL_RAW)
    assert first_pass._texts_of_logical_lines(source, lines) is not None
    _same_texts(source)


def test_a_clause_that_cannot_stand_alone_falls_back_to_the_whole_tree():
    source = 'if x:\n    pass\nelif run("SET a TO 1"):\n    pass\n'
    lines = first_pass._Lines(source, source.lower(), first_pass._SQL_RAW)
    assert first_pass._texts_of_logical_lines(source, lines) is None
    assert first_pass.needs_full_analysis(source, "app.py", "auto")


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@fuzz(max_examples=200)
@given(source=python_with_sql())
def test_texts_of_python_passing_random_sql_are_those_from_the_whole_tree(source):
    try:
        ast.parse(source)
    except SyntaxError:
        return
    _same_texts(source)
