"""The view of one Python call (through libcst) that the library modules judge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import libcst as cst

from pinlint.connections.dsn import parse_connection_string
from pinlint.connections.model import Setting, entries, is_complete
from pinlint.diagnostics import Confidence
from pinlint.drivers.api import NAMED_CURSOR, ApiCall


@dataclass
class CallSite:
    node: cst.Call
    qualified: str | None  # canonical name of the callee when imports resolve it
    method: str  # the called name: "prepare" in `conn.prepare(...)`
    receiver: str | None  # canonical type of the receiver when it resolves (`asyncpg.Connection`)
    read: Callable[[cst.BaseExpression], object]  # a Python constant, or UNKNOWN
    resolve: Callable[[cst.BaseExpression], str | None]  # canonical name of any expression
    imported: Callable[[str], bool]  # whether the module imports this library
    in_atomic: bool = False  # inside Django's `transaction.atomic()`
    autocommit: bool = False  # the module turns autocommit on for this receiver
    # A project wrapper's call judged as the library call it wraps (`pinlint.python.wrappers`):
    # the arguments that call receives, and that the call is not a method of a library object.
    wrapped: "tuple[cst.Arg, ...] | None" = None
    # The values assigned to a name (`qs`, `self.qs`) in the nearest scope that assigns it.
    bound: Callable[[str], "list[cst.BaseExpression]"] = lambda name: []

    @property
    def described(self) -> str:
        return describe(self.node)

    @property
    def arguments(self) -> "tuple[cst.Arg, ...] | Sequence[cst.Arg]":
        return self.node.args if self.wrapped is None else self.wrapped

    @property
    def is_method(self) -> bool:
        return self.wrapped is None and isinstance(self.node.func, cst.Attribute)

    def positional(self) -> list[cst.BaseExpression]:
        return [a.value for a in self.arguments if a.keyword is None and not a.star]

    def argument(self, index: int | None, keyword: str) -> cst.BaseExpression | None:
        for arg in self.arguments:
            if arg.keyword is not None and arg.keyword.value == keyword:
                return arg.value
        positional = self.positional()
        return positional[index] if index is not None and index < len(positional) else None

    def keywords(self) -> dict[str, Setting]:
        """The keyword arguments, with those a `**mapping` spreads in when pinlint can read it
        (each anchored where its value is written); the ones written out win."""
        found: dict[str, Setting] = {}
        for arg in self.arguments:
            if arg.star == "**":
                found.update(entries(Setting(self.read(arg.value), arg.value)) or {})
        found.update({
            a.keyword.value: Setting(self.read(a.value), a.value)
            for a in self.arguments if a.keyword is not None
        })
        return found

    @property
    def names_first_argument(self) -> bool:
        """False for `Class.method(self, *args)`-style forwarding, where argument positions are unknown."""
        first = self.arguments[0] if self.arguments else None
        forwards = any(a.star for a in self.arguments)
        return not forwards and not (first is not None and isinstance(first.value, cst.Name) and first.value.value == "self")

    @property
    def has_star_kwargs(self) -> bool:
        """Whether a `**mapping` may pass keywords pinlint cannot see."""
        for arg in self.arguments:
            if arg.star == "**":
                value = self.read(arg.value)
                if not isinstance(value, dict) or not is_complete(value):
                    return True
        return False

    def setting(self, index: int | None, keyword: str) -> Setting | None:
        expr = self.argument(index, keyword)
        if expr is None:
            return self.keywords().get(keyword) if any(a.star == "**" for a in self.arguments) else None
        return Setting(self.read(expr), expr)

    def may_be(self, library: str) -> bool:
        """An unresolved, plainly named receiver (`conn.x()`, `self.conn.x()`) in a module that
        imports ``library``: probably that library's object."""
        if self.receiver is not None or not self.is_method:
            return False
        receiver = self.node.func.value  # type: ignore[attr-defined]
        while isinstance(receiver, cst.Attribute):
            receiver = receiver.value
        return isinstance(receiver, cst.Name) and self.imported(library)

    def confidence(self, resolved: bool) -> Confidence:
        return Confidence.HIGH if resolved else Confidence.MEDIUM


@dataclass
class AttributeAssignment:
    """`owner.attribute = value` where ``owner`` is a plain dotted name (`conn`, `self.conn`): some
    driver attributes are settings (psycopg's `prepare_threshold`, psycopg2's `isolation_level`)."""

    target: cst.Attribute
    value: cst.BaseExpression
    owner: str  # `conn`, `self.conn`
    receiver: str | None  # canonical type of the owner when it resolves
    read: Callable[[cst.BaseExpression], object]
    imported: Callable[[str], bool]
    autocommit: bool = False  # the module turns autocommit on for this owner

    @property
    def attribute(self) -> str:
        return self.target.attr.value

    @property
    def described(self) -> str:
        return f"`{self.owner}.{self.attribute} = ...`"

    @property
    def setting(self) -> Setting:
        return Setting(self.read(self.value), self.value)

    def may_be(self, library: str) -> bool:
        """An owner whose type does not resolve, in a module that imports ``library``."""
        return self.receiver is None and self.imported(library)

    def confidence(self, resolved: bool) -> Confidence:
        return Confidence.HIGH if resolved else Confidence.MEDIUM


def describe(node: cst.Call) -> str:
    """`name()` or `receiver.name()`, short enough for a message."""
    func = node.func
    if isinstance(func, cst.Attribute):
        receiver = func.value
        if isinstance(receiver, cst.Call):  # `select(t).execution_options()`
            head = describe(receiver).strip("`").replace("()", "(...)")
        else:
            head = receiver.attr.value if isinstance(receiver, cst.Attribute) else getattr(receiver, "value", "")
            head = head if isinstance(head, str) and head else "..."
        return f"`{head}.{func.attr.value}()`"
    if isinstance(func, cst.Name):
        return f"`{func.value}()`"
    return "the call"


def named_cursor(site: CallSite, resolved: bool) -> ApiCall | None:
    """`conn.cursor(name, ...)` on a psycopg or psycopg2 connection."""
    name = site.argument(0, "name")
    if name is None or not site.names_first_argument:
        return None
    return ApiCall(NAMED_CURSOR, site.described, site.keywords(), site.node, site.confidence(resolved),
                   [Setting(site.read(name), name)])


def add_conninfo(params: dict[str, Setting], conninfo: Setting | None) -> None:
    """Parameters written in a libpq conninfo string or URI count as if passed as keywords."""
    if conninfo is None or not isinstance(conninfo.value, str):
        return
    parsed = parse_connection_string(conninfo.value)
    if parsed is not None:
        for key, value in parsed.params.items():
            params.setdefault(key, Setting(value, conninfo.anchor))
