"""The cache: a warm run gives the cold run's report without linting, and anything a file's
findings depend on (its bytes, the settings, pinlint's code, Django settings) invalidates it."""

from __future__ import annotations

import json
import os

import pytest

from pinlint import engine
from pinlint.cache import Cache
from pinlint.cli import main
from pinlint.engine import lint_paths
from pinlint.settings import Settings
from pinlint.targets import Target

SESSION_SET = 'cur.execute("SET search_path TO tenant")\n'


def _lines(report) -> list[str]:
    return [f"{f.path}:{f.row}:{f.col}: {f.line_text}" for f in report.findings]


@pytest.fixture
def linted(monkeypatch):
    """The files the engine actually lints (rather than takes from the cache)."""
    names: list[str] = []
    real = engine.lint_source

    def counting(data, display, *args, **kwargs):
        names.append(display)
        return real(data, display, *args, **kwargs)

    monkeypatch.setattr(engine, "lint_source", counting)
    return names


def test_a_warm_run_reports_the_same_without_linting_anything(tmp_path, linted):
    (tmp_path / "app.py").write_text(SESSION_SET)
    (tmp_path / "plain.py").write_text("x = 1\n")
    (tmp_path / "schema.sql").write_text("LISTEN jobs;\n")
    settings = Settings(root=tmp_path)
    first = Cache(tmp_path / "cache", settings)
    cold = lint_paths([tmp_path], settings, tmp_path, cache=first)
    first.save(tmp_path)
    linted.clear()
    warm = lint_paths([tmp_path], settings, tmp_path, cache=Cache(tmp_path / "cache", settings))
    assert linted == []
    assert _lines(warm) == _lines(cold) == [
        "app.py:1:13: PIN101 `SET search_path` changes a session setting: pins the session on RDS Proxy; leaks "
        "search_path to the next client on PgBouncer. Fix: Set it per role or database instead (`ALTER ROLE app SET "
        "search_path = ...`), or schema-qualify table names (SQLAlchemy `schema_translate_map`); behind PgBouncer "
        "alone, `SET LOCAL search_path ...` inside a transaction also works (outside one it silently does nothing)",
        "schema.sql:1:1: PIN110 `LISTEN` subscribes the backend, not the client: pins the session on RDS Proxy; "
        "loses the notifications on PgBouncer (they go to a backend the client no longer holds). Fix: Listen on a "
        "dedicated direct (unpooled) connection, or poll",
    ]
    assert warm.files == cold.files == 3
    assert warm.sources == cold.sources


def _run_twice(tmp_path, settings, change=None):
    cache = Cache(tmp_path / "cache", settings)
    lint_paths([tmp_path / "src"], settings, tmp_path, cache=cache)
    cache.save(tmp_path)
    if change:
        change()
    return lint_paths([tmp_path / "src"], settings, tmp_path, cache=Cache(tmp_path / "cache", settings))


def test_an_edited_file_is_linted_again(tmp_path, linted):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("x = 1\n")
    (tmp_path / "src" / "other.py").write_text("y = 2\n")
    report = _run_twice(tmp_path, Settings(root=tmp_path), lambda: (tmp_path / "src" / "app.py").write_text(SESSION_SET))
    assert linted == ["src/app.py", "src/other.py", "src/app.py"]
    assert [f.code for f in report.findings] == ["PIN101"]


def test_other_settings_do_not_share_entries(tmp_path, linted):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("cur.execute(\"SET LOCAL statement_timeout = '5s'\")\n")
    for targets in [(Target.PGBOUNCER,), (Target.RDS_PROXY,)]:
        cache = Cache(tmp_path / "cache", Settings(root=tmp_path, targets=targets))
        report = lint_paths([tmp_path / "src"], Settings(root=tmp_path, targets=targets), tmp_path, cache=cache)
        cache.save(tmp_path)
    assert [f.code for f in report.findings] == ["PIN103"]  # the PgBouncer-only run's "no finding" was not reused
    assert linted == ["src/app.py", "src/app.py"]
    assert len(list((tmp_path / "cache").glob("*/*.json"))) == 2


def test_edited_django_settings_invalidate_iterator_findings(tmp_path, linted):
    (tmp_path / "manage.py").write_text('os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n')
    (tmp_path / "mysite").mkdir()
    settings_py = tmp_path / "mysite" / "settings.py"
    settings_py.write_text("DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql'}}\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "views.py").write_text("def f():\n    return Order.objects.all().iterator()\n")

    def disable():
        settings_py.write_text(
            "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'DISABLE_SERVER_SIDE_CURSORS': True}}\n"
        )

    cold = lint_paths([tmp_path / "src"], Settings(root=tmp_path), tmp_path)
    assert [f.code for f in cold.findings] == ["PIN111"]
    linted.clear()
    warm = _run_twice(tmp_path, Settings(root=tmp_path), disable)
    assert linted == ["src/views.py", "src/views.py"]
    assert warm.findings == []


def test_settings_that_turn_server_side_cursors_on_bring_iterator_findings(tmp_path, linted):
    # The first pass clears `.iterator()` while the settings disable server-side cursors; the
    # cached "nothing here" must not outlive that.
    (tmp_path / "manage.py").write_text('os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n')
    (tmp_path / "mysite").mkdir()
    settings_py = tmp_path / "mysite" / "settings.py"
    settings_py.write_text(
        "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'DISABLE_SERVER_SIDE_CURSORS': True}}\n"
    )
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "views.py").write_text("def f():\n    return Order.objects.all().iterator()\n")

    def enable():
        settings_py.write_text("DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql'}}\n")

    warm = _run_twice(tmp_path, Settings(root=tmp_path), enable)
    assert linted == ["src/views.py", "src/views.py"]
    assert [f.code for f in warm.findings] == ["PIN111"]


def test_entries_of_deleted_files_are_dropped(tmp_path):
    (tmp_path / "src").mkdir()
    for name in ("a.py", "b.py"):
        (tmp_path / "src" / name).write_text(SESSION_SET)
    settings = Settings(root=tmp_path)
    cache = Cache(tmp_path / "cache", settings)
    lint_paths([tmp_path / "src"], settings, tmp_path, cache=cache)
    cache.save(tmp_path)
    (tmp_path / "src" / "b.py").unlink()
    cache = Cache(tmp_path / "cache", settings)
    cache.save(tmp_path)
    assert list(json.loads(cache.file.read_text())) == ["src/a.py"]


def test_a_damaged_cache_file_is_ignored(tmp_path, linted):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(SESSION_SET)
    settings = Settings(root=tmp_path)
    cache = Cache(tmp_path / "cache", settings)
    cache.file.parent.mkdir(parents=True)
    cache.file.write_text('{"src/app.py": {"sha256"')
    report = lint_paths([tmp_path / "src"], settings, tmp_path, cache=Cache(tmp_path / "cache", settings))
    assert [f.code for f in report.findings] == ["PIN101"]
    assert linted == ["src/app.py"]


# -- command line -------------------------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()  # a project root: the default cache goes there
    (tmp_path / "app.py").write_text(SESSION_SET)
    return tmp_path


def test_the_default_cache_is_tagged_and_ignored_by_git(project, capsys):
    assert main(["check", "app.py", "--output-format", "concise"]) == 1
    cold = capsys.readouterr().out
    cache = project / ".pinlint_cache"
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55\n")
    assert (cache / ".gitignore").read_text() == "# Created by pinlint.\n*\n"
    assert main(["check", "app.py", "--output-format", "concise"]) == 1
    assert capsys.readouterr().out == cold


def test_the_default_cache_sits_at_the_project_root_and_nowhere_outside_a_project(project, capsys):
    (project / "src" / "deep").mkdir(parents=True)
    os.chdir(project / "src" / "deep")
    assert main(["check", "../../app.py", "--output-format", "concise"]) == 1
    assert (project / ".pinlint_cache" / "CACHEDIR.TAG").is_file()
    assert not (project / "src" / "deep" / ".pinlint_cache").exists()
    outside = project / "outside"
    outside.mkdir()
    (project / ".git").rmdir()  # no .git, .hg, pyproject.toml, setup.py or setup.cfg above it now
    os.chdir(outside)
    capsys.readouterr()
    assert main(["check", "../app.py", "--output-format", "concise"]) == 1
    assert os.listdir(outside) == []
    assert capsys.readouterr().err == (  # no warning either
        "Found 1 finding (1 error, 0 warnings) in 1 file. Targets: rds-proxy, pgbouncer (default; no pooler found in the project).\n"
    )


def test_no_cache_writes_nothing_and_cache_dir_moves_it(project, capsys):
    main(["check", "app.py", "--no-cache"])
    assert not (project / ".pinlint_cache").exists()
    main(["check", "app.py", "--cache-dir", "elsewhere"])
    assert (project / "elsewhere" / "CACHEDIR.TAG").is_file()
    assert not (project / ".pinlint_cache").exists()


def test_the_cache_sits_next_to_the_configuration(project, capsys):
    (project / "pyproject.toml").write_text("[tool.pinlint]\ntarget = ['pgbouncer']\n")
    (project / "sub").mkdir()
    os.chdir(project / "sub")
    main(["check", "../app.py"])
    assert (project / ".pinlint_cache").is_dir()
    assert not (project / "sub" / ".pinlint_cache").exists()


def test_an_unwritable_cache_is_a_warning_not_an_error(project, capsys):
    assert main(["check", "app.py", "--cache-dir", "app.py/cache", "--output-format", "concise"]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("app.py:1:13: PIN101 ")
    assert "pinlint: warning: cannot write the cache in app.py/cache: Not a directory" in err


def test_help_explains_the_cache(capsys):
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--cache-dir DIR where to keep it (default: .pinlint_cache next to the configuration file" in help_text
    assert "--no-cache neither read nor write the cache" in help_text
