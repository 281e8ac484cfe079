"""A tree from a stranger: pipes, devices, links, permissions, a planted cache, bad configuration
and `.gitignore` files. pinlint runs in a subprocess with a time limit (generous: a busy CI
machine is slow), so a regression that blocks fails instead of hanging; each test asserts the exact output and that nothing was written
outside the tree."""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import ROOT, budget
from pinlint import __version__ as pinlint_version
from pinlint.cache import Cache
from pinlint.config import apply
from pinlint.discovery import Discovery, relative_path
from pinlint.engine import lint_source
from pinlint.reading import NotRegularFile, read_regular_file
from pinlint.settings import ConfigError, Settings

SESSION_SET = 'cur.execute("SET search_path TO a")\n'
PIN101 = (
    "PIN101 `SET search_path` changes a session setting: pins the session on RDS Proxy; "
    "leaks search_path to the next client on PgBouncer"
)
LISTEN = (
    "PIN110 `LISTEN` subscribes the backend, not the client: pins the session on RDS Proxy; "
    "loses the notifications on PgBouncer (they go to a backend the client no longer holds)"
)
PIN900_FIX = ". Fix: Make the file readable by Python or PostgreSQL, or exclude it from linting"

posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX pipes and links")


def pinlint(cwd: Path, *args: str, preexec_fn=None) -> tuple[int, list[str], str]:
    """Exit code, concise lines without their fix, and stderr of `pinlint check ARGS` run in
    ``cwd`` on this checkout."""
    result = subprocess.run(
        [sys.executable, "-m", "pinlint", "check", *args, "--output-format", "concise"],
        cwd=cwd, capture_output=True, text=True, timeout=180, preexec_fn=preexec_fn,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, [line.split(". Fix: ")[0] for line in result.stdout.splitlines()], result.stderr


def tree(top: Path) -> dict[str, str]:
    """Every entry below ``top``: a link's target, a file's bytes, or "dir"."""
    entries = {}
    for directory, subdirs, files in os.walk(top):
        for name in subdirs + files:
            path = Path(directory, name)
            shown = path.relative_to(top).as_posix()
            if path.is_symlink():
                entries[shown] = "-> " + os.readlink(path)
            elif path.is_dir():
                entries[shown] = "dir"
            elif path.is_file():
                entries[shown] = path.read_bytes().decode(errors="replace")
    return entries


@pytest.fixture
def project(tmp_path) -> Path:
    """A project inside a directory of its own, so that what is written next to it shows."""
    (tmp_path / "project" / ".git").mkdir(parents=True)  # a project root: the default cache goes there
    (tmp_path / "project" / "a.py").write_text(SESSION_SET)
    return tmp_path / "project"


# -- pipes and devices ----------------------------------------------------------------------------------------------


@posix_only
def test_a_named_pipe_is_a_pin900_and_never_blocks(project):
    os.mkfifo(project / "y.py")
    os.mkfifo(project / "pinlint.toml")  # neither a configuration nor a file to wait for
    expected = [
        f"a.py:1:13: {PIN101}",
        "pinlint.toml:1:1: PIN900 cannot read the file: it is a named pipe (FIFO), not a regular file",
        "y.py:1:1: PIN900 cannot read the file: it is a named pipe (FIFO), not a regular file",
    ]
    assert pinlint(project, "--no-cache") == (1, expected, "Found 3 findings (3 errors, 0 warnings) in 3 files. Targets: rds-proxy, pgbouncer (default; no pooler found in the project).\n")
    assert pinlint(project, "y.py", "a.py")[:2] == (1, [expected[0], expected[2]])


@posix_only
@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_link_to_a_device_is_a_pin900_and_never_read(project):
    (project / "z.py").symlink_to("/dev/zero")
    (project / "pyproject.toml").symlink_to("/dev/zero")
    before = tree(project.parent)
    code, lines, _ = pinlint(project)
    assert (code, lines) == (1, [
        f"a.py:1:13: {PIN101}",
        "pyproject.toml:1:1: PIN900 cannot read the file: it is a character device, not a regular file",
        "z.py:1:1: PIN900 cannot read the file: it is a character device, not a regular file",
    ])
    assert pinlint(project, "z.py", "--no-cache")[:2] == (1, [lines[2]])
    after = tree(project.parent)
    assert {k: v for k, v in after.items() if not k.startswith("project/.pinlint_cache")} == before


@posix_only
def test_config_that_is_not_a_regular_file_is_named_for_what_it_is(project):
    (project / "settings_dir").mkdir()
    os.mkfifo(project / "pipe.toml")
    for config, what in [("settings_dir", "a directory"), ("pipe.toml", "a named pipe (FIFO)"), ("/dev/zero", "a character device")]:
        assert pinlint(project, "--config", config) == (
            2, [], f"pinlint: error: cannot read {config}: it is {what}, not a regular file\n"
        )
    assert pinlint(project, "--config", "missing.toml") == (2, [], "pinlint: error: no such configuration file: missing.toml\n")


# -- configuration --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, text, message", [
    ("pyproject.toml", b"tool = 5\n", "{path}: `tool` must be a table, got 5"),
    ("pyproject.toml", b'tool = "pinlint"\n', "{path}: `tool` must be a table, got 'pinlint'"),
    ("pyproject.toml", b"[tool]\npinlint = [1]\n", "{path}: [tool.pinlint] must be a table, got [1]"),
    ("pinlint.toml", b"tool = 5\n", "{path}: `tool` must be a table, got 5"),
    ("pyproject.toml", b"[tool.pinlint]\nselect = ['PIN1']\n# \xff\n",
     "cannot read {path}: the configuration file is not UTF-8 (invalid start byte at byte 35)"),
    ("pinlint.toml", b"extend-exclude = ['[z-a]']\n", "{path}: extend-exclude: invalid pattern '[z-a]' (bad character range 'z-a')"),
    ("pinlint.toml", b'exclude = ["foo\\\\"]\n', "{path}: exclude: invalid pattern 'foo\\\\' (it ends in a backslash)"),
    ("pinlint.toml", b"[per-file-ignores]\n'!' = ['PIN101']\n", "{path}: per-file-ignores: invalid pattern '!' (a lone '!' negates nothing)"),
    ("pinlint.toml", b"select = [1]\n", "{path}: select: expected a list of strings, got [1]"),
])
def test_bad_configuration_is_exit_2_with_one_line(project, name, text, message):
    (project / name).write_bytes(text)
    path = project / name
    assert pinlint(project) == (2, [], f"pinlint: error: {message.format(path=path)}\n")


@pytest.mark.parametrize("flags, shown", [
    (["--select", ""], "--select ''"),
    (["--select", ","], "--select ','"),
    (["--select", "PIN1,"], "--select 'PIN1,'"),
    (["--select", "PIN1", "--select", " "], "--select 'PIN1', ' '"),
    (["--ignore", ""], "--ignore ''"),
    (["--extend-select", ""], "--extend-select ''"),
])
def test_an_empty_selector_on_the_command_line_is_a_usage_error(project, flags, shown):
    assert pinlint(project, *flags) == (
        2, [], f"pinlint: error: {shown}: empty rule selector (use a code like PIN101, a prefix like PIN1, a rule name, or ALL)\n"
    )


@pytest.mark.parametrize("pattern", ["[z-a]", "foo\\", "!", "\\", "[[:bogus:]]"])
def test_gitignore_lines_git_accepts_are_honoured_or_skipped_with_a_warning(project, pattern):
    (project / "ignored.py").write_text(SESSION_SET)
    (project / ".gitignore").write_text(f"ignored.py\n{pattern}\n")
    code, lines, err = pinlint(project, "--no-cache")
    assert (code, lines) == (1, [f"a.py:1:13: {PIN101}"])
    # `[[:bogus:]]` compiles (to a pattern matching nothing, as in git), without Python's warnings.
    skipped = pattern != "[[:bogus:]]"
    warning = f"pinlint: warning: .gitignore:2: skipped the pattern {pattern!r}, which pinlint cannot use\n"
    assert err == (warning if skipped else "") + "Found 1 finding (1 error, 0 warnings) in 1 file. Targets: rds-proxy, pgbouncer (default; no pooler found in the project).\n"


@posix_only
def test_a_gitignore_that_is_a_pipe_or_a_link_is_not_used(project):
    (project / "sub").mkdir()
    (project / "sub" / "b.py").write_text(SESSION_SET)
    os.mkfifo(project / ".gitignore")
    (project.parent / "elsewhere").write_text("*.py\n")
    (project / "sub" / ".gitignore").symlink_to(project.parent / "elsewhere")  # git does not follow it either
    assert pinlint(project, "--no-cache") == (1, [f"a.py:1:13: {PIN101}", f"sub/b.py:1:13: {PIN101}"], (
        "pinlint: warning: cannot use .gitignore: it is a named pipe (FIFO), not a regular file; its patterns were not used\n"
        "pinlint: warning: cannot use sub/.gitignore: it is a symbolic link, not a regular file; its patterns were not used\n"
        "Found 2 findings (2 errors, 0 warnings) in 2 files. Targets: rds-proxy, pgbouncer (default; no pooler found in the project).\n"
    ))


def _gitignore_text():
    pieces = st.sampled_from(["*", "**", "?", "[", "]", "!", "\\", "/", "#", " ", "a", "b.py", "-", "z-a", "\r", "\n", "\ud800", "{"])
    return st.lists(pieces, max_size=24).map("".join)


@settings(max_examples=budget(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_gitignore_text())
def test_any_gitignore_is_used_or_skipped_never_raises(tmp_path_factory, text):
    top = tmp_path_factory.mktemp("gitignore")
    (top / "a.py").write_text("x = 1\n")
    (top / "b.py").write_text("x = 1\n")
    (top / ".gitignore").write_bytes(text.encode("utf-8", "surrogatepass"))
    discovery = Discovery(Settings(root=top))
    found = [relative_path(p, top) for p in discovery.files([top])]
    assert set(found) <= {"a.py", "b.py"}
    assert all(w.startswith(f"{top}/.gitignore:") or w.startswith(".gitignore:") for w in discovery.warnings)


@settings(max_examples=budget(150), deadline=None)
@given(pattern=_gitignore_text())
def test_any_configured_pattern_is_accepted_or_a_config_error(pattern):
    try:
        result = apply(Settings(), {"extend-exclude": [pattern], "per-file-ignores": {pattern: ["PIN101"]}}, "test")
    except ConfigError as error:
        assert str(error).startswith("test: ") and "\n" not in str(error)
        return
    Discovery(result)  # compiles the excludes
    lint_source(b"x = 1\n", "x.py", result)  # and the per-file-ignores


# -- links ----------------------------------------------------------------------------------------------------------


@posix_only
def test_link_loops_dangling_links_and_aliases(project):
    (project / "l1.py").symlink_to("l2.py")
    (project / "l2.py").symlink_to("l1.py")
    (project / "dangling.sql").symlink_to("nothere.sql")
    (project / "b.sql").write_text("LISTEN a;\n")
    (project / "alias.sql").symlink_to("b.sql")
    (project / "linked").symlink_to(project, target_is_directory=True)  # not followed by the walk
    loop = "PIN900 cannot read the file: Too many levels of symbolic links"
    expected = [
        f"a.py:1:13: {PIN101}",
        f"b.sql:1:1: {LISTEN}",
        "dangling.sql:1:1: PIN900 cannot read the file: No such file or directory",
        f"l1.py:1:1: {loop}",
        f"l2.py:1:1: {loop}",
    ]
    assert pinlint(project)[:2] == (1, expected)
    assert pinlint(project)[:2] == (1, expected)  # from the cache
    assert pinlint(project, "l1.py", "alias.sql", "b.sql", "linked/b.sql")[:2] == (1, [expected[1], expected[3]])
    assert pinlint(project, "dangling.sql") == (2, [], "pinlint: error: no such file or directory: dangling.sql\n")


# -- permissions ----------------------------------------------------------------------------------------------------


def _without_permission_overrides() -> None:
    """Runs in the child: root reads anything, so drop the two capabilities that let it (the
    interpreter may sit where an unprivileged uid cannot reach it; then root is the only way)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _unprivileged():
    if not hasattr(os, "geteuid"):
        pytest.skip("needs POSIX permissions")
    if os.geteuid() != 0:
        return None
    probe = subprocess.run(
        [sys.executable, "-c", "open('/proc/self/status').read()"], preexec_fn=_without_permission_overrides,
        capture_output=True, timeout=60,
    )
    if probe.returncode != 0 or not sys.platform.startswith("linux"):
        pytest.skip("cannot drop root's permission overrides here")
    return _without_permission_overrides


@pytest.fixture
def restricted(project):
    """``locked`` may not be entered; ``listed`` may be listed, but not entered."""
    for name in ("locked", "listed", "listed/inner"):
        (project / name).mkdir()
    (project / "locked" / "b.py").write_text(SESSION_SET)
    (project / "listed" / "c.py").write_text(SESSION_SET)
    (project / "listed" / "inner" / "d.py").write_text(SESSION_SET)
    (project / "locked").chmod(0o000)
    (project / "listed").chmod(0o444)
    yield project
    (project / "locked").chmod(0o755)
    (project / "listed").chmod(0o755)


def test_what_cannot_be_read_is_said_not_skipped_silently(restricted):
    as_user = _unprivileged()
    denied = "PIN900 cannot read the file: Permission denied"
    assert pinlint(restricted, "--no-cache", preexec_fn=as_user) == (1, [f"a.py:1:13: {PIN101}", f"listed/c.py:1:1: {denied}"], (
        "pinlint: warning: cannot read the directory listed/inner: Permission denied; the files in it were not linted\n"
        "pinlint: warning: cannot read the directory locked: Permission denied; the files in it were not linted\n"
        "Found 2 findings (2 errors, 0 warnings) in 2 files. Targets: rds-proxy, pgbouncer (default; no pooler found in the project).\n"
    ))
    assert pinlint(restricted, "locked/b.py", "listed/inner/d.py", preexec_fn=as_user)[:2] == (
        1, [f"listed/inner/d.py:1:1: {denied}", f"locked/b.py:1:1: {denied}"]
    )
    assert pinlint(restricted, "locked", "--no-cache", preexec_fn=as_user) == (0, [], (
        "pinlint: warning: cannot read the directory locked: Permission denied; the files in it were not linted\n"
        "All checks passed. Targets: rds-proxy, pgbouncer (default; no pooler found in the project).\n"
    ))


# -- the cache ------------------------------------------------------------------------------------------------------


def _cache_file(project: Path) -> Path:
    (file,) = (project / ".pinlint_cache").glob("*/*.json")
    return file


# "DIGEST" stands for the file's real digest: the damage must get past the digest comparison.
DAMAGED_ENTRIES = {
    "not a dict": 5,
    "missing keys": {"sha256": "DIGEST"},
    "deeply nested": None,
    "wrong types": {"sha256": "DIGEST", "findings": "x", "lines": 2, "django_settings": {}, "check": None},
}


@pytest.mark.parametrize("damage", DAMAGED_ENTRIES, ids=list(DAMAGED_ENTRIES))
def test_a_damaged_entry_is_a_miss_and_is_rewritten(project, damage):
    expected = (1, [f"a.py:1:13: {PIN101}"], "Found 1 finding (1 error, 0 warnings) in 1 file. Targets: rds-proxy, pgbouncer (default; no pooler found in the project).\n")
    assert pinlint(project) == expected
    file = _cache_file(project)
    good = json.loads(file.read_text())
    value = json.dumps(DAMAGED_ENTRIES[damage]).replace("DIGEST", good["a.py"]["sha256"])
    if damage == "deeply nested":
        value = "[" * 100_000 + "]" * 100_000
    file.write_text('{"a.py": ' + value + "}")
    assert pinlint(project) == expected
    assert json.loads(file.read_text()) == good


def test_a_planted_entry_can_neither_hide_nor_inject_findings(project):
    (project / "b.py").write_text("x = 1\n")
    assert pinlint(project)[:2] == (1, [f"a.py:1:13: {PIN101}"])
    file = _cache_file(project)
    entries = json.loads(file.read_text())
    # The clean file's entry, checksum and all, under the dirty file's name and digest: no findings.
    entries["a.py"] = {**entries["b.py"], "sha256": entries["a.py"]["sha256"]}
    # The dirty file's finding, moved to the clean file.
    injected = {**entries["b.py"], "findings": [{**json.loads(file.read_text())["a.py"]["findings"][0], "path": "b.py"}]}
    entries["b.py"] = injected
    file.write_text(json.dumps(entries))
    assert pinlint(project)[:2] == (1, [f"a.py:1:13: {PIN101}"])


@pytest.mark.parametrize("item", [
    {}, [], {"sha256": "0" * 64, "findings": [{}], "lines": None, "django_settings": [], "check": "0" * 64},
    {"sha256": "0" * 64, "findings": [], "lines": [1], "django_settings": [], "check": "0" * 64},
])
def test_cache_get_never_raises_on_what_it_reads(tmp_path, item):
    settings_ = Settings(root=tmp_path)
    cache = Cache(tmp_path / "cache", settings_)
    cache.file.parent.mkdir(parents=True)
    cache.file.write_text(json.dumps({"a.py": item}))
    assert Cache(tmp_path / "cache", settings_).get("a.py", "0" * 64) is None


@settings(max_examples=budget(100), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entry=st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet="0af\ud800\"\\{[", max_size=64),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["sha256", "findings", "lines", "django_settings", "check", "path", "row", "code"]), children, max_size=6
    ),
    max_leaves=20,
))
def test_any_entry_is_a_miss(tmp_path, entry):
    settings_ = Settings(root=tmp_path)
    file = Cache(tmp_path / "cache", settings_).file
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps({"a.py": entry}))
    assert Cache(tmp_path / "cache", settings_).get("a.py", "0" * 64) is None


@posix_only
def test_a_planted_cache_link_is_not_followed_out_of_the_tree(project):
    (project.parent / "outside").mkdir()
    (project / ".pinlint_cache").symlink_to(project.parent / "outside", target_is_directory=True)
    before = tree(project.parent)
    assert pinlint(project) == (1, [f"a.py:1:13: {PIN101}"], (
        f"pinlint: warning: not using the cache in {project / '.pinlint_cache'}: it is a symbolic link\n"
        "Found 1 finding (1 error, 0 warnings) in 1 file. Targets: rds-proxy, pgbouncer (default; no pooler found in the project).\n"
    ))
    assert tree(project.parent) == before


@posix_only
def test_links_inside_a_tagged_cache_are_not_written_through(project):
    assert pinlint(project)[0] == 1
    cache = project / ".pinlint_cache"
    (cache / ".gitignore").unlink()
    shutil.rmtree(cache / pinlint_version)
    (cache / ".gitignore").symlink_to(project.parent / "planted_gitignore")
    (project.parent / "versions").mkdir()
    (cache / pinlint_version).symlink_to(project.parent / "versions", target_is_directory=True)
    before = tree(project.parent)
    assert pinlint(project) == (1, [f"a.py:1:13: {PIN101}"], (
        f"pinlint: warning: cannot write the cache in {cache}: {pinlint_version} is not a directory "
        "(pinlint does not write through links)\n"
        "Found 1 finding (1 error, 0 warnings) in 1 file. Targets: rds-proxy, pgbouncer (default; no pooler found in the project).\n"
    ))
    assert tree(project.parent) == before


@pytest.mark.parametrize("directory, reason", [
    (".", "it is the project itself"),
    ("..", "it holds the project"),
    ("src", "it is neither empty nor a pinlint cache (no CACHEDIR.TAG written by pinlint)"),
])
def test_a_cache_directory_that_is_not_pinlints_is_refused(project, directory, reason):
    (project / "src").mkdir()
    (project / "src" / "b.py").write_text("x = 1\n")
    before = tree(project.parent)
    assert pinlint(project, "--cache-dir", directory) == (2, [], f"pinlint: error: --cache-dir {directory}: {reason}\n")
    assert tree(project.parent) == before
    assert pinlint(project, "--cache-dir", "new/cache")[:2] == (1, [f"a.py:1:13: {PIN101}"])
    assert (project / "new" / "cache" / ".gitignore").read_text() == "# Created by pinlint.\n*\n"


# -- the reader -----------------------------------------------------------------------------------------------------


def test_the_reader_reads_at_most_one_byte_past_the_limit(tmp_path):
    (tmp_path / "big.sql").write_bytes(b"x" * 100)
    assert read_regular_file(tmp_path / "big.sql", 10) == b"x" * 11
    assert read_regular_file(tmp_path / "big.sql", 100) == b"x" * 100


@posix_only
def test_the_reader_refuses_what_is_not_a_regular_file(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "link").symlink_to(tmp_path / "pipe")
    (tmp_path / "file").write_text("x")
    (tmp_path / "file_link").symlink_to(tmp_path / "file")
    for path, kwargs, kind in [
        (tmp_path / "pipe", {}, "a named pipe (FIFO)"),
        (tmp_path / "link", {}, "a named pipe (FIFO)"),
        (tmp_path, {}, "a directory"),
        (tmp_path / "file_link", {"follow_links": False}, "a symbolic link"),
    ]:
        with pytest.raises(NotRegularFile) as raised:
            read_regular_file(path, 10, **kwargs)
        assert (raised.value.strerror, raised.value.filename) == (f"it is {kind}, not a regular file", str(path))
    assert read_regular_file(tmp_path / "file_link", 10) == b"x"
