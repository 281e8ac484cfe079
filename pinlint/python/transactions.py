"""Whether SQL sent from Python runs where no transaction is open, when the code shows it (PIN120).

`SET LOCAL` and `set_config(..., true)` last until their transaction ends; sent on their own in
autocommit mode, they end with their own statement and change nothing. pinlint says a statement
runs outside a transaction only when the code around its execution call shows it:

* asyncpg: a pool's `execute()`/`fetch*()` (each runs alone, on a connection the pool lends), or
  a connection the function opens itself (`asyncpg.connect()`, `pool.acquire()`) used outside
  `async with conn.transaction():`;
* psycopg and psycopg2: a connection in autocommit mode (`connect(..., autocommit=True)`,
  `conn.autocommit = True`, `set_session(autocommit=True)`), or a cursor of one;
* SQLAlchemy: a connection of an engine or connection whose `isolation_level` is "AUTOCOMMIT"
  (`begin()` then emits no BEGIN either);
* Alembic: inside `autocommit_block()`;
* Django: `RunSQL` in a migration with `atomic = False`; a cursor of Django's connection in a
  `non_atomic_requests` view; anywhere else outside `atomic()` at low confidence only, since a
  caller may hold a transaction (`ATOMIC_REQUESTS`, an `atomic()` around the call).

Anything else is unknown, and unknown is silent: a connection handed in as a parameter may be in
a caller's transaction. So is a statement inside a `with` item that opens a transaction
(`atomic()`, `transaction()`, `begin()`, `begin_nested()`, psycopg2's `with conn:` and
`with psycopg2.connect() as conn:`), and every statement of a function that opens or ends
transactions by hand (`BEGIN` in a string, `transaction()`/`begin()`/`atomic()` called outside a
`with`, `autocommit` set to anything but True, Django's `set_autocommit()`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, Protocol, Sequence

import libcst as cst

from pinlint.diagnostics import Confidence
from pinlint.drivers.site import describe
from pinlint.python.names import CLASS, Binding, Scope, assigning_scope, dotted, resolve
from pinlint.python.sql_calls import EXECUTION_METHODS
from pinlint.python.values import read
from pinlint.python.walk import children
from pinlint.rules.base import NoTransaction

# Texts that may hold a transaction-scoped form; no other text is looked at.
_MAY_BE_SCOPED = re.compile(r"local|set_config|transaction|constraints", re.IGNORECASE)
_BEGIN = re.compile(r"\s*(?:begin|start\s+transaction)\b", re.IGNORECASE)
# Calls that send SQL: the execution methods, and Django's RunSQL (which runs its own strings).
_SENDERS = EXECUTION_METHODS | {"RunSQL"}
# `with` items named so open a transaction around their block; called anywhere else, they (and
# Django's `set_autocommit()`) mean the function handles transactions by hand.
_OPENERS = frozenset({"transaction", "atomic", "begin", "begin_nested"})
_BY_HAND = _OPENERS | {"set_autocommit"}
_POOL_METHODS = frozenset({"execute", "executemany", "fetch", "fetchrow", "fetchval"})
_MAX_DEPTH = 8  # names and calls followed to the engine or connection a receiver comes from

_ASYNCPG_FIX = (
    "Open a transaction around it and the statements it is for: `async with conn.transaction():` "
    "(with a pool, `async with pool.acquire() as conn, conn.transaction():`)"
)
_PSYCOPG_FIX = "Open a transaction around it and the statements it is for: `with conn.transaction():`"
_PSYCOPG2_FIX = (
    "Open a transaction around it and the statements it is for: `with conn:` (psycopg2 2.9 and "
    "later open one there even in autocommit mode)"
)
_SQLALCHEMY_FIX = (
    "Run it on a connection without AUTOCOMMIT, in a transaction with the statements it is for: "
    "`with engine.begin() as conn:`"
)
_DJANGO_FIX = "Wrap it and the statements it is for in `with transaction.atomic():`"
_MIGRATION_FIX = (
    "Keep it in a transaction with the statements it is for (an atomic migration); for statements "
    "that cannot run in one (`CREATE INDEX CONCURRENTLY`), use a session-level `SET` and `RESET` it "
    "afterwards, on a direct connection rather than through the pooler"
)


class _Sent(Protocol):
    """A call as the visitor records it (`visitor._Call`)."""

    node: cst.Call
    chain: tuple[Scope, ...]
    functions: tuple[cst.CSTNode, ...]
    enclosing: tuple[tuple[cst.BaseExpression, tuple[Scope, ...]], ...]


class _Collector(Protocol):
    module_scope: Scope

    @property
    def calls(self) -> Sequence[_Sent]: ...

    def classes_of(self, functions: tuple[cst.CSTNode, ...]) -> Iterator[cst.ClassDef]: ...


@dataclass
class _FunctionFacts:
    """What one function (or the module's own code) does with transactions. Positions count the
    nodes in source order, so a setting is known to come before a statement."""

    by_hand: bool = False  # opens or ends transactions itself, anywhere in it
    guarded: bool = False  # asks whether one is open (`connection.in_atomic_block`)
    # Receiver -> where its own code first turns autocommit on: DB-API (`conn.autocommit = True`,
    # `set_session(autocommit=True)`) and SQLAlchemy (`execution_options(isolation_level="AUTOCOMMIT")`).
    autocommit: dict[str, int] = field(default_factory=dict)
    isolation_autocommit: dict[str, int] = field(default_factory=dict)
    positions: dict[int, int] = field(default_factory=dict)  # id of an execution call -> position

    def before(self, switched: dict[str, int], name: str, call: cst.Call) -> bool:
        """Whether ``name`` was switched (in ``switched``) before ``call`` runs."""
        return switched.get(name, _NEVER) < self.positions.get(id(call), -1)


_NEVER = float("inf")
# Django's test cases that run tests in autocommit mode (the others wrap each test in `atomic()`).
_NON_ATOMIC_TEST_CASES = {"TransactionTestCase", "SimpleTestCase", "LiveServerTestCase", "StaticLiveServerTestCase"}


# What a `with` item (or decorator) around a statement means for it.
_OPENS, _AUTOCOMMIT_BLOCK, _NON_ATOMIC_VIEW = "opens", "autocommit_block", "non_atomic_requests"


class Transactions:
    """Answers, per SQL text of one module, whether the code shows it runs outside a transaction.
    Worked out only for texts that may hold a transaction-scoped form."""

    def __init__(self, collector: _Collector, module: cst.Module) -> None:
        self._collector = collector
        self._module = module
        self._senders: dict[int, _Sent] | None = None
        self._facts: dict[int, _FunctionFacts] = {}

    def outside(self, text: str, anchor: cst.CSTNode) -> NoTransaction | None:
        """What shows that ``text`` (written at ``anchor``) runs with no transaction open; None
        when nothing does."""
        if not _MAY_BE_SCOPED.search(text):
            return None
        sender = self._sender_of(anchor)
        if sender is None:
            return None
        if _method(sender.node) == "RunSQL":
            return _non_atomic_migration(sender, anchor)
        return self._judge(sender)

    def inside(self, anchor: cst.CSTNode) -> bool:
        """Whether the code shows that the SQL written at ``anchor`` runs inside a transaction:
        its execution call sits in a `with` item that opens one (`atomic()`, `conn.transaction()`,
        `engine.begin()`, psycopg2's `with conn:`), and is not an asyncpg pool's own method."""
        sender = self._sender_of(anchor)
        if sender is None or not isinstance(sender.node.func, cst.Attribute) or _method(sender.node) == "RunSQL":
            return False
        receiver, chain = sender.node.func.value, sender.chain
        if _method(sender.node) in _POOL_METHODS and resolve(receiver, chain) == "asyncpg.Pool":
            return False
        names = _connection_names(receiver, chain)
        for expr, item_chain in reversed(sender.enclosing):  # the innermost first
            meaning = _with_item(expr, item_chain, names)
            if meaning == _OPENS:
                return True
            if meaning is not None:
                return False
        return False

    def _sender_of(self, anchor: cst.CSTNode) -> _Sent | None:
        """The innermost execution call whose arguments hold ``anchor``."""
        if self._senders is None:
            self._senders = {}
            for call in self._collector.calls:  # outer calls come first: inner ones overwrite them
                if _method(call.node) in _SENDERS:
                    for node in _subtree(call.node.args):
                        self._senders[id(node)] = call
        return self._senders.get(id(anchor))

    def _judge(self, sender: _Sent) -> NoTransaction | None:
        node, chain = sender.node, sender.chain
        if not isinstance(node.func, cst.Attribute):
            return None
        receiver = node.func.value
        if _method(node) in _POOL_METHODS and resolve(receiver, chain) == "asyncpg.Pool":
            return NoTransaction(f"asyncpg's {describe(node)} sends it on its own", _ASYNCPG_FIX)
        names = _connection_names(receiver, chain)
        non_atomic_view = False
        for expr, item_chain in reversed(sender.enclosing):  # the innermost first
            meaning = _with_item(expr, item_chain, names)
            if meaning == _OPENS:
                return None
            if meaning == _AUTOCOMMIT_BLOCK:
                return NoTransaction("Alembic's `autocommit_block()` runs it in autocommit mode", _MIGRATION_FIX)
            non_atomic_view = non_atomic_view or meaning == _NON_ATOMIC_VIEW
        facts = self._function_facts(sender.functions)
        if facts.by_hand or facts.guarded:
            return None
        return (
            self._asyncpg_connection(receiver, chain)
            or self._autocommit(names, sender, facts)
            or _sqlalchemy_autocommit(receiver, chain, sender.node, facts)
            or self._django(receiver, sender, non_atomic_view)
        )

    def _django(self, receiver: cst.BaseExpression, sender: _Sent, non_atomic_view: bool) -> NoTransaction | None:
        verdict = _django(receiver, sender.chain, non_atomic_view)
        return None if verdict is None or self._in_django_test(sender) else verdict

    def _in_django_test(self, sender: _Sent) -> bool:
        """Whether the statement is in a method of a test case that runs each test in `atomic()`:
        Django's `TestCase` or a class named like one (`TenantTestCase`), unless its name says
        it runs without (`TransactionTestCase`) or it is unittest's own."""
        owner = next(self._collector.classes_of(sender.functions), None)
        if owner is None:
            return False
        for base in owner.bases:
            name = resolve(base.value, sender.chain) or dotted(base.value) or ""
            last = name.rpartition(".")[2]
            if last.endswith("TestCase") and last not in _NON_ATOMIC_TEST_CASES and not name.startswith("unittest."):
                return True
        return False

    def _asyncpg_connection(self, receiver: cst.BaseExpression, chain: tuple[Scope, ...]) -> NoTransaction | None:
        """A connection this very function opens: nothing but `conn.transaction()` gives it one."""
        if not isinstance(receiver, cst.Name) or assigning_scope(receiver.value, chain) is not chain[-1]:
            return None
        bindings = _bindings(receiver.value, chain)
        if not bindings:
            return None
        confidence = Confidence.HIGH
        for binding in bindings:
            call = _unawaited(binding.value)
            if not isinstance(call, cst.Call):
                return None
            opened = resolve(call.func, binding.chain)
            if opened in ("asyncpg.connect", "asyncpg.Pool.acquire"):
                continue
            if opened is None and _method(call) == "acquire" and self._imports("asyncpg"):
                confidence = Confidence.MEDIUM  # an unresolved pool in a module that uses asyncpg
                continue
            return None
        name = receiver.value
        return NoTransaction(f"asyncpg runs each statement on its own outside `{name}.transaction()`", _ASYNCPG_FIX, confidence)

    def _autocommit(self, names: dict[str, tuple[Scope, ...]], sender: _Sent, facts: _FunctionFacts) -> NoTransaction | None:
        """A DB-API connection (or its cursor) in autocommit mode: made so, switched so by this
        function before the statement, or switched so by the module's own code."""
        for name, chain in names.items():
            module_level = assigning_scope(name, chain) is self._collector.module_scope
            if (
                facts.before(facts.autocommit, name, sender.node)
                or (module_level and sender.functions and name in self._function_facts(()).autocommit)
                or _connected_in_autocommit(name, chain)
            ):
                fix = _PSYCOPG2_FIX if self._imports("psycopg2") and not self._imports("psycopg") else _PSYCOPG_FIX
                return NoTransaction(f"`{name}` is in autocommit mode", fix)
        return None

    def _imports(self, library: str) -> bool:
        return any(m == library or m.startswith(library + ".") for m in self._collector.module_scope.imports.values())

    def _function_facts(self, functions: tuple[cst.CSTNode, ...]) -> _FunctionFacts:
        """What the innermost function (or the module) does with transactions, read once."""
        scope = functions[-1] if functions else self._module
        facts = self._facts.get(id(scope))
        if facts is None:
            facts = self._facts[id(scope)] = _read_function(scope)
        return facts


def _read_function(scope: cst.CSTNode) -> _FunctionFacts:
    facts = _FunctionFacts()
    # `with` items and decorators (the function's own too): transactions around a block.
    managers = {id(d.decorator) for d in scope.decorators} if isinstance(scope, cst.FunctionDef) else set()
    roots = [scope.body] if isinstance(scope, (cst.FunctionDef, cst.Lambda)) else children(scope)
    stack: list[tuple[cst.CSTNode, bool]] = [(node, False) for node in reversed(roots)]
    position = 0
    while stack:  # in source order; `nested`: inside a function or class defined in this one
        node, nested = stack.pop()
        position += 1
        if isinstance(node, cst.With):
            managers.update(id(item.item) for item in node.items)
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            managers.update(id(decorator.decorator) for decorator in node.decorators)
        elif isinstance(node, cst.Call):
            _read_call(node, nested, position, managers, facts)
        elif isinstance(node, cst.Assign):
            for target in node.targets:
                if _is_attribute(target.target, "autocommit"):
                    if nested and _is_true(node.value):
                        continue  # another function's connection
                    _autocommit_set(facts, target.target.value, node.value, position)  # type: ignore[attr-defined]
        elif isinstance(node, cst.Attribute) and node.attr.value == "in_atomic_block":
            facts.guarded = True
        elif isinstance(node, cst.SimpleString):
            value = node.evaluated_value
            facts.by_hand = facts.by_hand or (isinstance(value, str) and _BEGIN.match(value) is not None)
        inner = nested or isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda))
        stack.extend((child, inner) for child in reversed(children(node)))
    return facts


def _read_call(node: cst.Call, nested: bool, position: int, managers: set[int], facts: _FunctionFacts) -> None:
    method = _method(node)
    if method in _SENDERS:
        facts.positions[id(node)] = position
    if method in _BY_HAND and id(node) not in managers:
        facts.by_hand = True
    elif not isinstance(node.func, cst.Attribute) or nested:
        return
    elif method == "set_session" and _keyword(node, "autocommit") is not None:
        _autocommit_set(facts, node.func.value, _keyword(node, "autocommit"), position)  # type: ignore[arg-type]
    elif method == "execution_options" and _is_autocommit_literal(_keyword(node, "isolation_level")):
        facts.isolation_autocommit.setdefault(dotted(node.func.value), position)


def _autocommit_set(facts: _FunctionFacts, owner: cst.BaseExpression, value: cst.BaseExpression, position: int) -> None:
    """Autocommit turned on is remembered from where it happens; turned off (or to a value not
    known), the function handles transactions by hand."""
    if not _is_true(value):
        facts.by_hand = True
    elif dotted(owner):
        facts.autocommit.setdefault(dotted(owner), position)


def _with_item(expr: cst.BaseExpression, chain: tuple[Scope, ...], connections: dict) -> str | None:
    target = expr.func if isinstance(expr, cst.Call) else expr
    qualified = resolve(target, chain)
    if qualified == "django.db.transaction.non_atomic_requests":
        return _NON_ATOMIC_VIEW
    if qualified == "psycopg2.connect":  # psycopg2 2.9+: the `with` block is a transaction
        return _OPENS
    name = _method(expr) if isinstance(expr, cst.Call) else dotted(expr).rpartition(".")[2]
    if name == "autocommit_block":
        return _AUTOCOMMIT_BLOCK
    if name in _OPENERS:
        on_autocommit = name == "begin" and isinstance(target, cst.Attribute) and _autocommit_isolation(target.value, chain, 0)
        return None if on_autocommit else _OPENS
    if not isinstance(expr, cst.Call) and dotted(expr) in connections:  # psycopg2's `with conn:`
        return _OPENS
    return None


def _connection_names(receiver: cst.BaseExpression, chain: tuple[Scope, ...]) -> dict[str, tuple[Scope, ...]]:
    """The receiver's name and, for a cursor (`cur = conn.cursor()`), its connection's, each with
    the scopes it is read in."""
    name = dotted(receiver)
    if not name:
        return {}
    names = {name: chain}
    for binding in _bindings(name, chain) or ():
        value = _unawaited(binding.value)
        if isinstance(value, cst.Call) and _method(value) == "cursor" and isinstance(value.func, cst.Attribute):
            owner = dotted(value.func.value)
            if owner:
                names.setdefault(owner, binding.chain)
    return names


def _connected_in_autocommit(name: str, chain: tuple[Scope, ...]) -> bool:
    """`conn = psycopg.connect(..., autocommit=True)` (or `with ... as conn`), every binding."""
    bindings = _bindings(name, chain)
    return bool(bindings) and all(
        isinstance(call := _unawaited(b.value), cst.Call) and read(_keyword(call, "autocommit"), b.chain) is True
        for b in bindings
    )


def _sqlalchemy_autocommit(
    receiver: cst.BaseExpression, chain: tuple[Scope, ...], call: cst.Call, facts: _FunctionFacts
) -> NoTransaction | None:
    if facts.before(facts.isolation_autocommit, dotted(receiver), call) or _autocommit_isolation(receiver, chain, 0):
        return NoTransaction(
            "its isolation level is AUTOCOMMIT, where SQLAlchemy's `begin()` opens no transaction either", _SQLALCHEMY_FIX
        )
    return None


def _autocommit_isolation(expr: cst.BaseExpression | None, chain: tuple[Scope, ...], depth: int) -> bool:
    """Whether ``expr`` is an engine or connection made with `isolation_level="AUTOCOMMIT"`,
    followed through names, `connect()`, `begin()` and `execution_options()`."""
    expr = _unawaited(expr)
    if expr is None or depth > _MAX_DEPTH:
        return False
    if isinstance(expr, cst.Call):
        level = _keyword(expr, "isolation_level")
        if level is not None:
            value = read(level, chain)
            return isinstance(value, str) and value.upper() == "AUTOCOMMIT"
        if isinstance(expr.func, cst.Attribute) and expr.func.attr.value in ("connect", "begin", "execution_options"):
            return _autocommit_isolation(expr.func.value, chain, depth + 1)
        return False
    name = dotted(expr)
    bindings = _bindings(name, chain) if name else None
    return bool(bindings) and all(_autocommit_isolation(b.value, b.chain, depth + 1) for b in bindings)  # type: ignore[union-attr]


def _django(receiver: cst.BaseExpression, chain: tuple[Scope, ...], non_atomic_view: bool) -> NoTransaction | None:
    if not _is_django_cursor(receiver, chain, 0):
        return None
    if non_atomic_view:
        return NoTransaction("the view is `non_atomic_requests`, so Django runs it in autocommit mode", _DJANGO_FIX)
    return NoTransaction(
        "Django runs in autocommit mode outside `atomic()`, unless a caller holds a transaction",
        _DJANGO_FIX,
        Confidence.LOW,
    )


def _is_django_cursor(expr: cst.BaseExpression | None, chain: tuple[Scope, ...], depth: int) -> bool:
    """`connection.cursor()` or `connections[alias].cursor()` of `django.db`, or a name bound to one."""
    if isinstance(expr, cst.Call):
        if _method(expr) != "cursor" or not isinstance(expr.func, cst.Attribute):
            return False
        owner = expr.func.value
        if isinstance(owner, cst.Subscript):
            return resolve(owner.value, chain) == "django.db.connections"
        return resolve(owner, chain) == "django.db.connection"
    if not isinstance(expr, cst.Name) or depth > 0:
        return False
    bindings = _bindings(expr.value, chain)
    return bool(bindings) and all(_is_django_cursor(b.value, b.chain, depth + 1) for b in bindings)  # type: ignore[union-attr]


def _non_atomic_migration(sender: _Sent, anchor: cst.CSTNode) -> NoTransaction | None:
    """`RunSQL` in the body of a Django migration class that says `atomic = False`."""
    chain = sender.chain
    if not (resolve(sender.node.func, chain) or "").startswith("django.db.migrations.") or chain[-1].kind != CLASS:
        return None
    bindings = chain[-1].values.get("atomic")
    if not bindings or not all(read(b.value, b.chain) is False for b in bindings):
        return None
    # RunSQL splits a string into statements and runs each on its own; each item of a list runs whole.
    in_list = any(
        isinstance(arg.value, (cst.List, cst.Tuple)) and id(anchor) in {id(n) for n in _subtree([arg.value])}
        for arg in sender.node.args
    )
    return NoTransaction(
        "the migration sets `atomic = False`, so Django runs it in autocommit mode",
        _MIGRATION_FIX,
        one_by_one="" if in_list else "each statement of a RunSQL string is sent on its own",
    )


def _bindings(name: str, chain: tuple[Scope, ...]) -> list[Binding] | None:
    """The bindings of ``name`` in the nearest scope that assigns it; None when one of them is a
    parameter or loop variable, whose value is not known."""
    scope = assigning_scope(name, chain)
    if scope is None:
        return None
    bindings = scope.values[name]
    return None if any(b.value is None for b in bindings) else bindings


def _subtree(nodes: Sequence[cst.CSTNode]) -> list[cst.CSTNode]:
    found, stack = [], list(nodes)
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(children(node))
    return found


def _method(call: cst.CSTNode) -> str:
    func = call.func if isinstance(call, cst.Call) else None
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def _keyword(call: cst.Call, keyword: str) -> cst.BaseExpression | None:
    return next((a.value for a in call.args if a.keyword is not None and a.keyword.value == keyword), None)


def _unawaited(expr: cst.BaseExpression | None) -> cst.BaseExpression | None:
    return expr.expression if isinstance(expr, cst.Await) else expr


def _is_true(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


def _is_attribute(expr: cst.BaseExpression, attribute: str) -> bool:
    return isinstance(expr, cst.Attribute) and expr.attr.value == attribute


def _is_autocommit_literal(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.SimpleString) and str(expr.evaluated_value).upper() == "AUTOCOMMIT"
