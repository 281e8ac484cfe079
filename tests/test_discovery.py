"""Which files a run lints: excludes and `.gitignore` files, matched the way git matches them."""

from __future__ import annotations

import os
from pathlib import Path

import pathspec
import pytest

from pinlint.discovery import Discovery, Excludes, relative_path
from pinlint.settings import DEFAULT_EXCLUDES, Settings

PATHS = [
    "build", "build/x.py", "src/build", "src/build/x.py", "src/builder.py", "rebuild/x.py", ".venv/lib/a.py",
    "a/site-packages/django/db.py", "migrations/0001.sql", "app/migrations/0001.sql", "app/models.py",
    "docs/conf.py", "keep.sql", "a/keep.sql", "x.tmp.sql", "deep/er/x.tmp.sql", "node_modules", "__pycache__/m.py",
]
PATTERN_SETS = [
    DEFAULT_EXCLUDES,
    ("migrations",),
    ("/migrations",),
    ("app/migrations",),
    ("*.tmp.sql", "docs/"),
    ("build", "!src/build"),  # a negation: the names cannot be judged on their own
    ("*", "!*.py", "!*/"),
    ("**/keep.sql", "deep/**"),
    ("rebuild", "site-packages/django"),
]


@pytest.mark.parametrize("patterns", PATTERN_SETS, ids=[" ".join(p) for p in PATTERN_SETS])
@pytest.mark.parametrize("is_dir", [False, True])
def test_excludes_match_as_gitignore_does(patterns, is_dir):
    spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    excludes = Excludes(tuple(patterns))
    suffix = "/" if is_dir else ""
    assert {p: excludes.match(p, is_dir) for p in PATHS} == {p: spec.match_file(p + suffix) for p in PATHS}


def write(path: Path, text: str = "LISTEN a;\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def found(root: Path, *paths: Path, **options) -> list[str]:
    discovery = Discovery(Settings(root=root, **options))
    return [relative_path(p, root) for p in discovery.files(list(paths) or [root])]


def test_nested_gitignores_judge_in_order(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".gitignore", "*.gen.sql\nlogs/\n")
    write(tmp_path / "app" / ".gitignore", "!keep.gen.sql\nlocal/\n")
    for name in ["a.gen.sql", "app/b.gen.sql", "app/keep.gen.sql", "app/local/c.sql", "logs/d.sql", "app/e.sql"]:
        write(tmp_path / name)
    assert found(tmp_path) == ["app/e.sql", "app/keep.gen.sql"]
    assert found(tmp_path, tmp_path / "app") == ["app/e.sql", "app/keep.gen.sql"]
    assert found(tmp_path, respect_gitignore=False) == [
        "a.gen.sql", "app/b.gen.sql", "app/e.sql", "app/keep.gen.sql", "app/local/c.sql", "logs/d.sql",
    ]


def test_gitignores_above_the_repository_do_not_count(tmp_path):
    write(tmp_path / ".gitignore", "*.sql\n")
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    write(tmp_path / "repo" / "a.sql")
    write(tmp_path / "b.sql")
    assert found(tmp_path / "repo") == ["a.sql"]
    assert found(tmp_path) == ["repo/a.sql"]  # outside a repository every .gitignore up to / counts


def test_excludes_below_a_walked_directory_and_anchored_patterns(tmp_path):
    for name in ["migrations/a.sql", "app/migrations/b.sql", "app/c.sql", "app/build/d.sql", "venv2/e.sql"]:
        write(tmp_path / name)
    write(tmp_path / "venv2" / "pyvenv.cfg", "home = /usr\n")
    assert found(tmp_path) == ["app/c.sql", "app/migrations/b.sql", "migrations/a.sql"]
    assert found(tmp_path, extend_exclude=("/migrations",)) == ["app/c.sql", "app/migrations/b.sql"]
    assert found(tmp_path, extend_exclude=("migrations",)) == ["app/c.sql"]
    # A directory named explicitly is linted even inside an excluded one; what lies below it is matched.
    assert found(tmp_path, tmp_path / "app" / "build") == ["app/build/d.sql"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks here")
def test_display_paths_resolve_symlinks(tmp_path, monkeypatch):
    write(tmp_path / "real" / "a.sql")
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "real" / "b.sql").symlink_to(tmp_path / "real" / "a.sql")
    monkeypatch.chdir(tmp_path)
    assert relative_path(Path("link/a.sql"), tmp_path) == "real/a.sql"
    assert relative_path(Path("real/b.sql"), tmp_path) == "real/a.sql"
    assert relative_path(Path("real/../real/a.sql"), Path(".")) == "real/a.sql"
    assert relative_path(Path("/elsewhere/x.sql"), tmp_path) == "/elsewhere/x.sql"
