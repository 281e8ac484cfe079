"""Which files a run lints: walk directories, honour `.gitignore`, excludes and virtualenvs.

The tree may be a stranger's: a directory pinlint may not enter, a `.gitignore` line pinlint
cannot use or a `.gitignore` that is a link (git does not follow those either) is skipped
with a warning; a dangling link or a link loop is linted under its own name (its PIN900 says why
it cannot be read); a file reached through several links is shown, and linted, once.
"""

from __future__ import annotations

import os
import posixpath
import re
from functools import lru_cache
from pathlib import Path

from pinlint.connections.files import config_format
from pinlint.globs import GitIgnore, PatternError
from pinlint.reading import read_regular_file
from pinlint.settings import Settings

# git reads `.gitignore` files of up to 100 MB; real ones are a few KiB.
MAX_GITIGNORE_BYTES = 8 * 1024 * 1024
PYTHON_SUFFIXES = (".py", ".pyi")
SQL_SUFFIXES = (".sql",)
TERRAFORM_SUFFIXES = (".tf",)  # RDS Proxies' configuration (PIN3xx)
LINTABLE_SUFFIXES = PYTHON_SUFFIXES + SQL_SUFFIXES + TERRAFORM_SUFFIXES


def is_lintable(path: Path) -> bool:
    """Python, SQL, and config files that can hold connection settings."""
    return _lintable_name(path.name)


def _lintable_name(name: str) -> bool:
    return name.endswith(LINTABLE_SUFFIXES) or config_format(name) is not None


# A pattern that is a bare name (`build`, `.venv`) excludes whatever has that name at any depth.
_BARE_NAME = re.compile(r"[^/*?\[\]\\!#\s]+")


class Excludes:
    """Gitignore-style exclude patterns. Bare names, all of the defaults, are looked up in a set:
    matching every path against each pattern one by one costs more than the rest of discovery."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        names = {p for p in patterns if _BARE_NAME.fullmatch(p)}
        rest = [p for p in patterns if p not in names]
        if any(p.startswith("!") for p in rest):  # a negation can re-include a name: order counts
            names, rest = set(), list(patterns)
        self._names = frozenset(names)
        self._spec = GitIgnore.from_lines(rest) if rest else None

    def match(self, relative: str, is_dir: bool) -> bool:
        """``relative``: a POSIX path below the directory the patterns are anchored in."""
        if self._names and not self._names.isdisjoint(relative.split("/")):
            return True
        return self._spec is not None and self._spec.match(relative, is_dir)


class Discovery:
    def __init__(self, settings: Settings, wanted=None, skipped_directory=None) -> None:
        """``wanted``: which file names a walk yields (default: the files pinlint lints);
        ``skipped_directory``: which directory names a walk does not enter (default: none but
        the excluded ones)."""
        self.settings = settings
        self._wanted = wanted or _lintable_name
        self._skipped_directory = skipped_directory or (lambda name: False)
        self._excludes = Excludes(settings.exclude + settings.extend_exclude)
        self._bases: dict[Path, Path] = {}  # a named directory -> where its walk anchors patterns
        self._warnings: dict[str, None] = {}  # what was skipped, each said once, in order
        self._unreadable_directories: set[str] = set()

    @property
    def warnings(self) -> list[str]:
        return list(self._warnings)

    def shown(self, files: list[Path], display_root: Path) -> tuple[list[Path], list[str]]:
        """``files`` and the paths they are shown as (see `relative_path`); a file reached through
        links (`b.sql -> a.sql`) is shown as the file it leads to, so it is linted once."""
        displays: dict[str, Path] = {}
        for path in files:
            displays.setdefault(relative_path(path, display_root), path)
        return list(displays.values()), list(displays)

    def files(self, paths: list[Path]) -> list[Path]:
        found: set[Path] = set()
        self.empty_directories: list[Path] = []
        for path in paths:
            if os.path.isdir(path):
                below = set(self._walk(path))
                if not below and os.path.normpath(path) not in self._unreadable_directories:
                    self.empty_directories.append(path)
                found.update(below)
            elif is_lintable(path) and not (self.settings.force_exclude and self.is_excluded(path)):
                found.add(path)
        return sorted(found, key=lambda p: p.as_posix())

    def _warn(self, message: str) -> None:
        self._warnings[message] = None

    def is_excluded(self, path: Path, is_dir: bool = False, base: Path | None = None) -> bool:
        """``base``: the directory being walked; only what lies below it is matched against
        excludes and `.gitignore` files, so linting `.venv/lib/site-packages/django` explicitly
        still lints Django."""
        resolved = _resolve(path)
        anchor = base or self.settings.root
        relative = relative_path(path, anchor)
        gitignores = self._gitignores(str(resolved.parent), str(_resolve_directory(anchor.absolute())))
        return self._excluded(relative, resolved.name, is_dir, gitignores)

    def _excluded(self, relative: str, name: str, is_dir: bool, gitignores: _Gitignores) -> bool:
        return self._excludes.match(relative, is_dir) or _gitignored(gitignores, name, is_dir)

    def _gitignores(self, directory: str, anchor: str) -> _Gitignores:
        """The `.gitignore` files that judge names in ``directory`` (a resolved path), each with
        the way from its own directory down to ``directory``, and how many directories of that
        way lead to ``anchor`` (resolved; what was named, not found, is not judged)."""
        if not self.settings.respect_gitignore:
            return ()
        chain = _gitignore_chain(directory)
        for where, _ in chain:
            self._warn_about_gitignore(where)
        return tuple((_below(directory, where), spec, _depth_below(anchor, where)) for where, spec in chain)

    def _warn_about_gitignore(self, directory: str) -> None:
        problems = _read_gitignore(directory)[1]
        if problems:
            shown = _shown_path(os.path.join(directory, ".gitignore"))
            for line, problem in problems:
                self._warn(f"{shown}:{line}: {problem}" if line else f"cannot use {shown}: {problem}; its patterns were not used")

    def skips(self, path: Path, named: list[Path]) -> bool:
        """Whether a run over the ``named`` paths leaves out ``path``: a file that a host such as
        flake8 found below one of them, or was given. Front ends must agree on what they lint."""
        resolved = _resolve(path)
        verdicts = []
        for top in named:
            resolved_top = _resolve(top)
            if resolved == resolved_top:
                verdicts.append(self.settings.force_exclude and self.is_excluded(path))
            elif resolved_top in resolved.parents:
                between = resolved.parents[: resolved.parents.index(resolved_top)]
                in_virtualenv = any((directory / "pyvenv.cfg").exists() for directory in between)
                verdicts.append(in_virtualenv or self.is_excluded(path, base=self._base(top)))
        return all(verdicts) if verdicts else self.is_excluded(path)

    def _base(self, top: Path) -> Path:
        """Where patterns are anchored for a walk of ``top``: the project root, unless ``top``
        lies outside it or inside an excluded directory; then only the part below it is matched.
        A host asks about every file below the same few named directories: each is judged once."""
        if top not in self._bases:
            resolved_top = top.resolve()
            inside = self.settings.root.resolve() in (resolved_top, *resolved_top.parents)
            self._bases[top] = self.settings.root if inside and not self.is_excluded(top, is_dir=True) else top
        return self._bases[top]

    def _walk(self, top: Path):
        resolved_top = top.resolve()
        # Paths below `top` are placed by joining names (as strings), not by resolving each one,
        # and what a directory holds (`.gitignore`, `.git`, `pyvenv.cfg`) is read from its listing.
        prefix = resolved_top.relative_to(self._base(top).resolve()).as_posix()
        start = str(top)
        inherited = {start: self._gitignores(str(resolved_top), str(resolved_top))}
        for directory, subdirs, files in os.walk(start, onerror=self._unreadable_directory):
            gitignores = inherited.pop(directory)
            below = directory[len(start):].lstrip(os.sep)
            if below:
                if "pyvenv.cfg" in files:  # a virtualenv
                    subdirs[:] = []
                    continue
                gitignores = self._own_gitignore(directory, subdirs, files, gitignores)
            relative_here = posixpath.normpath(posixpath.join(prefix, below.replace(os.sep, "/")))
            subdirs[:] = sorted(
                d for d in subdirs
                if not self._skipped_directory(d) and not self._excluded(_join(relative_here, d), d, True, gitignores)
            )
            for d in subdirs:
                # `d` is judged here: below it, the `.gitignore` files judge only what it holds.
                inherited[os.path.join(directory, d)] = tuple((way + d + "/", spec, named + 1) for way, spec, named in gitignores)
            lintable = [name for name in files if self._wanted(name)]
            here = top / below if lintable and below else top
            for name in sorted(lintable):
                if not self._excluded(_join(relative_here, name), name, False, gitignores):
                    yield here / name

    def _unreadable_directory(self, error: OSError) -> None:
        directory = os.path.normpath(error.filename)
        self._unreadable_directories.add(directory)
        self._warn(f"cannot read the directory {_shown_path(directory)}: {error.strerror}; the files in it were not linted")

    def _own_gitignore(self, directory: str, subdirs: list[str], files: list[str], outer: _Gitignores) -> _Gitignores:
        """``outer``, the parent's `.gitignore` files, with this directory's own added; a
        repository of its own (`.git`) starts afresh."""
        if not self.settings.respect_gitignore:
            return ()
        chain = () if ".git" in subdirs or ".git" in files else outer
        spec = None
        if ".gitignore" in files:
            spec = _gitignore_spec(directory)
            self._warn_about_gitignore(directory)
        return chain if spec is None else (*chain, ("", spec, 0))


def _shown_path(path: str) -> str:
    """``path`` relative to the current directory when it lies below it (as paths are shown)."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _join(directory: str, name: str) -> str:
    return name if directory == "." else f"{directory}/{name}"


def relative_path(path: Path, root: Path) -> str:
    """``path`` below ``root`` in POSIX form, or as given when it lies outside. A link is shown
    as the file it leads to; a dangling one or a loop, which leads nowhere, as itself."""
    if not _placed_by_its_directory(path) and os.path.exists(path):
        try:
            return _resolve(path).relative_to(_resolve_directory(root.absolute())).as_posix()
        except ValueError:
            return path.as_posix()
    # A run shows thousands of files from a few hundred directories: each directory is placed once.
    directory = _relative_directory(os.getcwd(), str(path.parent), str(root))
    if directory is None:
        return path.as_posix()
    return path.name if directory == "." else f"{directory}/{path.name}"


@lru_cache(maxsize=4096)
def _relative_directory(cwd: str, directory: str, root: str) -> str | None:
    """``directory`` resolved, below ``root`` resolved (both relative to ``cwd``), in POSIX form;
    None when it lies outside."""
    try:
        return _resolve_directory(Path(cwd, directory)).relative_to(_resolve_directory(Path(cwd, root))).as_posix()
    except ValueError:
        return None


def _resolve(path: Path) -> Path:
    """`Path.resolve()`, with each directory resolved once: resolving checks every component.
    `os.path.realpath`, unlike `Path.resolve` before Python 3.13, does not raise on a link loop."""
    if not _placed_by_its_directory(path):
        return Path(os.path.realpath(path))
    absolute = path.absolute()
    return _resolve_directory(absolute.parent) / absolute.name


def _placed_by_its_directory(path: Path) -> bool:
    """Whether ``path`` resolves to its resolved directory and its own name: not a link, `..`.
    (`os.path.islink`: a name in a directory pinlint may not enter is no link.)"""
    return path.name not in ("", ".", "..") and not os.path.islink(path)


@lru_cache(maxsize=4096)
def _resolve_directory(directory: Path) -> Path:
    return Path(os.path.realpath(directory))  # absolute paths only: a relative one depends on the cwd


# The `.gitignore` files that apply in a directory, outermost first, each with the POSIX path
# from its own directory down to that one ("" or "a/b/"), and how many directories of that path
# are not to be judged: named (a walk's top and what leads to it) or judged already (on a walk's
# way down, where an ignored directory is never entered).
_Gitignores = tuple[tuple[str, GitIgnore, int], ...]


def _gitignored(gitignores: _Gitignores, name: str, is_dir: bool) -> bool:
    """Whether the last of the ``gitignores`` that has a say about ``name`` ignores it."""
    verdict = False
    for below, spec, named in gitignores:
        said = spec.verdict(below + name, is_dir, named)
        if said is not None:
            verdict = said
    return verdict


def _depth_below(directory: str, ancestor: str) -> int:
    """How many directories lead from ``ancestor`` down to ``directory``; 0 when it is not below."""
    way = _below(directory, ancestor) if directory.startswith(ancestor.rstrip(os.sep) + os.sep) else ""
    return way.count("/")


def _below(directory: str, ancestor: str) -> str:
    return "" if directory == ancestor else directory[len(ancestor):].strip(os.sep).replace(os.sep, "/") + "/"


# Each directory's chain extends its parent's, so a walk looks at every directory once.
@lru_cache(maxsize=16384)
def _gitignore_chain(directory: str) -> tuple[tuple[str, GitIgnore], ...]:
    """The `.gitignore` files that apply in ``directory`` (resolved), outermost first: its own
    and its parents' up to the one holding `.git` (or the filesystem root)."""
    parent = os.path.dirname(directory)
    top = parent == directory or os.path.exists(os.path.join(directory, ".git"))
    outer = () if top else _gitignore_chain(parent)
    spec = _gitignore_spec(directory)
    return outer if spec is None else (*outer, (directory, spec))


def _gitignore_spec(directory: str) -> GitIgnore | None:
    return _read_gitignore(directory)[0]


# What was skipped of a `.gitignore`: the line and why, or 0 and why none of it could be used.
_Problems = tuple[tuple[int, str], ...]


@lru_cache(maxsize=16384)
def _read_gitignore(directory: str) -> tuple[GitIgnore | None, _Problems]:
    """The patterns of ``directory``'s `.gitignore` (None when there is none; no patterns when it
    cannot be used at all), and what of it was skipped."""
    path = os.path.join(directory, ".gitignore")
    try:
        data = read_regular_file(path, MAX_GITIGNORE_BYTES, follow_links=False)
    except OSError as error:
        if not os.path.lexists(path):  # none, or in a directory pinlint may not enter (said apart)
            return None, ()
        return _NO_PATTERNS, ((0, error.strerror or str(error)),)
    if len(data) > MAX_GITIGNORE_BYTES:
        return _NO_PATTERNS, ((0, f"it is larger than {MAX_GITIGNORE_BYTES // 2**20} MiB"),)
    lines = data.decode("utf-8", errors="replace").splitlines()
    try:
        return GitIgnore.from_lines(lines), ()
    except PatternError:
        pass
    # Each line stands alone in a `.gitignore`: one pinlint cannot use (`[z-a]`, `foo\`, a lone
    # `!`; git matches nothing or next to nothing with them) is left out, the others count.
    usable, problems = [], []
    for number, line in enumerate(lines, 1):
        try:
            GitIgnore.from_lines([line])
        except PatternError:
            shown = repr(line) if len(line) <= 60 else f"{line[:57]!r}..."
            problems.append((number, f"skipped the pattern {shown}, which pinlint cannot use"))
            continue
        usable.append(line)
    return GitIgnore.from_lines(usable), tuple(problems)


_NO_PATTERNS = GitIgnore(())
