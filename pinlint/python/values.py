"""Where values flow: what a settings expression holds once the code around it is read.

Real code rarely writes its connection settings as keywords of the connect call. It builds a
dict and fills it later (`kwargs["options"] = "-c ..."`, `.update()`, `.setdefault()`, items at
any depth), merges dicts (`{**base, ...}`, `dict(base, k=v)`), keeps them on `self` and connects
in another method, and spreads them into the call (`connect(**kwargs)`). The visitor records
every such change of a named dict as a `Mutation` in the scope that binds the name; reading the
name applies them to the value it was bound to.

Reading is flow-insensitive: a key is there if any statement of the module puts it there. A key
put only under a condition (an `if`, a loop, a `try`) is marked conditional, and findings about
it are at medium confidence. What cannot be followed reads as UNKNOWN, never as "safe"; a dict
that something unseen may extend (`.update(other())`, `**unknown`) is marked incomplete, so a
*missing* key proves nothing.

A name's value is read once per analysis and shared by every use: never change what `read`
returns.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from pinlint.connections.model import UNKNOWN, Composed, Default, Mapping, is_complete
from pinlint.python.names import Scope, assigning_scope, constant_values, imported_as, read_bound_once, resolve
from pinlint.python.strings import compose

_MAX_DEPTH = 8  # steps into one constant (settings nest dictionaries a few levels deep at most)
_NAMED_CONSTANTS = {"True": True, "False": False, "None": None}
_COMPOSED = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.BinaryOperation, cst.Call)
# Calls that return a settings dict read from the environment: its keys are not known, but it is
# a dict the code goes on to fill (`DATABASES["default"]["OPTIONS"] = ...`).
_SETTINGS_FROM_ENVIRONMENT = frozenset({
    "dj_database_url.config", "dj_database_url.parse", "environ.Env.db", "environ.Env.db_url",
    "environ.Env.db_url_config", "environ.Env.cache", "environ.Env.dict", "environ.Env.json",
})


@dataclass(frozen=True)
class Mutation:
    """A statement that changes a named dict: `name[path...][key] = value` ("item"),
    `name[path...].update(...)` or `name |= ...` ("update"), `name[path...].setdefault(key, value)`
    ("setdefault")."""

    kind: str
    path: tuple[str, ...]  # the keys from the name down to the dict changed
    node: cst.CSTNode  # the assigned value (item, `|=`) or the call (update, setdefault)
    key: str | None  # the key assigned (item, setdefault)
    chain: tuple[Scope, ...]
    conditional: bool


def read(expr: cst.BaseExpression | None, chain: tuple[Scope, ...]) -> object:
    """The Python value of a settings expression (dicts as `Mapping`), or UNKNOWN."""
    return _read(expr, chain, 0, 0)


def _read(expr: cst.BaseExpression | None, chain: tuple[Scope, ...], depth: int, hops: int) -> object:
    """``depth``: steps into the expression; ``hops``: names followed to reach it (see `names`)."""
    if expr is None or depth > _MAX_DEPTH:
        return UNKNOWN
    if isinstance(expr, _COMPOSED):  # literals; f-strings, `.format()`, `%`, `+` by their constant parts
        composed = compose(expr)
        if composed is not None:
            return composed.text if composed.literal else Composed(composed.text)
    if isinstance(expr, (cst.Integer, cst.Float)):
        return expr.evaluated_value
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        inner = _read(expr.expression, chain, depth + 1, hops)
        return -inner if isinstance(inner, (int, float)) and not isinstance(inner, bool) else UNKNOWN
    if isinstance(expr, cst.Name):
        if expr.value in _NAMED_CONSTANTS:
            return _NAMED_CONSTANTS[expr.value]
        return _read_name(expr.value, chain, hops)
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value == "self":
        return _read_name(f"self.{expr.attr.value}", chain, hops)
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, (cst.Name, cst.Call)):
        return _field(expr, chain, depth, hops)
    if isinstance(expr, cst.Dict):
        return _dict(expr, chain, depth, hops)
    if isinstance(expr, cst.Call):
        if isinstance(expr.func, cst.Name) and expr.func.value == "dict":
            return _dict_call(expr, chain, depth, hops)
        if isinstance(expr.func, cst.Name) and expr.func.value == "getattr":
            return _getattr(expr, chain, depth, hops)
        drivername = _drivername(expr, chain, depth, hops)
        if drivername is not None:
            return drivername
        if resolve(expr.func, chain) in _SETTINGS_FROM_ENVIRONMENT:
            unseen = Mapping()
            unseen.complete = False
            return unseen
    return UNKNOWN


def _read_name(name: str, chain: tuple[Scope, ...], hops: int) -> object:
    imported = imported_as(name, chain)
    if imported is not None:
        return _read_imported(imported, chain, hops)

    def bound(value: cst.BaseExpression, at: tuple[Scope, ...], hops: int, scope: Scope) -> object:
        found = _read(value, at, 0, hops)
        mutations = scope.mutations.get(name)
        if mutations and found is UNKNOWN and any(m.key is not None and not m.path for m in mutations):
            found = Mapping()  # `kwargs = settings.model_dump(); kwargs["connect_args"] = ...`: a dict
            found.complete = False  # of keys pinlint cannot see, and of these
        if mutations and isinstance(found, dict):
            found = _mutated(found, mutations, hops)
        return found

    return read_bound_once(name, chain, hops, bound, UNKNOWN)


def _read_imported(qualified: str, chain: tuple[Scope, ...], hops: int) -> object:
    """A constant of another module of the project (`from app.settings import OPTIONS`), read in
    that module. Where it is written there is no place in this file: findings about it sit
    where this file uses it."""
    project = chain[0].project if chain else None
    found = project.constant(qualified) if project is not None else None  # type: ignore[attr-defined]
    if found is None:
        return UNKNOWN
    name, module_chain = found
    return _detached(_read_name(name, module_chain, hops + 1))


def _detached(value: object) -> object:
    if not isinstance(value, dict):
        return value
    copy = Mapping()
    for key, item in value.items():
        copy.put(key, _detached(item), None, isinstance(value, Mapping) and key in value.conditional)
    copy.complete = is_complete(value)
    return copy


def _getattr(expr: cst.Call, chain: tuple[Scope, ...], depth: int, hops: int) -> object:
    """`getattr(module, "NAME", default)`: the module's constant when the project has it, else
    the default."""
    args = expr.args
    owner = args[0].value if args else None
    name = _read(args[1].value, chain, depth + 1, hops) if len(args) > 1 else None
    if not isinstance(owner, cst.Name) or not isinstance(name, str) or any(a.keyword or a.star for a in args):
        return UNKNOWN
    module = imported_as(owner.value, chain)
    project = chain[0].project if chain else None
    if module is None or project is None:
        return UNKNOWN
    found = project.constant(f"{module}.{name}")  # type: ignore[attr-defined]
    if found is not None:
        return _detached(_read_name(found[0], found[1], hops + 1))
    if len(args) == 3 and project.facts_of(module) is not None:  # type: ignore[attr-defined]
        return _read(args[2].value, chain, depth + 1, hops)
    return UNKNOWN


def _field(expr: cst.Attribute, chain: tuple[Scope, ...], depth: int, hops: int) -> object:
    """`settings.DATABASE_URL` where `settings = Settings()`, here or in another module of the
    project: the class attribute's value. A pydantic `BaseSettings` field is a `Default`."""
    owner, at = expr.value, chain
    if isinstance(owner, cst.Name):
        imported = imported_as(owner.value, chain)
        if imported is not None:  # `from app.config import settings`
            project = chain[0].project if chain else None
            found = project.constant(imported) if project is not None else None  # type: ignore[attr-defined]
            if found is None:
                return UNKNOWN
            name, at = found
        else:
            name = owner.value
        values = constant_values(name, at)
        owner = values[0] if len(values) == 1 else None
    if not isinstance(owner, cst.Call) or not isinstance(owner.func, cst.Name):
        return UNKNOWN
    for index in range(len(at) - 1, -1, -1):
        scope = at[index]
        if owner.func.value in scope.classes:
            class_chain = (*at[: index + 1], scope.classes[owner.func.value])
            is_settings = any(b.rpartition(".")[2] == "BaseSettings" for b in scope.class_bases[owner.func.value])
            break
    else:
        return UNKNOWN
    values = constant_values(expr.attr.value, class_chain)
    if len(values) != 1 or assigning_scope(expr.attr.value, class_chain) is not class_chain[-1]:
        return UNKNOWN
    value = values[0]
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "Field":
        value = next((a.value for a in value.args if a.keyword is None or a.keyword.value == "default"), None)
    found = _read(value, class_chain, depth + 1, hops + 1)
    return Default(found) if is_settings and type(found) is str else found


def _drivername(expr: cst.Call, chain: tuple[Scope, ...], depth: int, hops: int) -> Composed | None:
    """SQLAlchemy's `url.set(drivername="postgresql+psycopg")` and `URL.create(drivername=...)`:
    a URL whose driver is known though the rest is not."""
    if not isinstance(expr.func, cst.Attribute) or expr.func.attr.value not in ("set", "create"):
        return None
    for arg in expr.args:
        if arg.keyword is not None and arg.keyword.value == "drivername":
            name = _read(arg.value, chain, depth + 1, hops)
            if type(name) is str and name.startswith(("postgres", "mysql", "mariadb")):
                return Composed(f"{name}://{Composed.HOLE}")
    return None


def _dict(expr: cst.Dict, chain: tuple[Scope, ...], depth: int, hops: int) -> object:
    result = Mapping()
    for element in expr.elements:
        if isinstance(element, cst.StarredDictElement):  # `{**base, ...}`
            result.merge(_read(element.value, chain, depth + 1, hops), element.value)
            continue
        key = _read(element.key, chain, depth + 1, hops)
        if not isinstance(key, str):
            return UNKNOWN
        result.put(key, _read(element.value, chain, depth + 1, hops), element.value)
    return result


def _dict_call(expr: cst.Call, chain: tuple[Scope, ...], depth: int, hops: int) -> object:
    """`dict(k=v)`, `dict(base, k=v)`, `dict(**base)`."""
    result = Mapping()
    for index, arg in enumerate(expr.args):
        if arg.keyword is not None:
            result.put(arg.keyword.value, _read(arg.value, chain, depth + 1, hops), arg.value)
        elif arg.star == "**" or (not arg.star and index == 0):
            result.merge(_read(arg.value, chain, depth + 1, hops), arg.value)
        else:
            return UNKNOWN
    return result


def _mutated(base: dict, mutations: list[Mutation], hops: int) -> Mapping:
    """``base`` with every recorded change applied, in source order, to copies (``base`` may be
    shared)."""
    result = _copy(base)
    copies = {id(result)}  # each nested dict is copied once, however many changes reach it
    for mutation in mutations:
        target = result
        for key in mutation.path:  # the nested dict changed, copied on the way down
            inner = target.get(key)
            if not isinstance(inner, dict):
                target = None
                break
            if id(inner) not in copies:
                inner = _copy(inner)
                copies.add(id(inner))
                target.put(key, inner, target.anchors.get(key), key in target.conditional)
            target = inner
        if target is None:
            continue
        _apply(target, mutation, hops)
    return result


def _copy(value: dict) -> Mapping:
    copy = Mapping()
    copy.merge(value, None)
    copy.complete = is_complete(value)
    return copy


def _apply(target: Mapping, mutation: Mutation, hops: int) -> None:
    node, chain, conditional = mutation.node, mutation.chain, mutation.conditional
    if mutation.kind == "item":
        target.put(mutation.key, _read(node, chain, 0, hops), node, conditional)  # type: ignore[arg-type]
        return
    if not isinstance(node, cst.Call):  # `name |= {...}`
        target.merge(_read(node, chain, 0, hops), node, conditional)  # type: ignore[arg-type]
        return
    if mutation.kind == "setdefault":
        if mutation.key not in target and len(node.args) > 1:  # unseen keys may already hold it
            value = node.args[1].value
            target.put(mutation.key, _read(value, chain, 0, hops), value, conditional or not target.complete)  # type: ignore[arg-type]
        return
    for arg in node.args:  # update
        if arg.keyword is not None:
            target.put(arg.keyword.value, _read(arg.value, chain, 0, hops), arg.value, conditional)
        else:
            target.merge(_read(arg.value, chain, 0, hops), arg.value, conditional)
