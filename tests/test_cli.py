"""The command line: exit codes, output formats, configuration, suppressions and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pinlint.cli import main

BAD_PY = 'def switch(cur):\n    cur.execute("SET search_path TO tenant_a")\n'
GOOD_PY = 'def switch(cur):\n    cur.execute("SET LOCAL search_path TO tenant_a")\n'


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def without_fixes(out: str) -> list[str]:
    """Concise lines without their `. Fix: ...` part, for tests about what is found."""
    return [line.split(". Fix: ")[0] for line in out.splitlines()]


def test_exit_codes(project, capsys):
    write(project / "bad.py", BAD_PY)
    write(project / "good.py", GOOD_PY)
    assert run(capsys, "check", "good.py", "--target", "pgbouncer")[0] == 0
    assert run(capsys, "check", "bad.py")[0] == 1
    assert run(capsys, "check", "bad.py", "--exit-zero")[0] == 0
    assert run(capsys, "check", "missing.py")[0] == 2
    assert run(capsys, "check", "bad.py", "--select", "PIN999")[0] == 2


def test_sarif_output_is_written_beside_the_chosen_format_from_one_run(project, capsys, monkeypatch):
    write(project / "app" / "bad.py", BAD_PY)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    github = run(capsys, "check", "--no-cache", "--output-format", "github")
    sarif = run(capsys, "check", "--no-cache", "--output-format", "sarif")
    both = run(capsys, "check", "--no-cache", "--output-format", "github", "--sarif-output", "out.sarif")
    assert both == github and github[0] == 1
    assert (project / "out.sarif").read_text(encoding="utf-8") == sarif[1]
    assert json.loads(sarif[1])["runs"][0]["results"][0]["ruleId"] == "PIN101"


def test_an_unwritable_sarif_output_is_a_usage_error(project, capsys):
    write(project / "bad.py", BAD_PY)
    code, out, err = run(capsys, "check", "--no-cache", "bad.py", "--sarif-output", "no/such/dir/out.sarif")
    assert (code, out) == (2, "")
    assert err == "pinlint: error: --sarif-output no/such/dir/out.sarif: cannot write it: No such file or directory\n"


def test_usage_errors_exit_2(project, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--target", "haproxy"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'haproxy'" in capsys.readouterr().err


def test_concise_output_is_flake8_style(project, capsys):
    write(project / "app" / "bad.py", BAD_PY)
    code, out, err = run(capsys, "check", "--output-format", "concise")
    assert code == 1
    assert out == (
        "app/bad.py:2:17: PIN101 `SET search_path` changes a session setting: pins the session on RDS Proxy; "
        "leaks search_path to the next client on PgBouncer. Fix: Set it per role or database instead "
        "(`ALTER ROLE app SET search_path = ...`), or schema-qualify table names (SQLAlchemy `schema_translate_map`); "
        "behind PgBouncer alone, `SET LOCAL search_path ...` inside a transaction also works (outside one it "
        "silently does nothing)\n"
    )
    assert err == "Found 1 finding (1 error, 0 warnings) in 1 file. Targets: rds-proxy, pgbouncer (default; no pooler found in the project).\n"


def test_full_output_shows_source_caret_and_help(project, capsys):
    write(project / "bad.py", BAD_PY)
    out = run(capsys, "check", "bad.py")[1]
    assert out == (
        "bad.py:2:17: PIN101 [error] `SET search_path` changes a session setting: pins the session on RDS Proxy; "
        "leaks search_path to the next client on PgBouncer\n"
        "  |\n"
        '2 |     cur.execute("SET search_path TO tenant_a")\n'
        "  |                 ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "  |\n"
        "  = help: Set it per role or database instead (`ALTER ROLE app SET search_path = ...`), or schema-qualify "
        "table names (SQLAlchemy `schema_translate_map`); behind PgBouncer alone, `SET LOCAL search_path ...` "
        "inside a transaction also works (outside one it silently does nothing)\n\n"
    )


def test_json_output_fields(project, capsys):
    write(project / "db" / "schema.sql", "SELECT 1;\nLISTEN jobs;\n")
    code, out, _ = run(capsys, "check", "--output-format", "json", "--target", "pgbouncer")
    assert code == 1
    assert json.loads(out) == [
        {
            "code": "PIN110",
            "name": "listen",
            "message": "`LISTEN` subscribes the backend, not the client: loses the notifications on PgBouncer "
            "(they go to a backend the client no longer holds)",
            "fix": {"message": "Listen on a dedicated direct (unpooled) connection, or poll"},
            "severity": "error",
            "confidence": "high",
            "consequences": {"pgbouncer": "breaks"},
            "filename": "db/schema.sql",
            "location": {"row": 2, "column": 1},
            "end_location": {"row": 2, "column": 12},
            "url": "https://github.com/pinlint/pinlint/blob/main/pinlint/rules/pin110_listen.md",
            "dialect": {
                "name": "postgres",
                "evidence": [
                    {"from": "statement", "dialect": "postgres", "reason": "`LISTEN` is PostgreSQL's", "path": None},
                    {
                        "from": "default", "dialect": "postgres",
                        "reason": "nothing names an engine: PostgreSQL unless the SQL's syntax says otherwise", "path": None,
                    },
                ],
            },
        }
    ]


def test_json_lines_and_empty_json(project, capsys):
    write(project / "a.sql", "LISTEN a;\nLISTEN b;\n")
    out = run(capsys, "check", "--output-format", "json-lines")[1]
    assert [json.loads(line)["location"]["row"] for line in out.splitlines()] == [1, 2]
    write(project / "a.sql", "SELECT 1;\n")
    assert run(capsys, "check", "--output-format", "json") == (0, "[]\n", "")


def test_severity_is_warning_when_only_pinning(project, capsys):
    write(project / "a.sql", "SELECT nextval('s');\n")
    out = run(capsys, "check", "--output-format", "json")[1]
    finding = json.loads(out)[0]
    assert (finding["code"], finding["severity"], finding["consequences"]) == ("PIN113", "warning", {"rds-proxy": "pins"})


def test_output_is_sorted_and_byte_identical_between_runs(project, capsys):
    write(project / "b.sql", "LISTEN b;\nSET search_path TO x;\n")
    write(project / "a" / "z.py", BAD_PY)
    write(project / "a.sql", "DISCARD ALL; LISTEN a;\n")
    first = run(capsys, "check", "--output-format", "concise")[1]
    assert first == run(capsys, "check", "--output-format", "concise")[1]
    locations = [line.split(": ")[0] for line in first.splitlines()]
    assert locations == ["a.sql:1:1", "a.sql:1:14", "a/z.py:2:17", "b.sql:1:1", "b.sql:2:1"]


def test_statistics(project, capsys):
    write(project / "a.sql", "LISTEN a;\nLISTEN b;\nDISCARD ALL;\n")
    code, out, _ = run(capsys, "check", "--statistics")
    assert (code, out) == (1, "2\tPIN110\tlisten\n1\tPIN107\tdiscard\n")
    out = run(capsys, "check", "--statistics", "--output-format", "json")[1]
    assert json.loads(out) == [{"code": "PIN110", "name": "listen", "count": 2}, {"code": "PIN107", "name": "discard", "count": 1}]


def test_selection_by_code_prefix_and_name(project, capsys):
    write(project / "a.sql", "LISTEN a;\nDISCARD ALL;\nSET search_path TO x;\n")

    def codes(*flags):
        out = run(capsys, "check", "--output-format", "json", *flags)[1]
        return sorted({f["code"] for f in json.loads(out)})

    assert codes() == ["PIN101", "PIN107", "PIN110"]
    assert codes("--select", "PIN110") == ["PIN110"]
    assert codes("--select", "listen,discard") == ["PIN107", "PIN110"]
    assert codes("--ignore", "PIN1") == []
    assert codes("--ignore", "PIN1", "--extend-select", "PIN101") == ["PIN101"]
    assert codes("--select", "PIN10", "--ignore", "session-set") == ["PIN107"]


def test_targets_change_findings_and_messages(project, capsys):
    write(project / "a.sql", "SET LOCAL search_path TO a;\nSET search_path TO a;\n")
    out = run(capsys, "check", "--output-format", "concise", "--target", "pgbouncer")[1]
    assert without_fixes(out) == ["a.sql:2:1: PIN101 `SET search_path` changes a session setting: leaks search_path to the next client on PgBouncer"]
    out = run(capsys, "check", "--output-format", "concise", "--target", "pgbouncer", "--target", "pgbouncer-legacy")[1]
    assert "leaks search_path to the next client on PgBouncer and PgBouncer < 1.21. Fix: " in out


def test_configuration_in_pyproject_and_flags_win(project, capsys):
    write(project / "pyproject.toml", """
        [tool.pinlint]
        targets = ["pgbouncer"]
        ignore = ["PIN110"]
        output-format = "concise"
        per-file-ignores = { "legacy/*.sql" = ["PIN101"] }
    """)
    write(project / "a.sql", "SET LOCAL x = 1;\nLISTEN a;\nSET search_path TO a;\n")
    write(project / "legacy" / "old.sql", "SET search_path TO a;\n")
    out = run(capsys, "check")[1]
    assert without_fixes(out) == ["a.sql:3:1: PIN101 `SET search_path` changes a session setting: leaks search_path to the next client on PgBouncer"]
    out = run(capsys, "check", "--target", "rds-proxy", "--output-format", "concise")[1]
    assert [line.split(" ")[1] for line in out.splitlines()] == ["PIN103", "PIN101"]


def test_pinlint_toml_wins_over_pyproject_in_the_same_directory(project, capsys):
    write(project / "pyproject.toml", "[tool.pinlint]\nselect = ['PIN107']\n")
    write(project / "pinlint.toml", "select = ['PIN110']\n")
    write(project / "a.sql", "LISTEN a;\nDISCARD ALL;\n")
    out = run(capsys, "check", "--output-format", "concise")[1]
    assert [line.split(" ")[1] for line in out.splitlines()] == ["PIN110"]


def test_config_found_from_a_parent_directory(project, capsys):
    write(project / "pyproject.toml", "[tool.pinlint]\nselect = ['PIN107']\n")
    write(project / "sub" / "a.sql", "LISTEN a;\nDISCARD ALL;\n")
    out = run(capsys, "check", "sub", "--output-format", "concise")[1]
    assert without_fixes(out) == ["sub/a.sql:2:1: PIN107 `DISCARD ALL` resets session state: pins the session on RDS Proxy"]


@pytest.mark.parametrize(
    "config, message",
    [
        ("[tool.pinlint]\ntarget = 'haproxy'\n", "unknown target 'haproxy'"),
        ("[tool.pinlint]\nselekt = ['PIN1']\n", "unknown key 'selekt' (did you mean 'select'?)"),
        ("[tool.pinlint]\nselect = 'PIN1'\n", "select: expected a list of strings"),
        ("[tool.pinlint]\nselect = ['PIN77']\n", "unknown rule selector 'PIN77'"),
        ("[tool.pinlint]\nmin-confidence = 'sure'\n", "expected one of high, medium, low"),
        ("[tool.pinlint\n", "cannot read"),
    ],
)
def test_bad_configuration_is_a_clear_error(project, capsys, config, message):
    write(project / "pyproject.toml", config)
    write(project / "a.sql", "SELECT 1;\n")
    code, out, err = run(capsys, "check")
    assert code == 2 and out == ""
    assert err.startswith("pinlint: error: ") and message in err
    assert "Traceback" not in err


def test_isolated_ignores_configuration(project, capsys):
    write(project / "pyproject.toml", "[tool.pinlint]\nselekt = 1\n")
    write(project / "a.sql", "LISTEN a;\n")
    assert run(capsys, "check", "--isolated")[0] == 1


def test_python_suppressions(project, capsys):
    write(project / "a.py", '''
        cur.execute("SET search_path TO a")  # noqa: PIN101
        cur.execute("""
            LISTEN jobs
        """)  # noqa: PIN110
        cur.execute("DISCARD ALL")  # pinlint: ignore[discard] -- pool reset on a direct connection
        cur.execute("SELECT pg_advisory_lock(1)")  # noqa: E501
        cur.execute("SELECT 1")  # noqa: PIN113, PIN101
    ''')
    out = run(capsys, "check", "--output-format", "concise")[1]
    assert without_fixes(out) == [
        "a.py:7:13: PIN109 `pg_advisory_lock()` is a session-level advisory lock: pins the session on RDS Proxy; "
        "breaks mutual exclusion on PgBouncer (the lock stays on a backend that other clients reuse)",
        "a.py:8:26: PIN901 unused suppression of `PIN101`: nothing here is reported under it",
        "a.py:8:26: PIN901 unused suppression of `PIN113`: nothing here is reported under it",
    ]


def test_suppressions_in_any_case_and_spacing(project, capsys):
    write(project / "a.py", '''
        cur.execute("SET search_path TO a")  # NOQA :PIN101
        cur.execute("LISTEN jobs")  # Pinlint :  ignore[listen]
    ''')
    assert run(capsys, "check", "--output-format", "concise")[1] == ""


def test_file_level_suppression_and_unknown_codes(project, capsys):
    write(project / "a.py", '# pinlint: file-ignore[PIN110, PIN998]\ncur.execute("LISTEN a")\n')
    out = run(capsys, "check", "--output-format", "concise")[1]
    assert out == (
        "a.py:1:1: PIN901 unused suppression of unknown rule `PIN998`: nothing here is reported under it. "
        "Fix: Remove the suppression (or the code from it)\n"
    )


def test_sql_suppressions_in_sql_files(project, capsys):
    write(project / "a.sql", """\
        -- pinlint: ignore[PIN110]
        LISTEN a;
        LISTEN b; -- pinlint: ignore[listen] -- reason
        LISTEN c;
        -- pinlint: ignore[PIN107]
        SELECT 1;
    """)
    out = run(capsys, "check", "--output-format", "concise")[1]
    assert [line.split(": ")[0] for line in out.splitlines()] == ["a.sql:4:1", "a.sql:5:1"]
    assert "PIN901 unused suppression of `PIN107`" in out


def test_suppression_of_a_disabled_rule_is_not_reported_unused(project, capsys):
    write(project / "a.py", 'cur.execute("SELECT 1")  # noqa: PIN110\n')
    assert run(capsys, "check", "--ignore", "PIN110")[0] == 0


def test_bad_files_are_findings_and_others_are_still_linted(project, capsys):
    write(project / "broken.py", "def f(:\n    pass\n")
    (project / "latin1.sql").write_bytes(b"SELECT '\xe9';\n")
    (project / "binary.py").write_bytes(b"\x00\x01\x02cur.execute('LISTEN a')")
    (project / "huge.sql").write_bytes(b"-- x\n" * (2 * 1024 * 1024))
    write(project / "ok.sql", "LISTEN a;\n")
    code, out, err = run(capsys, "check", "--output-format", "concise")
    assert code == 1 and "Traceback" not in err
    assert without_fixes(out) == [
        "binary.py:1:1: PIN900 the file is binary (it contains NUL bytes); not linted",
        "broken.py:1:7: PIN900 syntax error: invalid syntax",
        "huge.sql:1:1: PIN900 the file is larger than 8 MiB; not linted",
        "latin1.sql:1:1: PIN900 cannot decode the file: invalid continuation byte",
        "ok.sql:1:1: PIN110 `LISTEN` subscribes the backend, not the client: pins the session on RDS Proxy; "
        "loses the notifications on PgBouncer (they go to a backend the client no longer holds)",
    ]


def test_python_encoding_declaration_is_honoured(project, capsys):
    (project / "a.py").write_bytes(b"# -*- coding: latin-1 -*-\ncur.execute('LISTEN caf\xe9')\n")
    out = run(capsys, "check", "--output-format", "concise")[1]
    assert out.startswith("a.py:2:13: PIN110")


def test_odd_sql_never_crashes(project, capsys):
    write(project / "odd.sql", "SELECT 'unterminated;\n$$ dollar $ ; /* open comment\nSET search_path TO \"\n")
    code, out, err = run(capsys, "check")
    assert code in (0, 1) and "Traceback" not in err


def test_gitignore_and_default_excludes(project, capsys):
    write(project / ".gitignore", "generated/\n*.tmp.sql\n")
    (project / ".git").mkdir()
    for name in ["generated/a.sql", "b.tmp.sql", ".venv/lib/c.sql", "node_modules/d.sql", "build/e.sql", "env1/f.sql", "keep.sql"]:
        write(project / name, "LISTEN a;\n")
    write(project / "env1" / "pyvenv.cfg", "home = /usr\n")
    out = run(capsys, "check", "--output-format", "concise")[1]
    assert [line.split(":")[0] for line in out.splitlines()] == ["keep.sql"]
    out = run(capsys, "check", "--output-format", "concise", "--no-respect-gitignore")[1]
    assert [line.split(":")[0] for line in out.splitlines()] == ["b.tmp.sql", "generated/a.sql", "keep.sql"]


def test_exclude_and_force_exclude(project, capsys):
    write(project / "migrations" / "0001.sql", "LISTEN a;\n")
    write(project / "app.sql", "LISTEN a;\n")
    out = run(capsys, "check", "--extend-exclude", "migrations", "--output-format", "concise")[1]
    assert [line.split(":")[0] for line in out.splitlines()] == ["app.sql"]
    assert run(capsys, "check", "migrations/0001.sql", "--extend-exclude", "migrations")[0] == 1
    assert run(capsys, "check", "migrations/0001.sql", "--extend-exclude", "migrations", "--force-exclude")[0] == 0


def test_stdin_with_and_without_a_filename(project, capsys, monkeypatch):
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BAD_PY.encode())))
    code, out, _ = run(capsys, "check", "-", "--output-format", "concise")
    assert code == 1 and out.startswith("-:2:17: PIN101")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"LISTEN a;\n")))
    code, out, _ = run(capsys, "check", "-", "--stdin-filename", "db/x.sql", "--output-format", "concise")
    assert code == 1 and out.startswith("db/x.sql:1:1: PIN110")


def test_stdin_that_looks_like_sql_gets_a_hint_without_a_filename(project, capsys, monkeypatch):
    import io

    hint = "pinlint: hint: stdin is read as Python; name SQL with --stdin-filename (for example query.sql)\n"
    for text, hinted in [
        (b"-- tenant switch\nSET search_path TO a;\n", True),
        (b"\n  select * from t;\n", True),
        (b"def f(:\n", False),  # broken Python is not SQL
        (b"select = 1\n", False),  # Python that parses
    ]:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
        code, out, err = run(capsys, "check", "-", "--output-format", "concise")
        assert err.startswith(hint) == hinted, text
    # Named, it is linted as SQL and needs no hint.
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"SET search_path TO a;\n")))
    code, out, err = run(capsys, "check", "-", "--stdin-filename", "q.sql", "--output-format", "concise")
    assert out.startswith("q.sql:1:1: PIN101") and "hint" not in err


def test_files_pinlint_does_not_lint_are_named_in_a_warning(project, capsys):
    write(project / "notes.txt", "SET search_path TO a;\n")
    (project / "empty").mkdir()
    kinds = ".py, .pyi, .sql or configuration (.env, .ini, .cfg, .toml, .yaml, .yml, .properties, .tf) files"
    assert run(capsys, "check", "notes.txt", "empty") == (
        0, "",
        f"pinlint: warning: notes.txt is not one of the {kinds} pinlint lints\n"
        f"pinlint: warning: no {kinds} to lint under empty\n"
        "All checks passed. Targets: rds-proxy, pgbouncer (default; no pooler found in the project).\n",
    )


def test_the_file_kinds_in_messages_are_the_ones_discovery_lints():
    from pinlint.cli import _LINTED_FILES
    from pinlint.connections.files import CONFIG_FORMATS
    from pinlint.discovery import PYTHON_SUFFIXES, SQL_SUFFIXES, TERRAFORM_SUFFIXES

    suffixes = ", ".join([*PYTHON_SUFFIXES, *SQL_SUFFIXES])
    assert _LINTED_FILES == f"{suffixes} or configuration ({', '.join([*CONFIG_FORMATS, *TERRAFORM_SUFFIXES])}) files"


def test_a_usage_error_after_a_command_shows_that_commands_usage(project, capsys):
    for args, usage in [
        (["check", "--bogus"], "usage: pinlint check "),
        (["check", ".", "--target", "haproxy"], "usage: pinlint check "),
        (["logs", "x.log", "--bogus"], "usage: pinlint logs "),
        (["rule", "--bogus"], "usage: pinlint rule "),
        (["--bogus", "check"], "usage: pinlint [-h]"),
    ]:
        with pytest.raises(SystemExit) as exit_info:
            main(args)
        err = capsys.readouterr().err
        assert exit_info.value.code == 2 and err.startswith(usage), args
    assert err.endswith("pinlint: error: unrecognized arguments: --bogus\n")
    help_text = subprocess.run([sys.executable, "-m", "pinlint", "check", "--help"], capture_output=True, text=True).stdout
    assert (
        "Lint .py, .pyi, .sql or configuration (.env, .ini, .cfg, .toml, .yaml, .yml, .properties, .tf): Python code, "
        "SQL and the connection settings in configuration files."
    ) in " ".join(help_text.split())


def test_rule_list(capsys):
    from pinlint.rules import ALL_RULES

    code, out, _ = run(capsys, "rule", "--list")
    lines = out.splitlines()
    assert code == 0 and len(lines) == len(ALL_RULES)
    width = max(len(rule.name) for rule in ALL_RULES)
    assert lines[0] == f"PIN101  {'session-set':<{width}}  Session-level SET or RESET leaves state on a pooled backend"
    code, out, _ = run(capsys, "rule", "--list", "--output-format", "json")
    assert json.loads(out)[0] == {
        "code": "PIN101", "name": "session-set", "summary": "Session-level SET or RESET leaves state on a pooled backend"
    }
    assert run(capsys, "rule", "PIN7\x1b") == (2, "", "pinlint: error: unknown rule 'PIN7\\x1b'; `pinlint rule --list` lists them\n")
    with pytest.raises(SystemExit):
        main(["rule", "PIN101", "--list"])
    assert capsys.readouterr().err.endswith("pinlint rule: error: give a CODE or NAME, or --list, not both\n")


def test_rule_command(capsys):
    code, out, _ = run(capsys, "rule", "PIN110")
    assert code == 0 and out.startswith("# PIN110 listen\n")
    assert run(capsys, "rule", "session-set")[1].startswith("# PIN101 session-set\n")
    code, out, _ = run(capsys, "rule", "--all", "--output-format", "json")
    assert [r["code"] for r in json.loads(out)][:2] == ["PIN101", "PIN102"]
    assert run(capsys, "rule", "PIN999")[0] == 2


def test_console_script_and_module_entry_points(project):
    write(project / "a.sql", "LISTEN a;\n")
    module = subprocess.run([sys.executable, "-m", "pinlint", "check", "--output-format", "concise"], capture_output=True, text=True)
    assert module.returncode == 1 and module.stdout.startswith("a.sql:1:1: PIN110")
    help_text = subprocess.run([sys.executable, "-m", "pinlint", "check", "--help"], capture_output=True, text=True).stdout
    assert "--target NAME" in help_text and "exit codes: 0 no findings, 1 findings, 2 usage" in help_text


def test_driver_and_config_findings_through_the_cli(project, capsys):
    write(project / "app" / "pool.py", """\
        import asyncpg as pg

        async def make(dsn):
            return await pg.create_pool(dsn, server_settings={"jit": "off"}, reset=None)
        """)
    write(project / "deploy" / "docker-compose.yml", """\
        services:
          worker:
            environment:
              - PGOPTIONS=-c statement_timeout=0
        """)
    code, out, err = run(capsys, "check", "--output-format", "concise")
    assert code == 1
    assert "\n".join(without_fixes(out)) + "\n" == (
        "app/pool.py:4:18: PIN203 `asyncpg.create_pool()` resets every released connection with "
        "`SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`: pins the session on RDS Proxy "
        "(every connection of the pool, at every release)\n"
        "app/pool.py:4:62: PIN201 `asyncpg.create_pool()` sends `server_settings` `jit` as startup parameters: "
        "rejects the connection on RDS Proxy (“RDS Proxy currently doesn't support the option jit”); rejects the "
        "connection on PgBouncer (“unsupported startup parameter: jit”)\n"
        "deploy/docker-compose.yml:4:19: PIN201 `PGOPTIONS` sends `options=-c statement_timeout=0` as a startup "
        "parameter: rejects the connection on RDS Proxy (“RDS Proxy currently doesn't support command-line "
        "options”); rejects the connection on PgBouncer (“unsupported startup parameter in options: "
        "statement_timeout”)\n"
    )
    code, out, err = run(capsys, "check", "--statistics")
    assert (code, out) == (1, "2\tPIN201\trejected-startup-parameter\n1\tPIN203\tpool-reset-query\n")


def test_rule_command_documents_driver_rules(project, capsys):
    code, out, err = run(capsys, "rule", "PIN202")
    assert code == 0
    assert out.startswith("# PIN202 driver-prepared-statements\n")
    assert "prepare_threshold=None" in out and "statement_cache_size=0" in out


def test_jobs_give_the_same_output_as_one_process(repo_root, monkeypatch, capsys):
    from pinlint import engine

    monkeypatch.chdir(repo_root)
    fixtures = "tests/fixtures"
    assert sum(1 for p in (repo_root / fixtures).rglob("*") if p.is_file()) >= engine.PARALLEL_MIN_FILES
    serial = run(capsys, "check", fixtures, "--output-format", "json", "--isolated", "--jobs", "1")
    parallel = run(capsys, "check", fixtures, "--output-format", "json", "--isolated", "--jobs", "2")
    assert parallel == serial and serial[0] == 1 and len(json.loads(serial[1])) > 100
    assert run(capsys, "check", fixtures, "--output-format", "json", "--isolated", "--jobs", "3") == serial


def test_jobs_must_be_positive(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--jobs", "0"])
    assert exit_info.value.code == 2 and "expected a positive number, got '0'" in capsys.readouterr().err
