"""Which files a run lints: excludes and `.gitignore` files, matched the way git matches them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pinlint.discovery import Discovery, Excludes, relative_path
from pinlint.globs import GitIgnore
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


GLOB_CASES = [
    ("*.py", ["a.py", "d/a.py", "a.pyc", ".py"]),
    ("a?c", ["abc", "ac", "a/c", "d/axc"]),
    ("[a-c]x", ["bx", "dx", "-x"]),
    ("[!a-c]x", ["bx", "dx"]),
    ("[]a]x", ["]x", "ax", "bx"]),
    ("[[:digit:]]*", ["1a", "a1"]),
    ("[abc", ["[abc", "a"]),
    ("\\*x", ["*x", "ax"]),
    ("a\\ ", ["a ", "a"]),
    ("a  ", ["a", "a "]),
    ("\\#a", ["#a"]),
    ("\\!a", ["!a"]),
    ("a/**", ["a", "a/b", "a/b/c"]),
    ("a/**/b", ["a/b", "a/x/b", "a/x/y/b", "x/a/b"]),
    ("**/b/c", ["b/c", "x/b/c", "x/y/b/c/d"]),
    ("a**b", ["ab", "axb", "a/b"]),
    ("d/*.sql", ["d/x.sql", "d/e/x.sql", "e/d/x.sql"]),
    ("*a*a*a*b", ["aaab", "xaxaxaxb", "aaaa"]),
]


def _git_ignores(root: Path, lines, paths, is_dir: bool) -> dict[str, bool]:
    """What git itself says: directories are made for ``is_dir``; a missing path is a file to git."""
    (root / ".gitignore").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    for path in paths if is_dir else ():
        (root / path).mkdir(parents=True, exist_ok=True)
    said = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin", "-z", "-v", "-n"], cwd=root,
        input="\0".join(paths) + "\0", capture_output=True, text=True, check=False,
    ).stdout.split("\0")
    verdicts = {said[i + 3]: bool(said[i]) and not said[i + 2].startswith("!") for i in range(0, len(said) - 1, 4)}
    return {p: verdicts[p] for p in paths}


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is the oracle")


@needs_git
@pytest.mark.parametrize("patterns", PATTERN_SETS, ids=[" ".join(p) for p in PATTERN_SETS])
@pytest.mark.parametrize("is_dir", [False, True])
def test_excludes_match_as_git_does(tmp_path, patterns, is_dir):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    excludes = Excludes(tuple(patterns))
    assert {p: excludes.match(p, is_dir) for p in PATHS} == _git_ignores(tmp_path, patterns, PATHS, is_dir)


@needs_git
@pytest.mark.parametrize(("pattern", "paths"), GLOB_CASES, ids=[case[0] for case in GLOB_CASES])
@pytest.mark.parametrize("is_dir", [False, True])
def test_gitignore_patterns_match_as_git_does(tmp_path, pattern, paths, is_dir):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    ignore = GitIgnore.from_lines([pattern])
    assert {p: ignore.match(p, is_dir) for p in paths} == _git_ignores(tmp_path, [pattern], paths, is_dir)


@pytest.mark.slow
def test_a_pattern_that_would_backtrack_is_matched_in_one_scan():
    # As a regular expression, `(?:[^/]*a){30}[^/]*b` against 250 `a`s runs for hours.
    ignore = GitIgnore.from_lines(["*a" * 30 + "*b", "/**/" * 30 + "x"])
    assert not ignore.match("a" * 250, False)
    assert not ignore.match("/".join(["d"] * 2000) + "/y", False)
    assert ignore.match("/".join(["d"] * 2000) + "/x", False)


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


def test_a_directory_named_inside_a_gitignored_one_is_linted_and_judged_below_it(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".gitignore", ".venv/\n*_pb2.py\nbuild/\n")
    package = tmp_path / ".venv" / "lib" / "site-packages" / "django"
    for name in ["db/base.py", "db/schema_pb2.py", "build/x.py"]:
        write(package / name)
    write(tmp_path / "app.py")
    assert found(tmp_path) == ["app.py"]
    # As installed packages are linted: what the `.gitignore` says of what lies below still counts.
    assert found(tmp_path, package) == [".venv/lib/site-packages/django/db/base.py"]
    assert found(tmp_path, package / "db") == [".venv/lib/site-packages/django/db/base.py"]
    # A host that walks the named directory itself skips what the walk skips, and only that.
    discovery = Discovery(Settings(root=tmp_path))
    assert not discovery.skips(package / "db" / "base.py", [package])
    assert discovery.skips(package / "db" / "schema_pb2.py", [package])
    assert discovery.skips(package / "db" / "base.py", [tmp_path])


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
