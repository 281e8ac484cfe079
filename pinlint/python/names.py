"""What a name in a module refers to: imports with their aliases, and what simple assignments
bind, so `from psycopg import connect as c; conn = c(...); conn.execute(...)` is known to be
psycopg's `Connection.execute`.

Resolution is deliberately simple and lexical: module, class and function scopes; assignments,
`with ... as`, annotated parameters and `self.<attr>` inside a class. Anything it cannot follow
resolves to None, which the drivers treat as "not known", never as "safe".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from pinlint.drivers.registry import canonical, returns

MODULE, CLASS, FUNCTION = "module", "class", "function"
_MAX_DEPTH = 12


@dataclass(frozen=True)
class Binding:
    value: cst.BaseExpression | None  # None: a parameter or loop variable of unknown value
    chain: tuple["Scope", ...]


@dataclass(eq=False)
class Scope:
    kind: str
    imports: dict[str, str] = field(default_factory=dict)
    values: dict[str, list[Binding]] = field(default_factory=dict)

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
    if node.module is None or node.relative:
        return []
    module = dotted(node.module)
    if isinstance(node.names, cst.ImportStar):
        return [module]
    for alias in node.names:
        name = dotted(alias.name)
        scope.imports[_alias_name(alias) or name] = f"{module}.{name}"
    return [module] + [f"{module}.{dotted(alias.name)}" for alias in node.names]


def resolve(expr: cst.BaseExpression | None, chain: tuple[Scope, ...], depth: int = 0) -> str | None:
    """The canonical qualified name of what ``expr`` is or evaluates to, when it can be followed."""
    if expr is None or depth > _MAX_DEPTH:
        return None
    if isinstance(expr, cst.Name):
        return _resolve_name(expr.value, chain, depth)
    if isinstance(expr, cst.Attribute):
        if isinstance(expr.value, cst.Name) and expr.value.value == "self":
            found = _resolve_name(f"self.{expr.attr.value}", chain, depth)
            if found is not None:
                return found
        base = resolve(expr.value, chain, depth + 1)
        return canonical(f"{base}.{expr.attr.value}") if base else None
    if isinstance(expr, cst.Call):
        callee = resolve(expr.func, chain, depth + 1)
        return returns(callee) if callee else None
    if isinstance(expr, cst.Await):
        return resolve(expr.expression, chain, depth + 1)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):  # `Pool | None`
        return resolve(expr.left, chain, depth + 1) or resolve(expr.right, chain, depth + 1)
    if isinstance(expr, cst.Subscript) and expr.slice:  # `Optional[Pool]`
        element = expr.slice[0].slice
        return resolve(element.value, chain, depth + 1) if isinstance(element, cst.Index) else None
    return None


def _resolve_name(name: str, chain: tuple[Scope, ...], depth: int) -> str | None:
    for scope in reversed(chain):
        if name in scope.imports:
            return canonical(scope.imports[name])
        bindings = scope.values.get(name)
        if bindings is not None:
            for binding in bindings:
                found = resolve(binding.value, binding.chain, depth + 1)
                if found is not None:
                    return found
            return None
    return None


def constant_values(name: str, chain: tuple[Scope, ...]) -> list[cst.BaseExpression]:
    """The values assigned to ``name`` in the nearest scope that assigns it."""
    for scope in reversed(chain):
        bindings = scope.values.get(name)
        if bindings:
            return [b.value for b in bindings if b.value is not None]
    return []


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
