"""Turn a Python string expression into the SQL text it sends, judged by its constant parts.

Values that are only known at run time (f-string fields, `%` and `.format()` arguments, the
other side of a `+`) become a neutral placeholder, so `f"SET search_path TO {tenant}"` still
reads as a `SET` and `set_config('x', 'y', {flag})` still has a non-constant third argument.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass

import libcst as cst

from pinlint.connections.model import Composed

HOLE = Composed.HOLE
_FORMAT_FIELD = re.compile(r"\{\{|\}\}|\{[^{}]*\}")


@dataclass(frozen=True)
class SqlString:
    text: str
    anchor: cst.CSTNode  # the first literal: findings are reported at its opening quote
    span: cst.CSTNode  # the whole expression, for the end position
    literal: bool  # written out in full, nothing filled in at run time


STRING_NODES = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)


def compose(expr: cst.BaseExpression) -> SqlString | None:
    if isinstance(expr, cst.SimpleString):
        value = _simple_value(expr)
        return None if value is None else SqlString(value, expr, expr, True)
    if isinstance(expr, cst.FormattedString):
        text, filled = _formatted_value(expr)
        return SqlString(text, expr, expr, not filled)
    if isinstance(expr, cst.ConcatenatedString):
        left, right = compose(expr.left), compose(expr.right)
        if left is None or right is None:
            return None
        return SqlString(left.text + right.text, left.anchor, expr, left.literal and right.literal)
    if isinstance(expr, cst.BinaryOperation):
        if isinstance(expr.operator, cst.Add):
            left, right = compose(expr.left), compose(expr.right)
            if left is None and right is None:
                return None
            anchor = left.anchor if left else right.anchor  # type: ignore[union-attr]
            return SqlString((left.text if left else HOLE) + (right.text if right else HOLE), anchor, expr, False)
        if isinstance(expr.operator, cst.Modulo):
            left = compose(expr.left)
            return None if left is None else SqlString(left.text, left.anchor, expr, False)
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "format"
    ):
        base = compose(expr.func.value)
        if base is not None:
            return SqlString(fill_format_fields(base).text, base.anchor, expr, False)
    return None


def fill_format_fields(string: SqlString) -> SqlString:
    """`{}` and `{name}` fields (str.format, psycopg `sql.SQL`) become placeholders."""
    return SqlString(_FORMAT_FIELD.sub(_format_field, string.text), string.anchor, string.span, string.literal)


def opening_quote_offset(node: cst.CSTNode) -> int:
    """Characters between a literal's start and its opening quote (the `rb` of `rb"..."`)."""
    if isinstance(node, cst.SimpleString):
        return len(node.prefix)
    if isinstance(node, cst.FormattedString):
        return len(node.prefix)
    return 0


def _format_field(match: re.Match) -> str:
    text = match.group()
    return text[0] if text in ("{{", "}}") else HOLE


def _simple_value(node: cst.SimpleString) -> str | None:
    raw = node.value
    if "\\" not in raw and "\r" not in raw:  # nothing to unescape or normalise: the text between the quotes
        quote = len(node.quote)
        return raw[len(node.prefix) + quote : len(raw) - quote]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes are the linted code's business
            value = node.evaluated_value
    except Exception:  # an escape Python itself would reject
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _formatted_value(node: cst.FormattedString) -> tuple[str, bool]:
    pieces, filled = [], False
    for part in node.parts:
        if isinstance(part, cst.FormattedStringText):
            pieces.append(part.value.replace("{{", "{").replace("}}", "}"))
        else:
            pieces.append(HOLE)
            filled = True
    raw = "".join(pieces)
    quote = node.start[len(node.prefix) :]
    prefix = node.prefix.lower().replace("f", "")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes are the linted code's business
            value = ast.literal_eval(f"{prefix}{quote}{raw}{quote}")
    except (SyntaxError, ValueError):
        return raw, filled
    return (value.decode("utf-8", "replace") if isinstance(value, bytes) else value), filled
