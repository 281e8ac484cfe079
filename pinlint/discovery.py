"""Which files a run lints: walk directories, honour `.gitignore`, excludes and virtualenvs."""

from __future__ import annotations

import os
import posixpath
from functools import lru_cache
from pathlib import Path

import pathspec

from pinlint.connections.files import config_format
from pinlint.settings import Settings

PYTHON_SUFFIXES = (".py", ".pyi")
SQL_SUFFIXES = (".sql",)
LINTABLE_SUFFIXES = PYTHON_SUFFIXES + SQL_SUFFIXES


def is_lintable(path: Path) -> bool:
    """Python, SQL, and config files that can hold connection settings."""
    return path.suffix in LINTABLE_SUFFIXES or config_format(path.name) is not None


class Discovery:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._excludes = pathspec.GitIgnoreSpec.from_lines(settings.exclude + settings.extend_exclude)

    def files(self, paths: list[Path]) -> list[Path]:
        found: set[Path] = set()
        self.empty_directories: list[Path] = []
        for path in paths:
            if path.is_dir():
                below = set(self._walk(path))
                if not below:
                    self.empty_directories.append(path)
                found.update(below)
            elif is_lintable(path) and not (self.settings.force_exclude and self.is_excluded(path)):
                found.add(path)
        return sorted(found, key=lambda p: p.as_posix())

    def is_excluded(self, path: Path, is_dir: bool = False, base: Path | None = None) -> bool:
        """``base``: the directory being walked; only what lies below it is matched against
        excludes, so linting `/venv/lib/site-packages/django` explicitly still lints Django."""
        return self._excluded(relative_path(path, base or self.settings.root), path.resolve(), is_dir)

    def _excluded(self, relative: str, resolved: Path, is_dir: bool) -> bool:
        suffix = "/" if is_dir else ""
        if self._excludes.match_file(relative + suffix) or self._excludes.match_file(resolved.name + suffix):
            return True
        return self.settings.respect_gitignore and _gitignored(resolved, is_dir)

    def _walk(self, top: Path):
        # Patterns are anchored at the project root, unless the walked directory lies outside
        # it or inside an excluded directory: then only the part below it is matched.
        resolved_top = top.resolve()
        inside = self.settings.root.resolve() in (resolved_top, *resolved_top.parents)
        base = self.settings.root if inside and not self.is_excluded(top, is_dir=True) else top
        # Paths below `top` are placed by joining names, not by resolving each one.
        prefix = resolved_top.relative_to(base.resolve()).as_posix()
        for directory, subdirs, files in os.walk(top):
            below = os.path.relpath(directory, top)
            here, resolved_here = (top, resolved_top) if below == "." else (Path(directory), resolved_top / below)
            relative_here = posixpath.normpath(posixpath.join(prefix, Path(below).as_posix()))
            subdirs[:] = sorted(
                d for d in subdirs
                if not self._excluded(_join(relative_here, d), resolved_here / d, True)
                and not (here / d / "pyvenv.cfg").exists()
            )
            for name in sorted(files):
                path = here / name
                if is_lintable(path) and not self._excluded(_join(relative_here, name), resolved_here / name, False):
                    yield path


def _join(directory: str, name: str) -> str:
    return name if directory == "." else f"{directory}/{name}"


def relative_path(path: Path, root: Path) -> str:
    """``path`` below ``root`` in POSIX form, or as given when it lies outside."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _gitignored(path: Path, is_dir: bool) -> bool:
    """Whether any `.gitignore` from the repository root down to ``path`` ignores it."""
    verdict = False
    for directory in reversed(_repository_ancestors(path.parent)):
        spec = _gitignore_spec(directory)
        if spec is None:
            continue
        relative = path.relative_to(directory).as_posix() + ("/" if is_dir else "")
        result = spec.check_file(relative)
        if result.include is not None:
            verdict = result.include
    return verdict


@lru_cache(maxsize=4096)
def _repository_ancestors(directory: Path) -> tuple[Path, ...]:
    """``directory`` and its parents up to the one holding `.git` (or the filesystem root)."""
    chain = []
    for current in (directory, *directory.parents):
        chain.append(current)
        if (current / ".git").exists():
            break
    return tuple(chain)


@lru_cache(maxsize=4096)
def _gitignore_spec(directory: Path) -> pathspec.GitIgnoreSpec | None:
    ignore_file = directory / ".gitignore"
    try:
        lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines)
