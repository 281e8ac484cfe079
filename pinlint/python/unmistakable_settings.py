"""Connection settings that speak for themselves, whatever call receives them.

Settings often reach the driver through calls pinlint cannot follow: test helpers, decorators,
wrappers from other packages, framework config. Two values are findings anyway, at medium
confidence: a libpq option string under a key or keyword named `options`
(`make_conn(options="-c search_path=a")`, `{"options": "-c statement_timeout=5s"}`,
`args["options"] = "-c ..."`), and a
`server_settings` mapping of settings a client sends. What counts as either is decided by
`pinlint.connections.pg_settings`; look-alikes stay silent: `{"options": "-c pytest.ini"}`,
`options="--headless=new"`, `["-c", "x=y"]`, options that are dicts, lists or numbers, and a
test cluster's `server_settings={"wal_level": "hot_standby"}`.

Values are read as `read_constant` reads them, through names, and reported where they are
written. A value a recognised connection already holds (a driver call's arguments, `DATABASES`,
read directly or through names) is left to that connection, so nothing is reported twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import libcst as cst

from pinlint.connections.model import SETTINGS, Connection, Setting
from pinlint.connections.pg_settings import is_option_string, is_server_settings
from pinlint.diagnostics import Confidence
from pinlint.python.names import Scope, assigning_scope

Chain = tuple[Scope, ...]
Read = Callable[[cst.BaseExpression, Chain], object]
_MAX_HOPS = 12  # names followed from a value to where it is written (as `pinlint.python.names`)

# The key or keyword, what the value must be, and how messages call it.
_LOOKS_RIGHT = {"options": is_option_string, "server_settings": is_server_settings}
_DESCRIBED = {"options": "this option string", "server_settings": "this mapping"}


@dataclass(frozen=True)
class _Candidate:
    name: str  # options | server_settings
    value: cst.BaseExpression
    chain: Chain
    functions: tuple[cst.CSTNode, ...]


class UnmistakableSettings:
    """Collects `options` and `server_settings` values during the walk; judges them after it."""

    def __init__(self, read: Read) -> None:
        self._read = read
        self._candidates: list[_Candidate] = []
        self._judged: set[int] = set()  # nodes a recognised connection reads, through names

    # The walk's scopes and functions are copied only for a candidate: these run for every dict
    # entry and argument.
    def dict_element(self, element: cst.DictElement, scopes: list[Scope], functions: list[cst.CSTNode]) -> None:
        key = element.key
        if isinstance(key, cst.SimpleString) and key.raw_value in _LOOKS_RIGHT:
            self._candidates.append(_Candidate(key.raw_value, element.value, tuple(scopes), tuple(functions)))

    def item(self, key: str, value: cst.BaseExpression, scopes: list[Scope], functions: list[cst.CSTNode]) -> None:
        """`options["connect_args"]["options"] = "-c ..."`: a key assigned to."""
        if key in _LOOKS_RIGHT:
            self._candidates.append(_Candidate(key, value, tuple(scopes), tuple(functions)))

    def argument(self, arg: cst.Arg, scopes: list[Scope], functions: list[cst.CSTNode]) -> None:
        if arg.keyword is not None and arg.keyword.value in _LOOKS_RIGHT:
            self._candidates.append(_Candidate(arg.keyword.value, arg.value, tuple(scopes), tuple(functions)))

    def judged_by(self, connection: Connection, chain: Chain) -> None:
        """``connection`` was recognised where ``chain`` is in scope: what its settings read is its own."""
        for setting in connection.params.values():
            if isinstance(setting.anchor, cst.BaseExpression):
                self._mark_read(setting.anchor, chain)

    def connections(self, consumed: set[int]) -> Iterator[tuple[Connection, tuple[cst.CSTNode, ...]]]:
        """One connection per value that is unmistakably a setting and that no recognised connection
        holds (``consumed``: the strings inside recognised calls and settings). It is reported where
        the value is written, once however many keys and keywords take it."""
        seen: set[int] = set()  # where the values judged are written
        for candidate in self._candidates:
            origin = self._origin(candidate.value, candidate.chain)
            if origin is None or id(origin) in seen or id(origin) in self._judged or id(origin) in consumed:
                continue
            seen.add(id(origin))
            value = self._read(candidate.value, candidate.chain)
            if _LOOKS_RIGHT[candidate.name](value):
                yield Connection(
                    "", SETTINGS, _DESCRIBED[candidate.name], {candidate.name: Setting(value, origin)}, origin,
                    complete=False, confidence=Confidence.MEDIUM,
                ), candidate.functions

    def _mark_read(self, expr: cst.BaseExpression, chain: Chain) -> None:
        """Mark what `read_constant` can read from ``expr``: names' values, dict entries, `x[...]`'s
        `x`. Each node is marked once, so the work stays linear however often values are shared."""
        stack = [(expr, chain)]
        while stack:
            node, at = stack.pop()
            if id(node) in self._judged:
                continue
            self._judged.add(id(node))
            if isinstance(node, cst.Name):
                scope = assigning_scope(node.value, at)
                if scope is not None:
                    stack.extend((b.value, b.chain) for b in scope.values[node.value] if b.value is not None)
            elif isinstance(node, cst.Dict):
                stack.extend((e.value, at) for e in node.elements)
            elif isinstance(node, cst.Subscript):
                stack.append((node.value, at))
            elif isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "dict":
                stack.extend((a.value, at) for a in node.args)

    @staticmethod
    def _origin(expr: cst.BaseExpression, chain: Chain) -> cst.BaseExpression | None:
        """Where the value of ``expr`` is written, past names bound once (as `read_constant` follows
        them); None when a name does not lead to one value."""
        for _ in range(_MAX_HOPS):
            if not isinstance(expr, cst.Name):
                return expr
            scope = assigning_scope(expr.value, chain)
            bound = [b for b in scope.values[expr.value] if b.value is not None] if scope is not None else []
            if len(bound) != 1:
                return None
            expr, chain = bound[0].value, bound[0].chain  # type: ignore[assignment]
        return None
