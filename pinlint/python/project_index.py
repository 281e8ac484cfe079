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

The index also records *SQL forwarders* (`pinlint.python.sql_forwarders`): top-level functions
that pass a parameter on as the SQL of an execution call, so `run_sql(cur, "SET ...")` in
another module is SQL sent. They are looked for only when a linted file passes a string to a
name imported from the module, and the module is parsed only when a scan finds an execution call
in it: a forwarder of another module's forwarder counts when its module sends SQL itself too.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from pinlint.python.sql_forwarders import SENDS_SQL, SqlForwarder, find_forwarders
from pinlint.reading import file_stamp, read_regular_file

# Libraries whose calls a wrapper may forward to (the ones `pinlint.drivers` recognise).
LIBRARIES = frozenset({
    "asyncpg", "psycopg", "psycopg_pool", "psycopg2", "pg8000", "aiopg", "sqlalchemy", "sqlmodel",
    "flask_sqlalchemy", "databases", "mysql", "MySQLdb", "pymysql", "aiomysql", "asyncmy",
})
# One pattern per keyword, each starting with it: found at C speed, where a pattern anchored at
# line starts is tried at every position of every module scanned.
_LIBRARY_IMPORTS = tuple(
    re.compile(rf"{keyword}[ \t]+(?:{'|'.join(sorted(LIBRARIES))})\b") for keyword in ("from", "import")
)
# `from a.b import (x, y as z)`, `from . import x`, `import a.b as c`: the names a module imports.
# `[^()]*` stops at the next parenthesis, so an unclosed one costs a scan to the next, not to the end.
# Each starts with its keyword, which the regular expression engine finds fast; that only blanks
# stand before it on its line is checked apart (`_starts_line`).
_FROM_IMPORT = re.compile(r"from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]*(?:\(([^()]*)\)|([^\n#;]*))")
_IMPORT = re.compile(r"import[ \t]+([^\n#;]*)")
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
    # Other project modules whose wrappers these were found through (wrappers of wrappers).
    depends_on: tuple[Path, ...] = ()


@dataclass
class ModuleForwarders:
    found: dict[str, SqlForwarder] = field(default_factory=dict)
    depends_on: tuple[Path, ...] = ()  # the other project modules whose forwarders these call


class ProjectModules:
    """The project as seen from one linted file (its path and, maybe unsaved, text)."""

    def __init__(self, path: Path | None, text: str) -> None:
        self.path = Path(os.path.abspath(path)) if path is not None else None
        self.text = text
        self._consulted: dict[Path, None] = {}
        self._own: ModuleFacts | None = None
        self._forwarders: dict[str, ModuleForwarders] = {}  # by module name, as the file imports it

    def calls_wrapper(self) -> bool:
        """Whether the file calls a wrapper imported from a project module (the first pass asks:
        such a file must be analysed however little database code it shows)."""
        if self.path is None:
            return False
        for module, found, names in project_imports(self.text, self.path.parent):
            facts = self._facts_at(found)
            if facts is None:
                continue
            for call in _calls_of_wrappers(self, module, found, facts, names):
                if re.search(rf"(?<![\w.]){re.escape(call)}\s*\(", self.text):
                    return True
        return False

    def facts_of(self, module: str) -> ModuleFacts | None:
        """What the project module ``module`` (absolute or relative to the file) defines; None when
        it is no module of the project."""
        found = module_file(self.path.parent, module) if self.path is not None else None
        return None if found is None else self._facts_at(found)

    def _facts_at(self, found: Path) -> ModuleFacts | None:
        facts = module_facts(found, *_stamp(found))
        self._consult(found)
        if facts is not None and facts.depends_on:
            self._consult(*facts.depends_on)
        return facts

    def _consult(self, *paths: Path) -> None:
        for path in paths:
            self._consulted.setdefault(path)

    @property
    def consulted(self) -> list[Path]:
        """The project modules the verdicts about this file depended on."""
        return list(self._consulted)

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
        self._consult(found)
        scope = _module_scope(found, *_stamp(found))
        return None if scope is None or name not in scope.values else (name, (scope,))

    def sql_forwarder(self, qualified: str) -> SqlForwarder | None:
        """The SQL forwarder an imported name (`app.db.run_sql`, `.db.run_sql`) stands for."""
        module, _, name = qualified.rpartition(".")
        forwarders = self._forwarders.get(module)
        if forwarders is None:  # a file calls many functions of the same few modules
            found = module_file(self.path.parent, module) if module and self.path is not None else None
            if found is None or found == self.path:
                forwarders = ModuleForwarders()  # the linted module's own are followed as it is walked
            else:
                forwarders = _module_forwarders(found, *_stamp(found), MAX_LEVELS)
                self._consult(found, *forwarders.depends_on)
            self._forwarders[module] = forwarders
        return forwarders.found.get(name)

    def local_wrapper(self, name: str) -> Wrapper | None:
        """A wrapper defined in the linted file itself."""
        if self._own is None:
            path = self.path or Path("<text>")
            if imports_library(self.text) or self.path is not None and _imports_wrapper(path, _imports_of(self.text, path), MAX_LEVELS):
                self._own = _facts(self.text, path, MAX_LEVELS)
            else:
                self._own = ModuleFacts()
            self._consult(*self._own.depends_on)
        return self._own.wrappers.get(name)

    def resolve(self, callee: Callee) -> Wrapper | None:
        """The wrapper a forwarding in another module calls, when it is one."""
        if callee.module is None:
            return None
        if self.path is not None and callee.module == self.path:
            return self.local_wrapper(callee.name)
        facts = module_facts(callee.module, *_stamp(callee.module))
        self._consult(callee.module, *(facts.depends_on if facts else ()))
        return None if facts is None else facts.wrappers.get(callee.name)


def _calls_of_wrappers(project: ProjectModules, module: str, found: Path, facts: ModuleFacts, names):
    """How a file would call each wrapper that `from module import imported as local` (or
    `import module as local`, ``imported`` None) brings in: `local`, `local.name`."""
    for local, imported in names:
        if imported is None:
            yield from (f"{local}.{name}" for name in facts.wrappers)
            continue
        if imported in facts.wrappers:
            yield local
        if found.name == "__init__.py" and _holds(str(found.parent), imported):  # `from app import db`
            inner = project.facts_of(module + imported if module.endswith(".") else f"{module}.{imported}")
            yield from (f"{local}.{name}" for name in (inner.wrappers if inner else ()))


def project_imports(text: str, directory: Path) -> list[tuple[str, Path, list[tuple[str, str | None]]]]:
    """Per import statement of ``text`` (a file in ``directory``) that names a project module: the
    module, its file, and the (local name, imported name) pairs; the imported name is None for
    `import module [as local]`."""
    found = []
    for module, names in imports(text):
        path = module_file(directory, module)
        if path is not None:
            found.append((module, path, names))
    return found


def imports(text: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Per import statement of ``text``: the module and the (local name, imported name) pairs, as
    `project_imports` gives them, before anything is looked up on disk."""
    found: list[tuple[str, list[tuple[str, str | None]]]] = []
    starts_line = _LineStarts(text)
    for match in _FROM_IMPORT.finditer(text):
        if not starts_line(match.start()) or not match.group(1):
            continue
        names = []
        for part in (match.group(2) or match.group(3) or "").replace("\\\n", " ").split(","):
            words = part.split()
            if len(words) == 1 and words[0].isidentifier():
                names.append((words[0], words[0]))
            elif len(words) == 3 and words[1] == "as" and words[0].isidentifier() and words[2].isidentifier():
                names.append((words[2], words[0]))
        if names:
            found.append((match.group(1), names))
    starts_line = _LineStarts(text)
    for match in _IMPORT.finditer(text):
        if not starts_line(match.start()):
            continue
        for part in match.group(1).split(","):
            words = part.split()
            if len(words) == 3 and words[1] == "as" and words[2].isidentifier():
                found.append((words[0], [(words[2], None)]))
            elif len(words) == 1:
                found.append((words[0], [(words[0], None)]))
    return found


def imports_library(text: str) -> bool:
    """Whether a statement of ``text`` imports a database library (its first module named)."""
    for pattern in _LIBRARY_IMPORTS:
        starts_line = _LineStarts(text)
        if any(starts_line(match.start()) for match in pattern.finditer(text)):
            return True
    return False


class _LineStarts:
    """Whether only blanks stand before a position on its line (so a statement starts there), for
    positions asked in increasing order: the text is scanned once, however long its lines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.scanned = 0  # the text before this is scanned
        self.blank = True  # whether the line holds only blanks up to there

    def __call__(self, position: int) -> bool:
        newline = self.text.rfind("\n", self.scanned, position)
        if newline >= 0:
            self.blank = True
        read_from = max(self.scanned, newline + 1)
        self.blank = self.blank and not self.text[read_from:position].strip(" \t\f")
        self.scanned = position
        return self.blank


def module_file(directory: Path, module: str) -> Path | None:
    """The file Python would load for ``module`` imported from a file in ``directory``: relative
    names from the file's package, absolute ones from the nearest ancestor directory (or its
    `src/`) that holds it, up to the project root. Library names are never project modules."""
    return _module_file(str(directory), module)


@lru_cache(maxsize=65536)
def _module_file(where: str, module: str) -> Path | None:
    """Keyed by strings, and found in directory listings: the files of a directory import the same
    modules, and asking the file system (or hashing paths) once per import costs more."""
    dots = len(module) - len(module.lstrip("."))
    parts = tuple(p for p in module[dots:].split(".") if p)
    if dots:
        base = where
        for _ in range(dots - 1):
            base = os.path.dirname(base)
        found = _module_at(base, parts) if parts else _package(base)
    elif not parts or parts[0] in LIBRARIES:
        return None
    else:
        found = next((_module_at(base, parts) for base in _search_bases(where) if _holds(base, parts[0])), None)
    return None if found is None else Path(found)


@lru_cache(maxsize=4096)
def _search_bases(directory: str) -> tuple[str, ...]:
    """Where absolute imports are looked up from a file in ``directory``, nearest first."""
    bases = []
    current = directory
    for _ in range(_MAX_ANCESTORS):
        bases.append(current)
        directories, files = _listing(current)
        if "src" in directories:
            bases.append(os.path.join(current, "src"))
        parent = os.path.dirname(current)
        if any(marker in directories or marker in files for marker in _ROOT_MARKERS) or parent == current:
            break
        current = parent
    return tuple(bases)


def _holds(base: str, name: str) -> bool:
    """Whether ``base`` has a package or module ``name``."""
    directories, files = _listing(base)
    return name in directories or f"{name}.py" in files


def _module_at(base: str, parts: tuple[str, ...]) -> str | None:
    directory = os.path.join(base, *parts[:-1])
    if parts and f"{parts[-1]}.py" in _listing(directory)[1]:
        return os.path.join(directory, f"{parts[-1]}.py")
    return _package(os.path.join(directory, *parts[-1:]))


def _package(directory: str) -> str | None:
    return os.path.join(directory, "__init__.py") if "__init__.py" in _listing(directory)[1] else None


@lru_cache(maxsize=8192)
def _listing(directory: str) -> tuple[frozenset[str], frozenset[str]]:
    """The subdirectories and the other entries of ``directory`` (empty when it cannot be
    listed): one listing answers every import looked up there."""
    directories, files = set(), set()
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                try:
                    (directories if entry.is_dir() else files).add(entry.name)
                except OSError:
                    continue
    except OSError:
        pass
    return frozenset(directories), frozenset(files)


def _stamp(path: Path) -> tuple[int, int]:
    """`file_stamp`, with a size of -1 for a file that cannot be looked at."""
    return file_stamp(path) or (0, -1)


def module_facts(path: Path, mtime: int, size: int, levels: int = MAX_LEVELS) -> ModuleFacts | None:
    """What a project module defines (None when it cannot be read), following wrappers of
    wrappers in other modules ``levels`` deep. Remembered by the module's stamp: an edited module
    is read again. The result depends only on the modules' contents, never on which file asked
    first: cycles end by depth."""
    return _module_facts(path, mtime, size, levels)


@lru_cache(maxsize=8192)
def _module_facts(path: Path, mtime: int, size: int, levels: int) -> ModuleFacts | None:
    scanned = _scanned(path, mtime, size)
    if scanned is None:
        return None
    library, imports = scanned
    if not library and not _imports_wrapper(path, imports, levels):
        return ModuleFacts()  # most modules: one scan, no parse
    try:
        text = _read(path)
    except OSError:
        return None
    return _facts(text, path, levels)


@lru_cache(maxsize=8192)
def _scanned(path: Path, mtime: int, size: int) -> tuple[bool, tuple] | None:
    """Whether the module imports a database library, and what it imports (its text is not kept)."""
    if size < 0:
        return None
    try:
        text = _read(path)
    except OSError:
        return None
    if len(text) > MAX_MODULE_CHARACTERS:
        return False, ()
    return imports_library(text), _imports_of(text, path)


def _imports_of(text: str, path: Path) -> tuple:
    return tuple((found, tuple(names)) for _, found, names in project_imports(text, path.parent))


def _read(path: Path) -> str:
    return read_regular_file(path, MAX_MODULE_CHARACTERS).decode("utf-8", errors="replace")


def _imports_wrapper(path: Path, imports: tuple, levels: int) -> bool:
    """Whether the module imports a name that is a wrapper in the module it comes from: a wrapper
    of a wrapper needs no database import of its own."""
    if levels <= 0:
        return False
    for found, names in imports:
        if found == path:
            continue
        facts = module_facts(found, *_stamp(found), levels - 1)
        if facts is not None and any(imported in facts.wrappers for _, imported in names if imported):
            return True
    return False


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


def _facts(text: str, path: Path, levels: int) -> ModuleFacts:
    if len(text) > MAX_MODULE_CHARACTERS:
        return ModuleFacts()
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ModuleFacts()  # the file's own lint reports why
    indexer = _Indexer(tree, path, levels)
    return ModuleFacts(indexer.wrappers(), tuple(indexer.depends_on))


class _Indexer:
    """The wrappers among a module's top-level functions."""

    def __init__(self, tree: ast.Module, path: Path, levels: int) -> None:
        self.tree, self.path, self.levels = tree, path, levels
        self.depends_on: list[Path] = []
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
        """Functions that forward to a library call, to a wrapper of another module, or to one of
        this module (worked out until no more are found)."""
        candidates = {}
        for node in self.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                candidate = self._wrapper(node)
                if candidate is not None:
                    candidates[node.name] = candidate
        found: dict[str, Wrapper] = {}
        changed = True
        while changed:
            changed = False
            for name, candidate in candidates.items():
                if name in found:
                    continue
                kept = tuple(f for f in candidate.forwardings if self._reaches_library(f.callee, found))
                if kept:
                    found[name] = replace(candidate, forwardings=kept)
                    changed = True
        return found

    def _reaches_library(self, callee: Callee, found: dict[str, Wrapper]) -> bool:
        if callee.module is None:
            return True
        if callee.module == self.path:
            return callee.name in found
        if self.levels <= 0:
            return False
        facts = module_facts(callee.module, *_stamp(callee.module), self.levels - 1)
        if facts is None:
            return False
        self.depends_on.extend(p for p in (callee.module, *facts.depends_on) if p not in self.depends_on)
        return callee.name in facts.wrappers

    def _wrapper(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Wrapper | None:
        """The function with every call that passes a parameter on, whatever that call is."""
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
        """A literal's source (rewritten by Python: the same value), else RUNTIME_VALUE."""
        if node is None:
            return None
        try:
            ast.literal_eval(node)
            return ast.unparse(node)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return RUNTIME_VALUE


_UNKNOWN_CHANGE = KwargsChange("unknown", "", "")


@lru_cache(maxsize=8192)
def _module_forwarders(path: Path, mtime: int, size: int, levels: int) -> ModuleForwarders:
    """A project module's SQL forwarders, following forwarders of other modules ``levels`` deep;
    remembered by the module's stamp, like its wrappers."""
    if size < 0:
        return ModuleForwarders()
    try:
        text = _read(path)
    except OSError:
        return ModuleForwarders()
    if len(text) > MAX_MODULE_CHARACTERS or not SENDS_SQL.search(text):
        return ModuleForwarders()  # most modules: one scan, no parse
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ModuleForwarders()
    indexer = _Indexer(tree, path, levels)
    libraries = set(indexer.imports.values())
    depends_on: list[Path] = []

    def imported(library: str) -> bool:
        return any(m == library or m.startswith(library + ".") for m in libraries)

    def forwarder_of(func: ast.expr) -> SqlForwarder | None:
        callee = indexer._callee(func)
        if callee is None or callee.module is None or callee.module == path or levels <= 0:
            return None
        inner = _module_forwarders(callee.module, *_stamp(callee.module), levels - 1)
        forwarder = inner.found.get(callee.name)
        if forwarder is not None:
            depends_on.extend(p for p in (callee.module, *inner.depends_on) if p not in depends_on)
        return forwarder

    return ModuleForwarders(find_forwarders(tree, imported, forwarder_of), tuple(depends_on))


def _subscript_of(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == name


def _string(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
