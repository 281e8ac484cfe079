"""What a name in a module refers to: imports with their aliases, and what simple assignments
bind, so `from psycopg import connect as c; conn = c(...); conn.execute(...)` is known to be
psycopg's `Connection.execute`.

Resolution is deliberately simple and lexical: module, class and function scopes; assignments,
`with ... as`, annotated parameters and `self.<attr>` inside a class. Anything it cannot follow
resolves to None, which the drivers treat as "not known", never as "safe".

What a name resolves to (and reads as, for constants) is worked out once per analysis and
remembered in the scope that binds it, so the cost stays linear in the module however often
names are rebound and used (`query = query.where(...)` under twenty conditions). That is only
sound once every binding is recorded: resolve after the walk. The bounds, whatever the module:

* a name reached again while its own value is being worked out (`a = b; b = a`,
  `query = query.where(...)`) is not known there, so its other bindings decide. Inside such a
  cycle, the value remembered is the one worked out first: which of its names is asked for
  first can matter;
* `_MAX_HOPS` names are followed one through another at most, `_MAX_DEPTH` steps into one
  expression (`a.b().c` is three); past either, the value is not known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, TypeVar

import libcst as cst

from pinlint.drivers.registry import canonical, returns

MODULE, CLASS, FUNCTION = "module", "class", "function"
_MAX_DEPTH = 12  # steps into one expression
_MAX_HOPS = 12  # names followed one through another: keeps the recursion shallow
_WORKING = object()  # a name's memo entry while its value is being worked out

T = TypeVar("T")


@dataclass(frozen=True)
class Binding:
    value: cst.BaseExpression | None  # None: a parameter or loop variable of unknown value
    chain: tuple["Scope", ...]


@dataclass(eq=False)
class Scope:
    kind: str
    imports: dict[str, str] = field(default_factory=dict)
    values: dict[str, list[Binding]] = field(default_factory=dict)
    # What the names bound here resolve to and read as, each worked out once (see the module doc).
    resolved: dict[str, object] = field(default_factory=dict)
    constants: dict[str, object] = field(default_factory=dict)
    # Changes of the dicts bound here (`values.Mutation`), in source order, by name.
    mutations: dict[str, list] = field(default_factory=dict)
    # Classes defined here: their scopes (class attributes are read there) and resolved bases.
    classes: dict[str, "Scope"] = field(default_factory=dict)
    class_bases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The module scope's: the project's other modules (`project_index.ProjectModules`), whose
    # constants the module's imported names read as.
    project: object = None

    def bind(self, name: str, value: cst.BaseExpression | None, chain: tuple[Scope, ...]) -> None:
        self.values.setdefault(name, []).append(Binding(value, chain))


def record_import(scope: Scope, node: cst.Import | cst.ImportFrom) -> list[str]:
    """Bind the names an import statement introduces; returns the modules it names."""
    if isinstance(node, cst.Import):
        modules = []
        for alias in node.names:
            module = dotted(alias.name)
            modules.append(module)
            local = _alias_name(alias)
            if local is not None:
                scope.imports[local] = module
            else:  # `import a.b` binds `a`
                head = module.split(".")[0]
                scope.imports[head] = head
        return modules
    if node.relative:  # the project's own modules (`pinlint.python.project_index` finds them)
        if not isinstance(node.names, cst.ImportStar):
            base = "." * len(node.relative) + (dotted(node.module) if node.module else "")
            joiner = "" if base.endswith(".") else "."
            for alias in node.names:
                name = dotted(alias.name)
                scope.imports[_alias_name(alias) or name] = f"{base}{joiner}{name}"
        return []
    if node.module is None:
        return []
    module = dotted(node.module)
    if isinstance(node.names, cst.ImportStar):
        return [module]
    for alias in node.names:
        name = dotted(alias.name)
        scope.imports[_alias_name(alias) or name] = f"{module}.{name}"
    return [module] + [f"{module}.{dotted(alias.name)}" for alias in node.names]


def resolve(expr: cst.BaseExpression | None, chain: tuple[Scope, ...]) -> str | None:
    """The canonical qualified name of what ``expr`` is or evaluates to, when it can be followed."""
    return _resolve(expr, chain, 0, 0)


def _resolve(expr: cst.BaseExpression | None, chain: tuple[Scope, ...], depth: int, hops: int) -> str | None:
    if expr is None or depth > _MAX_DEPTH:
        return None
    if isinstance(expr, cst.Name):
        return _resolve_name(expr.value, chain, hops)
    if isinstance(expr, cst.Attribute):
        if isinstance(expr.value, cst.Name) and expr.value.value == "self":
            found = _resolve_name(f"self.{expr.attr.value}", chain, hops)
            if found is not None:
                return found
        base = _resolve(expr.value, chain, depth + 1, hops)
        return canonical(f"{base}.{expr.attr.value}") if base else None
    if isinstance(expr, cst.Call):
        callee = _resolve(expr.func, chain, depth + 1, hops)
        return returns(callee) if callee else None
    if isinstance(expr, cst.Await):
        return _resolve(expr.expression, chain, depth + 1, hops)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):  # `Pool | None`
        return _resolve(expr.left, chain, depth + 1, hops) or _resolve(expr.right, chain, depth + 1, hops)
    if isinstance(expr, cst.Subscript) and expr.slice:  # `Optional[Pool]`
        element = expr.slice[0].slice
        return _resolve(element.value, chain, depth + 1, hops) if isinstance(element, cst.Index) else None
    return None


def _resolve_name(name: str, chain: tuple[Scope, ...], hops: int) -> str | None:
    for scope in reversed(chain):
        if name in scope.imports:
            return canonical(scope.imports[name])
        bindings = scope.values.get(name)
        if bindings is not None:
            return _memoised(scope.resolved, name, hops, None, lambda hops: _first_resolved(bindings, hops))
    return None


def _first_resolved(bindings: list[Binding], hops: int) -> str | None:
    for binding in bindings:
        found = _resolve(binding.value, binding.chain, 0, hops)
        if found is not None:
            return found
    return None


def _memoised(table: dict[str, object], name: str, hops: int, unknown: T, work_out: Callable[[int], T]) -> T:
    """``table[name]``, worked out by ``work_out(hops + 1)`` the first time it is asked for: what a
    name bound in a scope stands for does not depend on where it is used. ``hops`` counts the names
    being worked out around this one; a name reached again inside its own value is ``unknown``."""
    if name in table:
        found = table[name]
        return unknown if found is _WORKING else found  # type: ignore[return-value]
    if hops >= _MAX_HOPS:
        return unknown  # not remembered: followed from nearer, the name may still be known
    table[name] = _WORKING
    found = table[name] = work_out(hops + 1)
    return found


def assigning_scope(name: str, chain: tuple[Scope, ...]) -> Scope | None:
    """The nearest scope that assigns ``name``."""
    for scope in reversed(chain):
        if scope.values.get(name):
            return scope
    return None


def constant_values(name: str, chain: tuple[Scope, ...]) -> list[cst.BaseExpression]:
    """The values assigned to ``name`` in the nearest scope that assigns it."""
    scope = assigning_scope(name, chain)
    return [] if scope is None else [b.value for b in scope.values[name] if b.value is not None]


def read_bound_once(
    name: str, chain: tuple[Scope, ...], hops: int,
    read: Callable[[cst.BaseExpression, tuple[Scope, ...], int, Scope], T], unknown: T,
) -> T:
    """``read(value, its chain, hops, the scope)`` of the one value assigned to ``name`` in the
    nearest scope that assigns it, worked out once per analysis; ``unknown`` when that scope
    assigns it more than once."""
    scope = assigning_scope(name, chain)
    if scope is None:
        return unknown
    bindings = scope.values[name]

    def work_out(hops: int) -> T:
        values = [b for b in bindings if b.value is not None]
        return read(values[0].value, values[0].chain, hops, scope) if len(values) == 1 else unknown  # type: ignore[arg-type]

    return _memoised(scope.constants, name, hops, unknown, work_out)


def imported_as(name: str, chain: tuple[Scope, ...]) -> str | None:
    """What ``name`` was imported as (`app.settings.OPTIONS`), when an import is what binds it."""
    for scope in reversed(chain):
        if name in scope.imports:
            return scope.imports[name]
        if scope.values.get(name):
            return None
    return None


def dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr.value}" if head else ""
    return ""


def _alias_name(alias: cst.ImportAlias) -> str | None:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return None
