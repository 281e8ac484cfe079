"""Walk a Python module once and collect every piece of SQL it can send, with how sure we are.

* SQL passed to an execution call (on any receiver) or a SQL constructor: high confidence when
  written out in full, medium when composed (f-string, `%`, `.format()`, `+`). A method name
  common outside databases (`query`, `run`) counts only on its library's objects: high when the
  receiver is known to come from the library, medium when it is a plain name in a module that
  imports it.
* SQL passed to a project function at a parameter that reaches an execution call (`_execute(cur,
  "SET ...")`, `self._execute(...)` of the same class, or a function of another module that the
  project index knows): as if passed to that call.
* A module or function constant that flows into an execution call: medium, reported at the
  constant's literal.
* Any other string that is unmistakably SQL: medium (low when not in capitals, and in test
  modules). Docstrings, bare string statements, log and exception messages, asserts,
  comparisons, mock expectations and mock return values are never SQL; nor, in test modules, are
  scenario tables (collections written as data, `pytest.mark.parametrize` cases). A string
  bound to a name is expected SQL when that name is compared or asserted; a string that is only
  an argument of the call whose result the name holds is not.
* SQLAlchemy `func.<name>(...)` for the SQL functions the rules know.

Alongside, every call is resolved through the module's imports and assignments and handed to
`pinlint.drivers`, which turns driver calls into `Connection`s and `ApiCall`s; functions
registered as per-connection hooks are remembered, so findings inside them can say so.
Connection strings written as literals anywhere are read too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
import re
from typing import Callable, Iterator, Sequence

import libcst as cst

from pinlint.connections.dsn import parse_connection_string, string_connection
from pinlint.connections.model import Connection, Default, Setting, pgoptions
from pinlint.diagnostics import Confidence, Hit, lowest
from pinlint.drivers.django import settings_connections
from pinlint.drivers.flask_sqlalchemy import CONFIG_KEYS as FLASK_CONFIG_KEYS, config_connections as flask_config_connections
from pinlint.drivers import registry
from pinlint.drivers.api import ApiCall, HookKind
from pinlint.drivers.site import AttributeAssignment, CallSite
from pinlint.python.dialect import OTHER, DialectEvidence
from pinlint.python.project_index import ProjectModules
from pinlint.python.wrappers import unwrap
from pinlint.python.names import (
    CLASS,
    FUNCTION,
    MODULE,
    Scope,
    assigning_scope,
    constant_values,
    dotted,
    imported_as,
    record_import,
    resolve,
)
from pinlint.python.sql_calls import (
    BATCH_HELPERS,
    EXECUTION_METHODS,
    LIBRARY_METHODS,
    MOCK_ATTRIBUTES,
    PROSE_KEYWORDS,
    SQL_CONSTRUCTORS,
    SQL_FUNCTIONS,
    SQL_KEYWORDS,
    is_text_sink,
)
from pinlint.python.strings import HOLE, STRING_NODES, SqlString, compose, fill_format_fields
from pinlint.python.test_data import CODE, DATA, call_context, collection_context
from pinlint.python.unmistakable_settings import UnmistakableSettings
from pinlint.python.values import Mutation, read as read_constant
from pinlint.python.walk import children
from pinlint.sql.lexer import MYSQL, POSTGRES

_SQLALCHEMY_MODULES = ("sqlalchemy", "sqlalchemy.sql", "sqlalchemy.sql.expression", "sqlalchemy.sql.functions")


Functions = tuple[cst.CSTNode, ...]  # the function definitions (and lambdas) around a node
# The `with` items and decorators around a node, each with the scopes it is written in: whether
# one is Django's `transaction.atomic` is decided after the walk, when names can be resolved.
Enclosing = tuple[tuple[cst.BaseExpression, tuple[Scope, ...]], ...]


@dataclass(frozen=True)
class SqlCandidate:
    text: str
    anchor: cst.CSTNode
    span: cst.CSTNode
    confidence: Confidence
    strict: bool = False
    functions: Functions = ()


@dataclass(frozen=True)
class ApiFinding:
    """A hit about a Python call rather than SQL text."""

    hit: Hit
    node: cst.CSTNode
    functions: Functions = ()


@dataclass(frozen=True)
class _Call:
    node: cst.Call
    chain: tuple[Scope, ...]
    functions: Functions
    enclosing: Enclosing


class SqlCollector(cst.CSTVisitor):
    def __init__(self, batch_helper_hit, project: ProjectModules | None = None, test_module: bool = False) -> None:
        super().__init__()
        self._project = project
        self._test_module = test_module
        # Nodes whose findings another module reports: values a project wrapper writes itself,
        # and calls of a wrapper whose own module already judged what the wrapped call lacks.
        self.reported_elsewhere: set[int] = set()
        self._made: list[list] = []  # keeps the wrappers' rebuilt nodes (and so their ids) alive
        self.evidence = DialectEvidence()
        self.candidates: list[SqlCandidate] = []
        self.api_findings: list[ApiFinding] = []
        self.connections: list[tuple[Connection, Functions]] = []
        self.api_calls: list[tuple[ApiCall, Functions]] = []
        self.django_settings: list[Connection] = []  # `DATABASES` written in this module
        self.hooks: dict[int, HookKind] = {}  # id of a function definition -> when it runs
        self._batch_helper_hit = batch_helper_hit
        self._scopes: list[Scope] = [Scope(MODULE, project=project)]
        self._functions: list[cst.CSTNode] = []
        self._definitions: dict[str, list[cst.CSTNode]] = {}
        self._decorated: list[tuple[cst.FunctionDef, cst.Call, tuple[Scope, ...]]] = []
        self._calls: list[_Call] = []
        self._autocommit: set[tuple[int, str]] = set()  # (function, receiver) with autocommit on
        # `conn.prepare_threshold = 0` and other connection attributes that are settings.
        self._attribute_assignments: list[tuple[cst.Attribute, cst.BaseExpression, tuple[Scope, ...], Functions]] = []
        self._enclosing: list[tuple[cst.BaseExpression, tuple[Scope, ...]]] = []
        self._atomic: dict[int, bool] = {}  # id of a `with` item or decorator -> is `transaction.atomic`
        # Settings read from constants, in the order they are written; read after the walk, once
        # every binding is known (names are resolved once per analysis).
        self._settings_to_read: list[Callable[[], None]] = []
        self._modules: set[str] = set()
        self._pending: list[tuple[str, tuple[Scope, ...], Functions]] = []
        self._free: list[tuple[cst.CSTNode, Functions, bool]] = []  # and whether it is test data
        self._consumed: set[int] = set()
        self._asserted_names: list[tuple[str, tuple[Scope, ...]]] = []
        # Calls of common method names that send SQL only on some libraries' objects: judged after
        # the walk, once the module's imports and bindings are known.
        self._library_sinks: list[tuple[_Call, tuple[str, ...]]] = []
        # Project functions whose parameter reaches an execution call: (function, parameter).
        self._parameter_sinks: list[tuple[cst.FunctionDef, str]] = []
        self._methods_of: dict[int, cst.ClassDef] = {}  # id of a method's definition -> its class
        self._classes: list[cst.ClassDef] = []
        # In a test module, what the strings of the nodes being visited are (`test_data`); the
        # strings of scenario tables are never SQL.
        self._context: list[str] = [CODE]
        self._sqlalchemy_aliases: set[str] = set()
        self._func_aliases: set[str] = set()
        # Per function (and the module): how many `if`/loop/`try` blocks the walk is inside, so a
        # dict changed there is known to change only on some paths.
        self._branches: list[int] = [0]
        self._unmistakable = UnmistakableSettings(read_constant)

    @property
    def module_scope(self) -> Scope:
        return self._scopes[0]

    @property
    def calls(self) -> list[_Call]:
        """Every call of the module, with the scopes, functions and `with` items around it."""
        return self._calls

    # -- structure -------------------------------------------------------------------------

    # Dispatch on the exact node type: an isinstance() chain over every node of every module is
    # what the walk spends its time on otherwise (libcst node classes are ABCs).
    def on_visit(self, node: cst.CSTNode) -> bool:
        visit = _VISITORS.get(type(node))
        return True if visit is None else visit(self, node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        leave = _LEAVERS.get(type(original_node))
        if leave is not None:
            leave(self, original_node)

    def _visit_function(self, node: cst.FunctionDef) -> bool:
        self._enter_function(node)
        return True

    def _visit_class(self, node: cst.ClassDef) -> bool:
        outer = self._scopes[-1]
        outer.classes[node.name.value] = self._push_scope(CLASS)
        outer.class_bases[node.name.value] = tuple(
            found for base in node.bases if (found := resolve(base.value, self._chain[:-1])) is not None
        )
        self._classes.append(node)
        return True

    def _visit_lambda(self, node: cst.Lambda) -> bool:
        self._functions.append(node)
        return True

    def _visit_import(self, node: cst.Import | cst.ImportFrom) -> bool:
        self._imports(node)
        return True

    def _visit_assign(self, node: cst.Assign) -> bool:
        for target in node.targets:
            self._assign(target.target, node.value)
        # `cursor.fetchone.return_value = ("SET",)`: what a mock gives back is never SQL sent.
        return not any(_is_mock_attribute(target.target) for target in node.targets)

    def _visit_ann_assign(self, node: cst.AnnAssign) -> bool:
        self._assign(node.target, node.value, node.annotation.annotation)
        return True

    def _visit_branch(self, node: cst.CSTNode) -> bool:
        self._branches[-1] += 1
        return True

    def _leave_branch(self, node: cst.CSTNode) -> None:
        self._branches[-1] -= 1

    def _visit_aug_assign(self, node: cst.AugAssign) -> bool:
        if isinstance(node.operator, cst.BitOrAssign):  # `kwargs |= {...}`
            self._mutation(node.target, "update", node.value, None)
        return True

    def _visit_with(self, node: cst.With) -> bool:
        self._enter_with(node)
        return True

    def _visit_dict_element(self, node: cst.DictElement) -> bool:
        if _is_string(node.key, "PGOPTIONS"):
            self._pgoptions(node.value)
        self._unmistakable.dict_element(node, self._scopes, self._functions)
        return True

    def _visit_expr(self, node: cst.Expr) -> bool:
        return not isinstance(node.value, STRING_NODES)  # docstrings and other bare strings are never executed

    def _visit_asserted(self, node: cst.CSTNode) -> bool:
        self._remember_asserted(node)
        return False

    def _visit_arg(self, node: cst.Arg) -> bool:
        self._unmistakable.argument(node, self._scopes, self._functions)
        return node.keyword is None or node.keyword.value not in PROSE_KEYWORDS and node.keyword.value not in MOCK_ATTRIBUTES

    def _visit_collection(self, node: cst.CSTNode) -> bool:
        if self._test_module:
            self._context.append(collection_context(self._context[-1]))
        return True

    def _leave_collection(self, node: cst.CSTNode) -> None:
        if self._test_module:
            self._context.pop()

    def _leave_call(self, node: cst.Call) -> None:
        if self._test_module:
            self._context.pop()

    def _visit_string(self, node: cst.CSTNode) -> bool:
        self._string(node)
        return False

    def _leave_function(self, node: cst.FunctionDef) -> None:
        self._scopes.pop()
        self._functions.pop()
        self._branches.pop()
        del self._enclosing[len(self._enclosing) - len(node.decorators):]

    def _leave_class(self, node: cst.ClassDef) -> None:
        self._scopes.pop()
        self._classes.pop()

    def _leave_lambda(self, node: cst.Lambda) -> None:
        self._functions.pop()

    def _leave_with(self, node: cst.With) -> None:
        del self._enclosing[len(self._enclosing) - len(node.items):]

    def _leave_module(self, node: cst.Module) -> None:
        for read in self._settings_to_read:
            read()
        self._judge_library_sinks()
        self._follow_forwarders()
        self._resolve_names()
        self._recognise_calls()
        for connection, functions in self._unmistakable.connections(self._consumed):
            self.connections.append((connection, functions))
            self._consumed.update(_string_node_ids(connection.anchor))  # settings, not SQL to run
        self._collect_free_strings()

    @property
    def _chain(self) -> tuple[Scope, ...]:
        return tuple(self._scopes)

    def _push_scope(self, kind: str) -> Scope:
        scope = Scope(kind)
        self._scopes.append(scope)
        return scope

    def _enter_function(self, node: cst.FunctionDef) -> None:
        self._definitions.setdefault(node.name.value, []).append(node)
        for decorator in node.decorators:
            if isinstance(decorator.decorator, cst.Call):
                self._decorated.append((node, decorator.decorator, self._chain))
        self._enclosing.extend((d.decorator, self._chain) for d in node.decorators)
        if self._scopes[-1].kind == CLASS:
            self._methods_of[id(node)] = self._classes[-1]
        scope = self._push_scope(FUNCTION)
        chain = self._chain
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            scope.bind(param.name.value, param.annotation.annotation if param.annotation else None, chain)
        self._functions.append(node)
        self._branches.append(0)

    def _enter_with(self, node: cst.With) -> None:
        for item in node.items:
            if item.asname is not None and isinstance(item.asname.name, cst.Name):
                self._scopes[-1].bind(item.asname.name.value, item.item, self._chain)
        self._enclosing.extend((item.item, self._chain) for item in node.items)

    # -- imports, constants ---------------------------------------------------------------

    def _imports(self, node: cst.Import | cst.ImportFrom) -> None:
        for module in record_import(self._scopes[-1], node):
            self.evidence.saw_module(module)
            self._modules.add(module)
        if isinstance(node, cst.Import):
            for alias in node.names:
                if dotted(alias.name) == "sqlalchemy":
                    self._sqlalchemy_aliases.add(_alias_name(alias) or "sqlalchemy")
        elif node.module is not None and not node.relative and not isinstance(node.names, cst.ImportStar):
            if dotted(node.module) in _SQLALCHEMY_MODULES:
                for alias in node.names:
                    if dotted(alias.name) == "func":
                        self._func_aliases.add(_alias_name(alias) or "func")

    def _local(self, name: str, functions: Functions | None = None) -> tuple[int, str]:
        """``name`` as seen inside the innermost function (or the module)."""
        functions = tuple(self._functions) if functions is None else functions
        return (id(functions[-1]) if functions else 0, name)

    def _imported(self, library: str) -> bool:
        return any(m == library or m.startswith(library + ".") for m in self._modules)

    def _assign(self, target: cst.BaseExpression, value: cst.BaseExpression | None, annotation=None) -> None:
        bound = value if value is not None else annotation
        if isinstance(target, cst.Name):
            scope = self._scopes[-1]
            scope.bind(target.value, bound, self._chain)
            if scope.kind == CLASS:  # `pool: asyncpg.Pool` in a class body types `self.pool`
                scope.bind(f"self.{target.value}", bound, self._chain)
            if target.value in FLASK_CONFIG_KEYS and value is not None and scope.kind in (MODULE, CLASS):
                self._flask_config(target.value, target if scope.kind == MODULE else value, value)
            if target.value == "DATABASES" and value is not None and scope.kind == MODULE:
                self._consumed.update(_string_node_ids(value))  # settings values, not SQL to run
                chain = self._chain
                self._settings_to_read.append(lambda: self._databases(target, value, chain))
        elif isinstance(target, cst.Attribute):
            owner = dotted(target.value)
            if owner == "self":
                for scope in reversed(self._scopes):
                    if scope.kind == CLASS:
                        scope.bind(f"self.{target.attr.value}", bound, self._chain)
                        break
            if target.attr.value == "autocommit" and _is_true(value) and owner:
                self._autocommit.add(self._local(owner))
            if target.attr.value in registry.ATTRIBUTES and value is not None and owner:
                self._attribute_assignments.append((target, value, self._chain, tuple(self._functions)))
        elif isinstance(target, cst.Subscript) and value is not None:
            if _subscript_is(target, "PGOPTIONS"):
                self._pgoptions(value)
            key = _string_key(target)
            if key is not None:
                self._mutation(target.value, "item", value, key)
                self._unmistakable.item(key, value, self._scopes, self._functions)
            if key in FLASK_CONFIG_KEYS:  # `app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {...}`
                self._flask_config(key, value, value)

    def _mutation(self, changed: cst.BaseExpression, kind: str, node: cst.CSTNode, key: str | None) -> None:
        """Remember a change of a named dict (`name[...]`, `self.name[...]`) in the scope that
        binds the name, for `values` to apply when the name is read."""
        path: list[str] = []
        while isinstance(changed, cst.Subscript):
            inner = _string_key(changed)
            if inner is None:
                return
            path.insert(0, inner)
            changed = changed.value
        if isinstance(changed, cst.Name):
            name = changed.value
            scope = assigning_scope(name, self._chain) or self._scopes[-1]
        elif isinstance(changed, cst.Attribute) and isinstance(changed.value, cst.Name) and changed.value.value == "self":
            name = f"self.{changed.attr.value}"
            scope = next((s for s in reversed(self._scopes) if s.kind == CLASS), None)
            if scope is None:
                return
        else:
            return
        mutation = Mutation(kind, tuple(path), node, key, self._chain, self._branches[-1] > 0)
        scope.mutations.setdefault(name, []).append(mutation)

    def _flask_config(self, key: str, read: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """Flask-SQLAlchemy engine options, read after the walk from ``read`` (the name, at module
        level, so later item assignments count)."""
        self._consumed.update(_string_node_ids(value))  # settings values, not SQL to run
        chain, functions = self._chain, tuple(self._functions)

        def connections() -> None:
            setting = Setting(read_constant(read, chain), value)
            for connection in flask_config_connections(key, setting):
                self._unmistakable.judged_by(connection, chain)
                self.connections.append((connection, functions))

        self._settings_to_read.append(connections)

    def _databases(self, name: cst.Name, value: cst.BaseExpression, chain: tuple[Scope, ...]) -> None:
        """`DATABASES` as the whole module builds it; one assigned more than once is read at each
        assignment."""
        databases = read_constant(name, chain)
        if not isinstance(databases, dict):
            databases = read_constant(value, chain)
        found = settings_connections(databases, value)
        self.django_settings.extend(found)
        self.connections.extend((c, ()) for c in found)
        for connection in found:
            self._unmistakable.judged_by(connection, chain)

    def _pgoptions(self, value: cst.BaseExpression) -> None:
        chain, functions = self._chain, tuple(self._functions)

        def read() -> None:
            setting = Setting(read_constant(value, chain), value)
            self.connections.append((pgoptions(setting, value), functions))

        self._settings_to_read.append(read)

    def _remember_asserted(self, node: cst.CSTNode) -> None:
        """Names compared or asserted on (`name`, `self.name`) hold expected SQL of a test, not SQL
        to run; which binding each means is decided after the walk."""
        chain = self._chain
        stack = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, cst.Name):
                self._asserted_names.append((current.value, chain))
            elif isinstance(current, cst.Attribute):
                if isinstance(current.value, cst.Name) and current.value.value == "self":
                    self._asserted_names.append((f"self.{current.attr.value}", chain))
                else:
                    stack.append(current.value)  # `cur.query`: `query` names no value of the module
            else:
                stack.extend(children(current))

    # -- calls ----------------------------------------------------------------------------

    def _call(self, node: cst.Call) -> bool:
        receiver, name = _call_name(node.func)
        is_method = isinstance(node.func, cst.Attribute)
        if self._test_module:
            self._context.append(call_context(self._context[-1], name, is_method))
        if is_text_sink(receiver, name):
            self._remember_asserted(node)
            return False
        call = _Call(node, self._chain, tuple(self._functions), tuple(self._enclosing))
        self._calls.append(call)
        if name in ("setdefault", "putenv") and node.args and _is_string(node.args[0].value, "PGOPTIONS"):
            if len(node.args) > 1:
                self._pgoptions(node.args[1].value)
        for argument in node.args:  # an environment built by keyword: `env.update(PGOPTIONS=...)`, `dict(os.environ, PGOPTIONS=...)`
            if argument.keyword is not None and argument.keyword.value == "PGOPTIONS":
                self._pgoptions(argument.value)
        if name == "set_session" and any(
            a.keyword is not None and a.keyword.value == "autocommit" and _is_true(a.value) for a in node.args
        ):
            if isinstance(node.func, cst.Attribute) and dotted(node.func.value):
                self._autocommit.add(self._local(dotted(node.func.value)))
        if is_method and name == "update" and node.args:
            self._mutation(node.func.value, "update", node, None)  # type: ignore[attr-defined]
        elif is_method and name == "setdefault" and len(node.args) == 2:
            key = node.args[0].value
            if isinstance(key, cst.SimpleString) and isinstance(key.evaluated_value, str):
                self._mutation(node.func.value, "setdefault", node, key.evaluated_value)  # type: ignore[attr-defined]
        if name in SQL_CONSTRUCTORS or (name in EXECUTION_METHODS and is_method) or name in BATCH_HELPERS:
            for argument in _sql_arguments(node, name):
                self._sql_argument(argument, self._chain, tuple(self._functions))
        elif is_method and name in LIBRARY_METHODS:
            self._library_sinks.append((call, LIBRARY_METHODS[name]))
        if name in BATCH_HELPERS:
            self.api_findings.append(ApiFinding(self._batch_helper_hit(name), node, tuple(self._functions)))
        if is_method and name in SQL_FUNCTIONS:
            confidence = self._sqlalchemy_func(node.func.value)  # type: ignore[attr-defined]
            if confidence is not None:
                text = f"SELECT {name}({', '.join(_sql_literal(a.value) for a in node.args)})"
                self.candidates.append(SqlCandidate(text, node, node, confidence, functions=tuple(self._functions)))
        return True

    def _sqlalchemy_func(self, value: cst.BaseExpression) -> Confidence | None:
        if isinstance(value, cst.Name):
            if value.value in self._func_aliases:
                return Confidence.HIGH
            return Confidence.MEDIUM if value.value == "func" else None
        if isinstance(value, cst.Attribute) and value.attr.value == "func":
            base = value.value
            return Confidence.HIGH if isinstance(base, cst.Name) and base.value in self._sqlalchemy_aliases else Confidence.MEDIUM
        return None

    def _sql_argument(
        self, expr: cst.BaseExpression, chain: tuple[Scope, ...], functions: Functions, most: Confidence = Confidence.HIGH
    ) -> None:
        """SQL sent as ``expr`` by an execution call written in ``functions`` (at most ``most``
        sure that the call sends SQL)."""
        if isinstance(expr, cst.IfExp):  # `b"DEALLOCATE " + name if name else b"DEALLOCATE ALL"`
            for branch in _branches(expr):
                self._sql_argument(branch, chain, functions, most)
            return
        template = expr
        while True:  # `QUERY % args` and `QUERY.format(...)` execute the constant QUERY
            if isinstance(template, cst.BinaryOperation) and isinstance(template.operator, cst.Modulo):
                template = template.left
            elif isinstance(template, cst.Call) and isinstance(template.func, cst.Attribute) and template.func.attr.value == "format":
                template = template.func.value
            else:
                break
        if isinstance(template, cst.Name):
            self._pending.append((template.value, chain, functions))
            function = functions[-1] if functions else None
            if isinstance(function, cst.FunctionDef) and template.value in _parameter_names(function):
                self._parameter_sinks.append((function, template.value))
            return
        string = compose(expr)
        if string is not None:
            confidence = Confidence.HIGH if string.literal else Confidence.MEDIUM
            self._add(string, lowest(confidence, most), functions=functions)

    def _add(self, string: SqlString, confidence: Confidence, strict: bool = False, functions: Functions = ()) -> None:
        if id(string.anchor) in self._consumed:
            return
        self._consumed.update(_string_node_ids(string.span))
        # SQL has no `{...}` outside literals: they are str.format / sql.SQL fields filled in later.
        text = fill_format_fields(string).text
        self.candidates.append(SqlCandidate(text, string.anchor, string.span, confidence, strict, functions))

    def _judge_library_sinks(self) -> None:
        for call, libraries in self._library_sinks:
            most = self._library_object(call.node.func.value, call.chain, libraries)  # type: ignore[attr-defined]
            if most is not None:
                for argument in _sql_arguments(call.node, ""):
                    self._sql_argument(argument, call.chain, call.functions, most)

    def _library_object(self, receiver: cst.BaseExpression, chain: tuple[Scope, ...], libraries: tuple[str, ...]) -> Confidence | None:
        """How sure it is that ``receiver`` is an object of one of ``libraries``: high when it is
        known to come from one, medium when it is a plain name (not `self`: `self.run()` is the
        class's own method) in a module that imports one."""
        origin = resolve(receiver, chain) or _made_by(receiver, chain)
        if origin is not None:
            return Confidence.HIGH if any(origin == lib or origin.startswith(lib + ".") for lib in libraries) else None
        if isinstance(receiver, cst.Name) and receiver.value in ("self", "cls"):
            return None
        while isinstance(receiver, cst.Attribute):
            receiver = receiver.value
        if isinstance(receiver, cst.Name) and any(self._imported(lib) for lib in libraries):
            return Confidence.MEDIUM
        return None

    # -- project functions that send SQL they are given -------------------------------------

    def _follow_forwarders(self) -> None:
        """SQL passed to a project function at a parameter that reaches an execution call: the
        module's own functions and methods (worked out until none is added), and the functions
        of other modules that the project index knows."""
        self._imported_forwarders()
        if not self._parameter_sinks:
            return
        callers: dict[str, list[_Call]] = {}
        for call in self._calls:
            callee = _local_callee(call.node.func)
            if callee is not None:
                callers.setdefault(callee, []).append(call)
        followed: set[tuple[int, str]] = set()
        while self._parameter_sinks:
            function, parameter = self._parameter_sinks.pop()
            if (id(function), parameter) in followed:
                continue
            followed.add((id(function), parameter))
            positional = _positional_parameters(function, id(function) in self._methods_of)
            for call in callers.get(function.name.value, ()):
                if self._calls_function(call, function):
                    argument = _argument_for(call.node.args, positional, parameter)
                    if argument is not None:
                        self._sql_argument(argument, call.chain, call.functions)

    def _calls_function(self, call: _Call, function: cst.FunctionDef) -> bool:
        """Whether ``call`` calls ``function``: a plain call of a function, or `self.name(...)`
        of a method of the caller's class (or of another class, when the caller's defines none
        of that name: a base class's helper)."""
        owner = self._methods_of.get(id(function))
        if isinstance(call.node.func, cst.Name):
            return owner is None
        if owner is None:
            return False
        caller = next((self._methods_of[id(f)] for f in reversed(call.functions) if id(f) in self._methods_of), None)
        if caller is None or caller is owner:
            return caller is owner
        name = function.name.value
        return not any(self._methods_of.get(id(d)) is caller for d in self._definitions.get(name, ()))

    def _imported_forwarders(self) -> None:
        if self._project is None:
            return
        for call in self._calls:
            head = call.node.func
            while isinstance(head, cst.Attribute):
                head = head.value
            if not isinstance(head, cst.Name) or imported_as(head.value, call.chain) is None:
                continue  # only a name imported from a project module can be one of its functions
            if not any(_may_be_sql(arg.value, call) for arg in call.node.args):
                continue  # most calls pass no string: their callee is not looked up
            qualified = resolve(call.node.func, call.chain)
            forwarder = self._project.sql_forwarder(qualified) if qualified else None
            if forwarder is None:
                continue
            for parameter in forwarder.reaching:
                argument = _argument_for(call.node.args, forwarder.positional, parameter)
                if argument is not None:
                    self._sql_argument(argument, call.chain, call.functions)

    # -- strings that reach no known call ---------------------------------------------------

    def _string(self, node: cst.CSTNode) -> None:
        string = compose(node)  # type: ignore[arg-type]
        if string is not None:
            self.evidence.saw_string(string.text)
            self._free.append((node, tuple(self._functions), self._context[-1] == DATA))

    def _resolve_names(self) -> None:
        composed: set[tuple[int, str]] = set()
        for name, chain, functions in self._pending:
            scope = assigning_scope(name, chain)
            if scope is None or (id(scope), name) in composed:
                continue  # the values' strings were added from the first use already
            composed.add((id(scope), name))
            for value in constant_values(name, chain):
                for branch in _branches(value):
                    string = compose(branch)
                    if string is not None:
                        self._add(string, Confidence.MEDIUM, functions=functions)

    def _expected_strings(self) -> set[int]:
        """The strings that make up the values of the names compared or asserted on, each name
        taken in the scope that binds it where it is compared. SQL that reaches an execution
        call was taken before, whatever else is done with its name."""
        expected: set[int] = set()
        judged: set[tuple[int, str]] = set()
        for name, chain in self._asserted_names:
            scope = assigning_scope(name, chain)
            if scope is None or (id(scope), name) in judged:
                continue
            judged.add((id(scope), name))
            for binding in scope.values[name]:
                if binding.value is not None:
                    expected.update(id(node) for node in _value_strings(binding.value))
        return expected

    def _collect_free_strings(self) -> None:
        expected = self._expected_strings() if self._asserted_names else set()
        # In test modules, expected statements and fixtures outnumber the statements sent.
        confidence = Confidence.LOW if self._test_module else Confidence.MEDIUM
        for node, functions, data in self._free:
            if id(node) in self._consumed or id(node) in expected:
                continue
            string = compose(node)  # type: ignore[arg-type]
            if string is None:
                continue
            if string.literal and self._connection_string(string.text, node, functions):
                continue
            if not data:  # a scenario table's statements are about SQL, not sent
                self._add(string, confidence, strict=True, functions=functions)

    def _connection_string(self, text: str, node: cst.CSTNode, functions: Functions) -> bool:
        """A URL or conninfo written anywhere: what it says about the connection is checked."""
        parsed = parse_connection_string(text, strict=True)
        if parsed is None:
            return False
        self.connections.append((string_connection(parsed, f"this {parsed.form}", node, Confidence.MEDIUM), functions))
        return True

    # -- driver calls and hooks -----------------------------------------------------------------

    def _reader(self, chain: tuple[Scope, ...]):
        return lambda expr: read_constant(expr, chain)

    def _site(
        self, node: cst.Call, chain: tuple[Scope, ...], in_atomic: bool = False, functions: Functions = ()
    ) -> CallSite:
        func = node.func
        is_method = isinstance(func, cst.Attribute)
        receiver = resolve(func.value, chain) if is_method else None  # type: ignore[attr-defined]
        return CallSite(
            node=node,
            qualified=resolve(func, chain),
            method=_call_name(func)[1],
            receiver=receiver,
            read=self._reader(chain),
            resolve=lambda expr: resolve(expr, chain),
            imported=self._imported,
            in_atomic=in_atomic,
            autocommit=is_method and self._local(dotted(func.value), functions) in self._autocommit,  # type: ignore[attr-defined]
            bound=lambda name: constant_values(name, chain),
        )

    def _recognise_calls(self) -> None:
        for call in self._calls:
            site = self._site(call.node, call.chain, self._in_atomic(call.enclosing), call.functions)
            if not self._recognise(site, call) and self._project is not None:
                self._recognise_wrapped(site, call)
            for function, kind in registry.hooks_registered(site):
                self._mark_hook(function, kind)
        for target, value, chain, functions in self._attribute_assignments:
            owner = dotted(target.value)
            assignment = AttributeAssignment(
                target, value, owner, resolve(target.value, chain), self._reader(chain), self._imported,
                autocommit=self._local(owner, functions) in self._autocommit,
            )
            self.api_calls.extend((call, functions) for call in registry.recognise_assignment(assignment))
        for definition, decorator, chain in self._decorated:
            for function, kind in registry.hooks_registered(self._site(decorator, chain)):
                self._mark_hook(function or definition, kind)

    def _recognise(self, site: CallSite, call: _Call, through: str | None = None) -> bool:
        recognised = False
        for found in registry.recognise(site):
            recognised = True
            if through is not None:  # "`make_pool()` (through `asyncpg.create_pool()`)"
                found = replace(found, described=f"{through} (through {found.described})")  # type: ignore[type-var]
            if isinstance(found, Connection) and found.confidence is Confidence.HIGH and any(
                isinstance(site.read(a.value), Default) for a in site.arguments
            ):  # settings a deployment's environment usually replaces
                found = replace(found, confidence=Confidence.MEDIUM)
            if isinstance(found, Connection):
                self.connections.append((found, call.functions))
                self._consumed.update(_string_node_ids(call.node))
                self._unmistakable.judged_by(found, call.chain)
            else:
                self.api_calls.append((found, call.functions))  # type: ignore[arg-type]
        return recognised

    def _recognise_wrapped(self, site: CallSite, call: _Call) -> None:
        """A call of a project wrapper, judged as each library call it ends in."""
        assert self._project is not None
        func = call.node.func
        qualified = site.qualified
        if qualified is not None:
            wrapper = self._project.wrapper(qualified)
        elif isinstance(func, cst.Name) and func.value in self._definitions:
            wrapper = self._project.local_wrapper(func.value)
        else:
            wrapper = None
        if wrapper is None:
            return
        unwrapped = unwrap(call.node, wrapper, self._project)
        self._made.append(unwrapped.kept)
        self.reported_elsewhere.update(unwrapped.made)
        for wrapped in unwrapped.calls:
            inner = replace(
                site, qualified=registry.canonical(wrapped.callee), method=wrapped.callee.rpartition(".")[2],
                receiver=None, wrapped=wrapped.arguments,
            )
            if self._recognise(inner, call, through=site.described) and not wrapped.judges_absence:
                self.reported_elsewhere.add(id(call.node))

    def _in_atomic(self, enclosing: Enclosing) -> bool:
        for expr, chain in enclosing:
            atomic = self._atomic.get(id(expr))
            if atomic is None:
                atomic = self._atomic[id(expr)] = _is_atomic(expr, chain)
            if atomic:
                return True
        return False

    def _mark_hook(self, function: object, kind: HookKind) -> None:
        if isinstance(function, (cst.FunctionDef, cst.Lambda)):
            self.hooks[id(function)] = kind
            return
        name = function.attr.value if isinstance(function, cst.Attribute) else getattr(function, "value", None)
        for definition in self._definitions.get(name, ()) if isinstance(name, str) else ():
            self.hooks[id(definition)] = kind

    def engine_of(self, functions: Functions) -> tuple[str, str] | None:
        """The engine the innermost class around a node is named after (`MySQLDatabase`,
        `PostgresqlMigrator`, `CockroachDatabase`: `OTHER`, an engine the rules do not speak for),
        and the class's name: multi-backend code keeps each engine's SQL in its own classes."""
        for owner in self.classes_of(functions):
            found = _ENGINE_IN_NAME.search(owner.name.value)
            if found is not None:
                engine = MYSQL if found.group(1) else POSTGRES if found.group(2) else OTHER
                return engine, owner.name.value
        return None

    def classes_of(self, functions: Functions) -> Iterator[cst.ClassDef]:
        """The classes of the methods around a node, innermost first."""
        return (self._methods_of[id(f)] for f in reversed(functions) if id(f) in self._methods_of)

    def hook_of(self, functions: Functions) -> HookKind | None:
        """When the innermost registered hook around a node runs, if any."""
        for function in reversed(functions):
            kind = self.hooks.get(id(function))
            if kind is not None:
                return kind
        return None


# Blocks whose body runs on some paths only.
_BRANCHES = (cst.If, cst.For, cst.While, cst.Try, cst.TryStar, cst.Match)
_COLLECTIONS = (cst.List, cst.Tuple, cst.Set, cst.Dict)
_VISITORS = {
    cst.FunctionDef: SqlCollector._visit_function,
    cst.ClassDef: SqlCollector._visit_class,
    cst.Lambda: SqlCollector._visit_lambda,
    cst.Import: SqlCollector._visit_import,
    cst.ImportFrom: SqlCollector._visit_import,
    cst.Assign: SqlCollector._visit_assign,
    cst.AnnAssign: SqlCollector._visit_ann_assign,
    cst.With: SqlCollector._visit_with,
    cst.AugAssign: SqlCollector._visit_aug_assign,
    **{branch: SqlCollector._visit_branch for branch in _BRANCHES},
    cst.DictElement: SqlCollector._visit_dict_element,
    cst.Expr: SqlCollector._visit_expr,
    cst.Assert: SqlCollector._visit_asserted,
    cst.Raise: SqlCollector._visit_asserted,
    cst.Comparison: SqlCollector._visit_asserted,
    cst.Arg: SqlCollector._visit_arg,
    cst.Call: SqlCollector._call,
    **{collection: SqlCollector._visit_collection for collection in _COLLECTIONS},
    **{string: SqlCollector._visit_string for string in STRING_NODES},
}
_LEAVERS = {
    cst.FunctionDef: SqlCollector._leave_function,
    cst.ClassDef: SqlCollector._leave_class,
    cst.Lambda: SqlCollector._leave_lambda,
    cst.With: SqlCollector._leave_with,
    cst.Call: SqlCollector._leave_call,
    **{collection: SqlCollector._leave_collection for collection in _COLLECTIONS},
    **{branch: SqlCollector._leave_branch for branch in _BRANCHES},
    cst.Module: SqlCollector._leave_module,
}


def _call_name(func: cst.BaseExpression) -> tuple[str, str]:
    if isinstance(func, cst.Name):
        return "", func.value
    if isinstance(func, cst.Attribute):
        receiver = func.value
        receiver_name = receiver.attr.value if isinstance(receiver, cst.Attribute) else getattr(receiver, "value", "")
        return (receiver_name if isinstance(receiver_name, str) else ""), func.attr.value
    return "", ""


_ENGINE_IN_NAME = re.compile(
    r"(mysql|mariadb)|(postgres|psycopg|asyncpg|pg8000)|(cockroach|oracle|mssql|sqlserver|snowflake|redshift)", re.IGNORECASE
)


def _branches(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The values a conditional expression can take (``expr`` itself when it is none), nested
    ones included, without recursion."""
    found, stack = [], [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.IfExp):
            stack += [node.orelse, node.body]
        else:
            found.append(node)
    return found


def _sql_arguments(node: cst.Call, name: str) -> list[cst.BaseExpression]:
    positional = [a.value for a in node.args if a.keyword is None and not a.star]
    keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
    if name == "RunSQL":
        found = positional[:2] + [keywords[k] for k in ("sql", "reverse_sql") if k in keywords]
        return [item for value in found for item in _sequence_items(value)]
    index = 1 if name in BATCH_HELPERS else 0
    if len(positional) > index:
        return [positional[index]]
    return [keywords[k] for k in SQL_KEYWORDS if k in keywords][:1]


def _parameter_names(function: cst.FunctionDef) -> set[str]:
    params = function.params
    return {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}


def _positional_parameters(function: cst.FunctionDef, method: bool) -> list[str]:
    """The parameters a call's positional arguments fill: a method's first one is its receiver."""
    names = [p.name.value for p in (*function.params.posonly_params, *function.params.params)]
    static = any(isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod" for d in function.decorators)
    return names[1:] if method and not static else names


def _argument_for(args: Sequence[cst.Arg], positional: Sequence[str], parameter: str) -> cst.BaseExpression | None:
    """The argument a call passes at ``parameter``; None when it passes none or its position is
    unknown (after a `*args`)."""
    index = positional.index(parameter) if parameter in positional else -1
    position = 0
    for arg in args:
        if arg.keyword is not None:
            if arg.keyword.value == parameter:
                return arg.value
        elif arg.star:
            index = -1
        elif position == index:
            return arg.value
        else:
            position += 1
    return None


def _may_be_sql(expr: cst.BaseExpression, call: _Call) -> bool:
    """Whether an argument can be SQL text: a string, one composed, a name bound to one, or a
    parameter of the function around the call (which may be given one)."""
    while isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Modulo):
        expr = expr.left
    if not isinstance(expr, cst.Name):
        return compose(expr) is not None
    function = call.functions[-1] if call.functions else None
    if isinstance(function, cst.FunctionDef) and expr.value in _parameter_names(function):
        return True
    return any(compose(value) is not None for value in constant_values(expr.value, call.chain))


def _local_callee(func: cst.BaseExpression) -> str | None:
    """The name of the module's function or method a call may call: `name(...)`, `self.name(...)`."""
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
        return func.attr.value
    return None


def _made_by(receiver: cst.BaseExpression, chain: tuple[Scope, ...]) -> str | None:
    """What made the object an expression stands for, when it is (or a name is bound to) a call:
    `conn = pymysql.connect()` holds what `pymysql.connect` makes, whatever the library tables
    say it returns."""
    if isinstance(receiver, cst.Call):
        return resolve(receiver.func, chain)
    if isinstance(receiver, cst.Name):
        name = receiver.value
    elif isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name) and receiver.value.value == "self":
        name = f"self.{receiver.attr.value}"
    else:
        return None
    scope = assigning_scope(name, chain)
    for binding in scope.values[name] if scope is not None else ():
        value = binding.value
        while isinstance(value, cst.Await):
            value = value.expression
        if isinstance(value, cst.Call):
            made = resolve(value.func, binding.chain)
            if made is not None:
                return made
    return None


def _sequence_items(value: cst.BaseExpression) -> list[cst.BaseExpression]:
    """RunSQL takes a string, or a list of strings and (sql, params) pairs."""
    if isinstance(value, (cst.List, cst.Tuple)):
        items = []
        for element in value.elements:
            inner = element.value
            if isinstance(inner, (cst.Tuple, cst.List)) and inner.elements:
                inner = inner.elements[0].value
            items.append(inner)
        return items
    return [value]


def _sql_literal(value: cst.BaseExpression) -> str:
    """A Python argument of `func.x(...)` as SQL: constants kept, anything else a placeholder."""
    if isinstance(value, cst.SimpleString):
        text = compose(value)
        return "'" + text.text.replace("'", "''") + "'" if text else HOLE
    if isinstance(value, cst.Name) and value.value in ("True", "False"):
        return value.value.upper()
    if isinstance(value, (cst.Integer, cst.Float)):
        return value.value
    return HOLE


def _string_nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        if isinstance(current, STRING_NODES):
            found.append(current)
        stack.extend(children(current))
    return found


# Calls whose result is made of their arguments' text: `dedent("...")` is still the expected SQL.
_TEXT_TRANSFORMS = frozenset({
    "dedent", "format", "join", "strip", "lstrip", "rstrip", "replace", "lower", "upper", "encode", "decode",
    "str", "bytes", "list", "tuple", "set", "frozenset", "dict", "sorted",
})


def _value_strings(value: cst.CSTNode) -> list[cst.CSTNode]:
    """The strings a value is made of; not those given to a call whose result it is
    (`status = self._execute(cur, "SET ...")` holds a status, not the statement)."""
    found, stack = [], [value]
    while stack:
        current = stack.pop()
        if isinstance(current, STRING_NODES):
            found.append(current)
            continue
        if isinstance(current, cst.Call) and _call_name(current.func)[1] not in _TEXT_TRANSFORMS:
            continue
        if isinstance(current, cst.Lambda):
            continue
        stack.extend(children(current))
    return found


def _string_node_ids(node: cst.CSTNode) -> set[int]:
    return {id(n) for n in _string_nodes(node)}


def _is_string(node: cst.BaseExpression | None, value: str) -> bool:
    return isinstance(node, cst.SimpleString) and node.raw_value == value


def _is_mock_attribute(target: cst.BaseExpression) -> bool:
    return isinstance(target, cst.Attribute) and target.attr.value in MOCK_ATTRIBUTES


def _is_true(node: cst.BaseExpression | None) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def _string_key(node: cst.Subscript) -> str | None:
    """`"key"` of `x["key"]`."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    key = node.slice[0].slice.value
    if isinstance(key, cst.SimpleString):
        value = key.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _subscript_is(node: cst.Subscript, key: str) -> bool:
    return len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index) and _is_string(node.slice[0].slice.value, key)


_ATOMIC = "django.db.transaction.atomic"


def _is_atomic(expr: cst.BaseExpression, chain: tuple[Scope, ...]) -> bool:
    target = expr.func if isinstance(expr, cst.Call) else expr
    return resolve(target, chain) == _ATOMIC


def _alias_name(alias: cst.ImportAlias) -> str | None:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return None
