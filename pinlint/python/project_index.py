"""The project index: what a project's own modules define that changes how a call elsewhere is
judged.

Real code rarely calls `asyncpg.create_pool()` where it configures the pool: a module `db.py`
holds `def make_pool(dsn, **kwargs): return asyncpg.create_pool(dsn, **kwargs)`, and the settings
are written where `make_pool(...)` is called, in another module. The index records such
*wrappers*: top-level functions that pass one of their parameters, `*args` or `**kwargs` on to a
database library's call, or to another wrapper. `pinlint.python.wrappers` then judges a call of
one as the call it wraps.

The index is built on demand, from the imports of the file being linted: a module is looked at
only when a linted file imports it (or imports from it), found the way Python would find it from
the file's directory upwards; it is parsed (with Python's own parser, not libcst) only when it
imports a database library or imports a wrapper itself, so most modules of a project cost one
regular-expression scan. What a module defines is remembered per process by its size and time
stamp; `consulted` lists the files a linted file depended on, for the cache.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pinlint.reading import read_regular_file

# Libraries whose calls a wrapper may forward to (the ones `pinlint.drivers` recognise).
LIBRARIES = frozenset({
    "asyncpg", "psycopg", "psycopg_pool", "psycopg2", "pg8000", "aiopg", "sqlalchemy", "sqlmodel",
    "flask_sqlalchemy", "databases", "mysql", "MySQLdb", "pymysql", "aiomysql", "asyncmy",
})
_LIBRARY_IMPORT = re.compile(
    rf"^[ \t]*(?:from|import)[ \t]+(?:{'|'.join(sorted(LIBRARIES))})\b", re.MULTILINE
)
# `from a.b import (x, y as z)`, `from . import x`, `import a.b as c`: the names a module imports.
# `[^()]*` stops at the next parenthesis, so an unclosed one costs a scan to the next, not to the end.
_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]*(?:\(([^()]*)\)|([^\n#;]*))", re.MULTILINE)
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n#;]*)", re.MULTILINE)
_ROOT_MARKERS = (".git", "pyproject.toml", "setup.cfg", "setup.py")
MAX_MODULE_CHARACTERS = 1024 * 1024  # like settings modules: larger ones are not read
MAX_LEVELS = 3  # wrappers of wrappers followed at most this deep
_MAX_ANCESTORS = 12  # directories searched upwards for an absolutely imported module
RUNTIME_VALUE = "__runtime_value__"  # stands for a value the wrapper computes


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str  # "positional" (or keyword), "keyword" (keyword-only), "args" (`*args`), "kwargs"
    default: str | None  # the default's source when it is a literal, RUNTIME_VALUE when it is not
    has_default: bool


@dataclass(frozen=True)
class Passed:
    """One argument of a forwarding call: a parameter passed on, or a value of the wrapper's own."""

    keyword: str | None
    star: str  # "", "*" or "**"
    parameter: str | None
    # The value's source, or RUNTIME_VALUE: the wrapper's own value, or for a parameter passed as
    # `parameter or <fallback>`, the fallback ("" when there is none).
    source: str


@dataclass(frozen=True)
class KwargsChange:
    """`kwargs[key] = value` ("item") or `kwargs.setdefault(key, value)` ("setdefault"), or any
    other change of the `**kwargs` dict before it is passed on ("unknown")."""

    kind: str
    key: str
    source: str


@dataclass(frozen=True)
class Callee:
    """A library's function (``module`` None) or a function of a project module."""

    name: str  # the qualified name of a library function; the function's name in a project module
    module: Path | None = None


@dataclass(frozen=True)
class Forwarding:
    callee: Callee
    passed: tuple[Passed, ...]
    kwargs_changes: tuple[KwargsChange, ...]


@dataclass(frozen=True)
class Wrapper:
    name: str
    module: Path
    parameters: tuple[Parameter, ...]
    forwardings: tuple[Forwarding, ...]

    @property
    def takes_keywords(self) -> bool:
        """Whether the wrapped call's keywords depend on the caller. If not, the wrapper's own
        module judges what the call lacks, and its callers need not say it again."""
        return any(p.parameter and (p.keyword or p.star == "**") for f in self.forwardings for p in f.passed)


@dataclass
class ModuleFacts:
    wrappers: dict[str, Wrapper] = field(default_factory=dict)


class ProjectModules:
    """The project as seen from one linted file (its path and, maybe unsaved, text)."""

    def __init__(self, path: Path | None, text: str) -> None:
        self.path = path.resolve() if path is not None else None
        self.text = text
        self.consulted: list[Path] = []  # project modules the verdicts depended on
        self._own: ModuleFacts | None = None

    def calls_wrapper(self) -> bool:
        """Whether the file calls a wrapper imported from a project module (the first pass asks:
        such a file must be analysed however little database code it shows)."""
        if self.path is None:
            return False
        for module, names in imported_names(self.text):
            for local, imported in names:
                for wrapper_name, call in self._imported_wrappers(module, local, imported):
                    if re.search(rf"\b{re.escape(call)}\s*\(", self.text):
                        return True
        return False

    def _imported_wrappers(self, module: str, local: str, imported: str | None):
        """(wrapper name, how the file calls it) for what `from module import imported as local`
        (or `import module as local`, ``imported`` None) brings in."""
        if imported is not None:
            facts = self.facts_of(module)
            if facts is not None and imported in facts.wrappers:
                yield imported, local
            inner = self.facts_of(f"{module}.{imported}" if not module.endswith(".") else module + imported)
            if inner is not None:  # `from app import db`, then `db.make_pool()`
                yield from ((name, f"{local}.{name}") for name in inner.wrappers)
            return
        facts = self.facts_of(module)
        if facts is not None:
            yield from ((name, f"{local}.{name}") for name in facts.wrappers)

    def facts_of(self, module: str) -> ModuleFacts | None:
        """What the project module ``module`` (absolute or relative to the file) defines; None when
        it is no module of the project."""
        if self.path is None:
            return None
        found = module_file(self.path.parent, module)
        if found is None:
            return None
        if found not in self.consulted:
            self.consulted.append(found)
        return module_facts(found, *_stamp(found))

    def wrapper(self, qualified: str) -> Wrapper | None:
        """The wrapper an imported name (`app.db.make_pool`, `.db.make_pool`) stands for."""
        module, _, name = qualified.rpartition(".")
        facts = self.facts_of(module) if module else None
        return None if facts is None else facts.wrappers.get(name)

    def constant(self, qualified: str) -> tuple[str, tuple] | None:
        """Where a module-level name of a project module (`app.settings.DATABASES`) is bound: the
        name and the module's scopes, to read it with `pinlint.python.values`."""
        module, _, name = qualified.rpartition(".")
        found = module_file(self.path.parent, module) if module and self.path is not None else None
        if found is None:
            return None
        if found not in self.consulted:
            self.consulted.append(found)
        scope = _module_scope(found, *_stamp(found))
        return None if scope is None or name not in scope.values else (name, (scope,))

    def local_wrapper(self, name: str) -> Wrapper | None:
        """A wrapper defined in the linted file itself."""
        if self._own is None:
            self._own = _facts(self.text, self.path or Path("<text>"))
        return self._own.wrappers.get(name)

    def resolve(self, callee: Callee) -> Wrapper | None:
        """The wrapper a forwarding in another module calls, when it is one."""
        if callee.module is None:
            return None
        if self.path is not None and callee.module == self.path:
            return self.local_wrapper(callee.name)
        if callee.module not in self.consulted:
            self.consulted.append(callee.module)
        facts = module_facts(callee.module, *_stamp(callee.module))
        return None if facts is None else facts.wrappers.get(callee.name)


def imported_names(text: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Per import statement of ``text``: the module and its (local name, imported name) pairs;
    the imported name is None for `import module [as local]`."""
    found: list[tuple[str, list[tuple[str, str | None]]]] = []
    for match in _FROM_IMPORT.finditer(text):
        names = []
        for part in (match.group(2) or match.group(3) or "").replace("\\\n", " ").split(","):
            words = part.split()
            if len(words) == 1 and words[0].isidentifier():
                names.append((words[0], words[0]))
            elif len(words) == 3 and words[1] == "as" and words[0].isidentifier() and words[2].isidentifier():
                names.append((words[2], words[0]))
        if names and match.group(1):
            found.append((match.group(1), names))
    for match in _IMPORT.finditer(text):
        for part in match.group(1).split(","):
            words = part.split()
            if len(words) == 3 and words[1] == "as" and words[2].isidentifier():
                found.append((words[0], [(words[2], None)]))
            elif len(words) == 1:
                found.append((words[0], [(words[0], None)]))
    return found


def module_file(directory: Path, module: str) -> Path | None:
    """The file Python would load for ``module`` imported from a file in ``directory``: relative
    names from the file's package, absolute ones from the nearest ancestor directory (or its
    `src/`) that holds it, up to the project root. Library names are never project modules."""
    dots = len(module) - len(module.lstrip("."))
    parts = tuple(p for p in module[dots:].split(".") if p)
    if dots:
        base = directory
        for _ in range(dots - 1):
            base = base.parent
        return _module_at(base, parts) if parts else _package(base)
    if not parts or parts[0] in LIBRARIES:
        return None
    return _absolute(directory, parts)


@lru_cache(maxsize=16384)
def _absolute(directory: Path, parts: tuple[str, ...]) -> Path | None:
    current = directory
    for _ in range(_MAX_ANCESTORS):
        for base in (current, current / "src"):
            found = _module_at(base, parts)
            if found is not None:
                return found
        if any(os.path.exists(current / marker) for marker in _ROOT_MARKERS) or current.parent == current:
            return None
        current = current.parent
    return None


@lru_cache(maxsize=16384)
def _module_at(base: Path, parts: tuple[str, ...]) -> Path | None:
    target = base.joinpath(*parts)
    if os.path.isfile(target.with_suffix(".py")) if parts else False:
        return target.with_suffix(".py")
    return _package(target)


def _package(directory: Path) -> Path | None:
    init = directory / "__init__.py"
    return init if os.path.isfile(init) else None


def _stamp(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return 0, -1
    return stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=4096)
def module_facts(path: Path, mtime: int, size: int) -> ModuleFacts | None:
    """What a project module defines, remembered by its stamp (an edited module is read again)."""
    if size < 0:
        return None
    try:
        text = read_regular_file(path, MAX_MODULE_CHARACTERS).decode("utf-8", errors="replace")
    except OSError:
        return None
    if len(text) > MAX_MODULE_CHARACTERS:
        return ModuleFacts()
    return _facts(text, path)


@lru_cache(maxsize=64)
def _module_scope(path: Path, mtime: int, size: int):
    """The module scope of a project module whose constants a linted file reads, its names bound
    as the visitor binds them; None when it cannot be read or parsed."""
    import libcst as cst

    from pinlint.python.deep import on_large_stack
    from pinlint.python.first_pass import check_python
    from pinlint.python.visitor import SqlCollector
    from pinlint.python.walk import walk

    def scope(text: str):
        check_python(text)  # Python's parser judges first: libcst's crashes on some of what it refuses
        collector = SqlCollector(lambda name: None)
        walk(cst.parse_module(text), collector)
        return collector.module_scope

    if size < 0:
        return None
    try:
        text = read_regular_file(path, MAX_MODULE_CHARACTERS).decode("utf-8", errors="replace")
        return None if len(text) > MAX_MODULE_CHARACTERS else on_large_stack(scope, text)
    except (OSError, SyntaxError, ValueError, cst.ParserSyntaxError, RecursionError, MemoryError):
        return None


def _facts(text: str, path: Path) -> ModuleFacts:
    if not _LIBRARY_IMPORT.search(text) and not _imports_project_functions(text):
        return ModuleFacts()  # most modules: one scan, no parse
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ModuleFacts()  # the file's own lint reports why
    return ModuleFacts(wrappers=_Indexer(tree, text, path).wrappers())


def _imports_project_functions(text: str) -> bool:
    """Whether the module imports names from a module that is not a known library: a wrapper of
    a wrapper imports the inner one."""
    return any(not module.lstrip(".").split(".")[0] in LIBRARIES for module, _ in imported_names(text))


class _Indexer:
    """The wrappers among a module's top-level functions."""

    def __init__(self, tree: ast.Module, text: str, path: Path) -> None:
        self.tree, self.text, self.path = tree, text, path
        self.imports: dict[str, str] = {}
        self.functions: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.imports[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                for alias in node.names:
                    joiner = "" if module.endswith(".") else "."
                    self.imports[alias.asname or alias.name] = f"{module}{joiner}{alias.name}"
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions.add(node.name)

    def wrappers(self) -> dict[str, Wrapper]:
        found = {}
        for node in self.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                wrapper = self._wrapper(node)
                if wrapper is not None:
                    found[node.name] = wrapper
        return found

    def _wrapper(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Wrapper | None:
        parameters = self._parameters(function.args)
        kinds = {p.name: p.kind for p in parameters}
        kwargs = next((p.name for p in parameters if p.kind == "kwargs"), None)
        changes = self._kwargs_changes(function, kwargs) if kwargs else ()
        forwardings = []
        for node in ast.walk(function):
            if not isinstance(node, ast.Call):
                continue
            callee = self._callee(node.func)
            if callee is None:
                continue
            passed = tuple(self._passed(node, kinds))
            if any(p.parameter for p in passed):
                forwardings.append(Forwarding(callee, passed, changes))
        if not forwardings:
            return None
        return Wrapper(function.name, self.path, tuple(parameters), tuple(forwardings))

    def _parameters(self, args: ast.arguments) -> list[Parameter]:
        positional = [*args.posonlyargs, *args.args]
        defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        found = [Parameter(a.arg, "positional", self._source(d), d is not None) for a, d in zip(positional, defaults)]
        if args.vararg:
            found.append(Parameter(args.vararg.arg, "args", None, False))
        found.extend(
            Parameter(a.arg, "keyword", self._source(d), d is not None) for a, d in zip(args.kwonlyargs, args.kw_defaults)
        )
        if args.kwarg:
            found.append(Parameter(args.kwarg.arg, "kwargs", None, False))
        return found

    def _passed(self, call: ast.Call, kinds: dict[str, str]):
        for arg in call.args:
            starred = isinstance(arg, ast.Starred)
            yield self._one(None, "*" if starred else "", arg.value if starred else arg, kinds)
        for keyword in call.keywords:
            yield self._one(keyword.arg, "**" if keyword.arg is None else "", keyword.value, kinds)

    def _one(self, keyword: str | None, star: str, value: ast.expr, kinds: dict[str, str]) -> Passed:
        if isinstance(value, ast.Name) and value.id in kinds:
            return Passed(keyword, star, value.id, "")
        if (  # `connect_args or {}`
            isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or) and len(value.values) == 2
            and isinstance(value.values[0], ast.Name) and value.values[0].id in kinds
        ):
            return Passed(keyword, star, value.values[0].id, self._source(value.values[1]) or RUNTIME_VALUE)
        return Passed(keyword, star, None, self._source(value) or RUNTIME_VALUE)

    def _kwargs_changes(self, function: ast.AST, kwargs: str) -> tuple[KwargsChange, ...]:
        changes = []
        for node in ast.walk(function):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if _subscript_of(target, kwargs):
                        key = _string(target.slice)  # type: ignore[attr-defined]
                        changes.append(KwargsChange("item", key, self._source(node.value)) if key else _UNKNOWN_CHANGE)
            elif isinstance(node, (ast.AugAssign, ast.Delete)):
                targets = node.targets if isinstance(node, ast.Delete) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == kwargs or _subscript_of(t, kwargs) for t in targets):
                    changes.append(_UNKNOWN_CHANGE)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                if not (isinstance(owner, ast.Name) and owner.id == kwargs):
                    continue
                key = _string(node.args[0]) if node.args else None
                if node.func.attr == "setdefault" and key and len(node.args) == 2:
                    changes.append(KwargsChange("setdefault", key, self._source(node.args[1])))
                elif node.func.attr in ("update", "setdefault", "__setitem__", "pop", "popitem", "clear"):
                    changes.append(_UNKNOWN_CHANGE if node.func.attr != "pop" else KwargsChange("pop", key or "", ""))
        return tuple(changes)

    def _callee(self, func: ast.expr) -> Callee | None:
        parts = []
        while isinstance(func, ast.Attribute):
            parts.append(func.attr)
            func = func.value
        if not isinstance(func, ast.Name):
            return None
        parts.append(func.id)
        head, rest = parts[-1], list(reversed(parts[:-1]))
        if head in self.imports:
            qualified = ".".join([self.imports[head], *rest])
        elif head in self.functions and not rest:
            return Callee(head, self.path)
        else:
            return None
        top = qualified.lstrip(".").split(".")[0]
        if not qualified.startswith(".") and top in LIBRARIES:
            return Callee(qualified)
        module, _, name = qualified.rpartition(".")
        found = module_file(self.path.parent, module) if module else None
        return Callee(name, found) if found is not None else None

    def _source(self, node: ast.expr | None) -> str | None:
        if node is None:
            return None
        try:
            ast.literal_eval(node)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return RUNTIME_VALUE
        return ast.get_source_segment(self.text, node) or RUNTIME_VALUE


_UNKNOWN_CHANGE = KwargsChange("unknown", "", "")


def _subscript_of(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == name


def _string(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
