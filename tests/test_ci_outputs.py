"""CI formats: GitHub workflow commands and job summary, SARIF 2.1.0, GitLab Code Quality."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from pinlint.cli import main
from pinlint.output.github import escape_data, escape_property

SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

# A DSN whose decoded `options` holds a `%`, in a file whose name needs escaping as a property.
PERCENT_DSN = 'import psycopg\nconn = psycopg.connect("postgresql://db/app?options=-c%20search_path%3D50%25")\n'
# SQL spanning three lines: its finding spans them too.
MULTI_LINE = 'def f(cur):\n    cur.execute("""\n        LISTEN jobs\n    """)\n'
# Unicode before the SQL: columns count code points.
UNICODE = 'def f(cur):\n    é = cur.execute("SET search_path TO a")\n'


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("GITHUB_STEP_SUMMARY", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA", "GITHUB_WORKSPACE"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "odd,name:1.py").write_text(PERCENT_DSN, encoding="utf-8")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "listen.py").write_text(MULTI_LINE, encoding="utf-8")
    (tmp_path / "app" / "my tenant.py").write_text(UNICODE, encoding="utf-8")
    return tmp_path


def run(capsys, *args: str) -> tuple[int, str]:
    code = main(["check", *args])
    return code, capsys.readouterr().out


def test_escaping_follows_the_actions_toolkit():
    assert escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert escape_property("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext%3A a%2C b"


def test_github_annotations(project, capsys):
    code, out = run(capsys, "--output-format", "github")
    assert code == 1
    assert out.splitlines() == [
        # Several lines: no col/endColumn, which GitHub would reject.
        "::error file=app/listen.py,line=2,endLine=4,title=pinlint PIN110 (listen)::`LISTEN` subscribes the backend, "
        "not the client: pins the session on RDS Proxy; loses the notifications on PgBouncer (they go to a backend "
        "the client no longer holds)%0AFix: Listen on a dedicated direct (unpooled) connection, or poll",
        "::error file=app/my tenant.py,line=2,endLine=2,col=21,endColumn=43,title=pinlint PIN101 (session-set)::"
        "`SET search_path` changes a session setting: pins the session on RDS Proxy; leaks search_path to the next "
        "client on PgBouncer%0AFix: Set it per role or database instead (`ALTER ROLE app SET search_path = ...`), or "
        "schema-qualify table names (SQLAlchemy `schema_translate_map`); behind PgBouncer alone, `SET LOCAL "
        "search_path ...` inside a transaction also works (outside one it silently does nothing)",
        # `,` and `:` escaped in the file property, `%` in the message.
        "::error file=odd%2Cname%3A1.py,line=2,endLine=2,col=24,endColumn=78,title=pinlint PIN201 "
        "(rejected-startup-parameter)::`psycopg.connect()` sends `options=-c search_path=50%25` as a startup "
        "parameter: rejects the connection on RDS Proxy (“RDS Proxy currently doesn't support command-line "
        "options”); rejects the connection on PgBouncer (“unsupported startup parameter in options: search_path”)"
        "%0AFix: Set it for the role instead: `ALTER ROLE app SET search_path = '50%25'` (or `ALTER DATABASE`, or "
        "RDS Proxy's initialization query), and keep startup parameters to application_name, client_encoding, "
        "DateStyle and TimeZone",
    ]


def test_warnings_map_to_warning_annotations(project, capsys):
    code, out = run(capsys, "app/my tenant.py", "--target", "rds-proxy", "--output-format", "github")
    assert out.startswith("::warning file=app/my tenant.py,line=2,endLine=2,col=21,endColumn=43,title=pinlint PIN101")


def test_more_than_ten_of_a_level_adds_a_notice_and_the_summary_lists_all(project, capsys, monkeypatch):
    (project / "many.sql").write_text("".join(f"SET work_mem = '{n}MB';\n" for n in range(12)), encoding="utf-8")
    summary = project / "summary.md"
    summary.write_text("earlier step output\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out = run(capsys, "many.sql", "--target", "rds-proxy", "--output-format", "github")
    lines = out.splitlines()
    assert len(lines) == 13 and all(line.startswith("::warning file=many.sql,") for line in lines[:12])
    assert lines[12] == (
        "::notice title=pinlint::pinlint found 12 warnings; GitHub annotates at most 10 of each level per step, "
        "so all of them are listed in the step log and the job summary"
    )
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step output\n### pinlint\n\n12 findings (12 warnings) in 1 file.\n\n")
    rows = [line for line in text.splitlines() if line.startswith("| `many.sql:")]
    assert len(rows) == 12
    assert rows[0] == (
        "| `many.sql:1:1` | [PIN101](https://github.com/pinlint/pinlint/blob/main/pinlint/rules/pin101_session_set.md) "
        "`session-set` | warning | `SET work_mem` changes a session setting: pins the session on RDS Proxy | Set it "
        "per role or database instead (`ALTER ROLE app SET work_mem = ...`); behind PgBouncer alone, `SET LOCAL "
        "work_mem ...` inside a transaction also works (outside one it silently does nothing) |"
    )


def test_without_a_job_summary_the_notice_names_only_the_step_log(project, capsys, monkeypatch):
    (project / "many.sql").write_text("".join(f"SET work_mem = '{n}MB';\n" for n in range(11)), encoding="utf-8")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    code, out = run(capsys, "many.sql", "--target", "rds-proxy", "--output-format", "github")
    assert out.splitlines()[-1] == (
        "::notice title=pinlint::pinlint found 11 warnings; GitHub annotates at most 10 of each level per step, "
        "so all of them are listed in the step log"
    )


def test_summary_links_to_the_line_at_the_commit(project, capsys, monkeypatch):
    summary = project / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/billing")
    monkeypatch.setenv("GITHUB_SHA", "0123abc")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(project.parent))  # pinlint ran in a subdirectory
    run(capsys, "app/listen.py", "--output-format", "github")
    [row] = [line for line in summary.read_text(encoding="utf-8").splitlines() if line.startswith("| [`")]
    assert row.startswith(
        f"| [`app/listen.py:2:17`](https://github.com/acme/billing/blob/0123abc/{project.name}/app/listen.py#L2) | [PIN110]"
    )
    (project / "clean.py").write_text("x = 1\n", encoding="utf-8")
    summary.unlink()
    assert run(capsys, "clean.py", "--output-format", "github") == (0, "")
    assert summary.read_text(encoding="utf-8") == "### pinlint\n\nNo findings.\n\n"


def test_an_unwritable_summary_is_a_warning(project, capsys, monkeypatch):
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(project / "missing" / "summary.md"))
    code = main(["check", "app/listen.py", "--output-format", "github"])
    captured = capsys.readouterr()
    assert code == 1 and captured.out.startswith("::error file=app/listen.py")
    assert captured.err.startswith("pinlint: warning: cannot write the job summary to ")


def _sarif(capsys, *args: str) -> dict:
    code, out = run(capsys, "--output-format", "sarif", *args)
    document = json.loads(out)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(document)
    return document


def test_sarif_validates_and_carries_what_code_scanning_needs(project, capsys):
    (project / "broken.py").write_text("def f(:\n", encoding="utf-8")
    document = _sarif(capsys)
    assert document["$schema"] == SARIF_SCHEMA["id"] and document["version"] == "2.1.0"
    run_ = document["runs"][0]
    assert run_["columnKind"] == "unicodeCodePoints"
    assert run_["originalUriBaseIds"] == {"%SRCROOT%": {"uri": project.as_uri() + "/"}}
    driver = run_["tool"]["driver"]
    assert driver["name"] == "pinlint" and driver["informationUri"] == "https://github.com/pinlint/pinlint"
    assert [r["id"] for r in driver["rules"]] == ["PIN101", "PIN110", "PIN201", "PIN900"]
    from pinlint.rules import BY_CODE

    for rule in driver["rules"]:
        doc = BY_CODE[rule["id"]]
        assert rule["shortDescription"]["text"] == doc.summary
        assert rule["help"] == {"text": doc.doc, "markdown": doc.doc}
        assert rule["helpUri"] == doc.url and len(rule["fullDescription"]["text"]) <= 1024
    assert driver["rules"][0]["fullDescription"]["text"] == (
        "Flags a session-level `SET` or `RESET` of a server setting: RDS Proxy pins the session, and PgBouncer "
        "leaves the value on the backend for the next client."
    )
    results = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in run_["results"]}
    assert sorted(results) == ["app/listen.py", "app/my%20tenant.py", "broken.py", "odd%2Cname%3A1.py"]
    unicode = results["app/my%20tenant.py"]
    assert unicode["ruleId"] == "PIN101" and unicode["ruleIndex"] == 0 and unicode["level"] == "error"
    assert unicode["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "app/my%20tenant.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 2, "startColumn": 21, "endLine": 2, "endColumn": 43},
    }
    assert unicode["message"]["text"].startswith("`SET search_path` changes a session setting: pins the session")
    assert ". Fix: Set it per role or database instead" in unicode["message"]["text"]
    assert results["app/listen.py"]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 2, "startColumn": 17, "endLine": 4, "endColumn": 8,
    }
    assert unicode["properties"] == {"confidence": "high", "consequences": {"rds-proxy": "pins", "pgbouncer": "leaks"}}


def test_sarif_warning_level_and_empty_run(project, capsys):
    document = _sarif(capsys, "app/my tenant.py", "--target", "rds-proxy")
    assert document["runs"][0]["results"][0]["level"] == "warning"
    (project / "clean.sql").write_text("SELECT 1;\n", encoding="utf-8")
    empty = _sarif(capsys, "clean.sql")["runs"][0]
    assert empty["results"] == [] and empty["tool"]["driver"]["rules"] == []


def _fingerprints(capsys, fmt: str) -> list[str]:
    data = json.loads(run(capsys, "--output-format", fmt, "queries.py")[1])
    if fmt == "sarif":
        return [r["partialFingerprints"]["pinlint/v1"] for r in data["runs"][0]["results"]]
    return [issue["fingerprint"] for issue in data]


@pytest.mark.parametrize("fmt", ["sarif", "gitlab"])
def test_fingerprints_survive_line_moves_and_stay_unique(project, capsys, fmt):
    body = 'def f(cur):\n    cur.execute("SET search_path TO a")\n    cur.execute("LISTEN jobs")\n    cur.execute("SET search_path TO a")\n'
    (project / "queries.py").write_text(body, encoding="utf-8")
    before = _fingerprints(capsys, fmt)
    assert len(before) == 3 and len(set(before)) == 3  # the two identical statements differ by occurrence
    (project / "queries.py").write_text("import os\n\n\n" + body.replace("def f(cur):", "def f(cur):  # moved"), encoding="utf-8")
    assert _fingerprints(capsys, fmt) == before
    (project / "queries.py").write_text(body.replace("LISTEN jobs", "LISTEN other"), encoding="utf-8")
    after = _fingerprints(capsys, fmt)
    assert after[0] == before[0] and after[2] == before[2] and after[1] != before[1]


def test_gitlab_code_quality(project, capsys):
    code, out = run(capsys, "--output-format", "gitlab", "app/listen.py")
    [issue] = json.loads(out)
    assert code == 1 and len(issue.pop("fingerprint")) == 32
    assert issue == {
        "description": "PIN110 `LISTEN` subscribes the backend, not the client: pins the session on RDS Proxy; loses "
        "the notifications on PgBouncer (they go to a backend the client no longer holds). Fix: Listen on a "
        "dedicated direct (unpooled) connection, or poll",
        "check_name": "PIN110",
        "severity": "major",
        "location": {"path": "app/listen.py", "positions": {"begin": {"line": 2, "column": 17}, "end": {"line": 4, "column": 8}}},
    }
    out = run(capsys, "--output-format", "gitlab", "--target", "rds-proxy", "app/listen.py")[1]
    assert json.loads(out)[0]["severity"] == "minor"
