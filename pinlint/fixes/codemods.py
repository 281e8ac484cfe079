"""libcst codemods of the Python a driver hit is anchored at: keywords added to a call (or to the
dict a keyword of it passes), a value replaced, and the imports the new code needs.

A call is rewritten as libcst regenerates it, so its formatting, comments and trailing commas
stay as written; the edit is only made when regenerating the untouched call gives back exactly
the text the file has there.
"""

from __future__ import annotations

import ast
import re

import libcst as cst
from libcst._nodes.internal import CodegenState

from pinlint.fixes import Edit
from pinlint.fixes.repairs import Import, Keywords, Value

_NEWLINE = re.compile(r"\r\n?|\n")
_INDENT = re.compile(r"[ \t]*")
# Lines above a node whose indentation may be the block's (a call's first line can be a continuation).
_INDENT_LOOKBACK = 8


def edits(text: str, starts: list[int], origin, repair: Keywords | Value) -> list[Edit] | None:
    """The edits that make ``repair`` at ``origin`` (a `PlacedHit` whose node is a call or a
    value); None when it cannot be written exactly."""
    node = origin.node
    if getattr(node, "lpar", None) or getattr(node, "rpar", None):
        return None  # its place is given without its parentheses
    start = starts[origin.row - 1] + origin.col - 1
    end = starts[origin.end_row - 1] + origin.end_col - 1
    indent = _indent_reproducing(text, starts, origin.row, start, end, node)
    if indent is None:
        return None
    if isinstance(repair, Value):
        return [Edit(start, end, repair.source)]
    if not isinstance(node, cst.Call):
        return None
    changed = _with_keywords(node, repair)
    if changed is None:
        return None
    return [Edit(start, end, _code(changed, indent, newline_of(text)))]


def newline_of(text: str) -> str:
    """The file's line break, for new lines."""
    found = _NEWLINE.search(text)
    return found.group() if found else "\n"


def _code(node: cst.CSTNode, indent: str, newline: str = "\n") -> str:
    state = CodegenState(default_indent="    ", default_newline=newline)
    state.indent_tokens = [indent] if indent else []
    node._codegen(state)
    return "".join(state.tokens)


def _indent_reproducing(text: str, starts: list[int], row: int, start: int, end: int, node: cst.CSTNode) -> str | None:
    """The block indentation under which libcst writes ``node`` exactly as ``text[start:end]``."""
    written = text[start:end]
    newline = newline_of(text)
    candidates = [""]
    for line in range(row, max(0, row - _INDENT_LOOKBACK), -1):
        indent = _INDENT.match(text, starts[line - 1]).group()
        if indent not in candidates:
            candidates.append(indent)
    return next((indent for indent in candidates if _code(node, indent, newline) == written), None)


def _with_keywords(call: cst.Call, repair: Keywords) -> cst.Call | None:
    values = [(name, cst.parse_expression(source)) for name, source in repair.pairs]
    if not repair.into:
        return _call_with(call, values)
    holder = next((arg for arg in call.args if arg.keyword is not None and arg.keyword.value == repair.into), None)
    if holder is None:
        if any(arg.star == "**" for arg in call.args):
            return None  # the mapping may pass it already
        mapping = cst.Dict([cst.DictElement(_key(name, '"'), value) for name, value in values])
        return _call_with(call, [(repair.into, mapping)])
    value = holder.value
    if isinstance(value, cst.Dict):
        changed_value: cst.BaseExpression | None = _dict_with(value, values)
    elif isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "dict":
        changed_value = _call_with(value, values)
    else:
        return None  # a variable or a call: its keys are written elsewhere
    if changed_value is None:
        return None
    return call.with_changes(args=[arg.with_changes(value=changed_value) if arg is holder else arg for arg in call.args])


def _call_with(call: cst.Call, values: list[tuple[str, cst.BaseExpression]]) -> cst.Call | None:
    args = list(call.args)
    for name, value in values:
        index = next((i for i, arg in enumerate(args) if arg.keyword is not None and arg.keyword.value == name), None)
        if index is not None:
            args[index] = args[index].with_changes(value=value)
        elif any(arg.star == "**" for arg in args):
            return None  # the mapping may pass it too: a second value would be a TypeError
        else:
            args = _appended(args, cst.Arg(value, keyword=cst.Name(name), equal=_EQUAL))
    return call.with_changes(args=args)


def _dict_with(mapping: cst.Dict, values: list[tuple[str, cst.BaseExpression]]) -> cst.Dict | None:
    elements = list(mapping.elements)
    if any(not isinstance(e, cst.DictElement) for e in elements):
        return None  # `**other`: it may hold the key too
    quote = next((e.key.quote[0] for e in elements if isinstance(e.key, cst.SimpleString)), '"')
    for name, value in values:
        index = next((i for i, e in enumerate(elements) if _key_name(e.key) == name), None)
        if index is not None:
            elements[index] = elements[index].with_changes(value=value)
        else:
            elements = _appended(elements, cst.DictElement(_key(name, quote), value), _closing_line(mapping))
    return mapping.with_changes(elements=elements)


def _closing_line(mapping: cst.Dict) -> cst.ParenthesizedWhitespace | None:
    """For a dict written one item a line (its `}` on a line of its own), the line break and
    indentation that go before an item; None for one written on one line."""
    closing = mapping.rbrace.whitespace_before
    if not isinstance(closing, cst.ParenthesizedWhitespace):
        return None
    for element in reversed(mapping.elements[:-1]):
        if isinstance(element.comma, cst.Comma) and isinstance(element.comma.whitespace_after, cst.ParenthesizedWhitespace):
            return element.comma.whitespace_after.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
    opening = mapping.lbrace.whitespace_after
    if isinstance(opening, cst.ParenthesizedWhitespace):
        return opening.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
    return closing.with_changes(
        first_line=cst.TrailingWhitespace(), empty_lines=[], last_line=cst.SimpleWhitespace(closing.last_line.value + "    ")
    )


_EQUAL = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
_SPACE_COMMA = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _appended(items: list, new, line: cst.ParenthesizedWhitespace | None = None) -> list:
    """``items`` (arguments or dict elements) with ``new`` last, laid out as they are: on the
    same line after `, `, or, in a list written one item a line, on a line of its own with the
    trailing comma and the line break before the closing bracket (a comment stays where it was).
    ``line``: the break before an item of a dict whose closing brace holds the last break."""
    if not items:
        return [new]
    last = items[-1]
    comma = last.comma
    if line is not None and not (isinstance(comma, cst.Comma) and isinstance(comma.whitespace_after, cst.ParenthesizedWhitespace)):
        separator = comma.with_changes(whitespace_after=line) if isinstance(comma, cst.Comma) else cst.Comma(whitespace_after=line)
        return [*items[:-1], last.with_changes(comma=separator), new.with_changes(comma=comma)]
    previous = items[-2].comma if len(items) > 1 and isinstance(items[-2].comma, cst.Comma) else None
    if not isinstance(comma, cst.Comma):
        # The break before the closing bracket, if any, follows the new last argument.
        if isinstance(last, cst.Arg):
            new = new.with_changes(whitespace_after_arg=last.whitespace_after_arg)
            last = last.with_changes(whitespace_after_arg=cst.SimpleWhitespace(""))
        return [*items[:-1], last.with_changes(comma=previous or _SPACE_COMMA), new]
    after = comma.whitespace_after
    if isinstance(after, cst.ParenthesizedWhitespace):
        if previous is not None and isinstance(previous.whitespace_after, cst.ParenthesizedWhitespace):
            indent = previous.whitespace_after.last_line
        else:
            indent = cst.SimpleWhitespace(after.last_line.value + "    ")
        kept = comma.with_changes(whitespace_after=after.with_changes(last_line=indent))
        closing = comma.with_changes(whitespace_after=after.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[]))
        return [*items[:-1], last.with_changes(comma=kept), new.with_changes(comma=closing)]
    return [*items[:-1], last.with_changes(comma=previous or _SPACE_COMMA), new.with_changes(comma=comma)]


def _key(name: str, quote: str) -> cst.SimpleString:
    return cst.SimpleString(f"{quote}{name}{quote}")


def _key_name(key: cst.BaseExpression) -> str | None:
    if isinstance(key, cst.SimpleString):
        value = key.evaluated_value
        return value if isinstance(value, str) else None
    return None


class ModuleImports:
    """Which names a module binds at its top level, and where a new import goes: after the
    imports that open the module (its docstring and `from __future__` stay first)."""

    def __init__(self, text: str, starts: list[int]) -> None:
        self.text = text
        self.starts = starts
        try:
            self.module: ast.Module | None = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            self.module = None

    def edits(self, imports: tuple[Import, ...]) -> list[Edit] | None:
        if self.module is None:
            return None
        bound = self._bound()
        missing = [statement for name, statement in imports if name not in bound]
        if not missing:
            return []
        offset, lead = self._insertion_point()
        newline = newline_of(self.text)
        return [Edit(offset, offset, lead + "".join(statement + newline for statement in missing))]

    def _bound(self) -> set[str]:
        names = set()
        for node in self.module.body:  # type: ignore[union-attr]
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((alias.asname or alias.name).partition(".")[0] for alias in node.names)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        return names

    def _insertion_point(self) -> tuple[int, str]:
        """Where the import lines go, and what must come first there (a line break when the
        file's last line has none)."""
        body = self.module.body  # type: ignore[union-attr]
        after = None
        for index, node in enumerate(body):
            docstring = index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
            if docstring or isinstance(node, (ast.Import, ast.ImportFrom)):
                after = node
            else:
                break
        if after is None:
            if not body:
                return len(self.text), "" if not self.text or self.text.endswith(("\n", "\r")) else newline_of(self.text)
            first = body[0]
            line = min([first.lineno, *(d.lineno for d in getattr(first, "decorator_list", ()))])
            return self.starts[line - 1], ""
        line = after.end_lineno or after.lineno
        if line < len(self.starts):
            return self.starts[line], ""
        return len(self.text), "" if self.text.endswith(("\n", "\r")) else newline_of(self.text)
