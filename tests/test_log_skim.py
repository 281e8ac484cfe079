"""Skimming (`pinlint.logs.skim`) finds every event that can be an incident, exactly as reading
every line does: on the sample logs, on every rule's SQL cases logged as statements, with hazards
on continuation lines, after long runs of skipped lines and across the boundaries of blocks."""

from __future__ import annotations

import pytest

from conftest import ROOT
from pinlint.logs import readers, skim, streams
from pinlint.logs.classify import Judge
from pinlint.logs.events import ERROR, STATEMENT
from pinlint.logs.readers import read_logs
from pinlint.rules import LINT_RULES
from pinlint.rules.base import Case
from pinlint.sql.lexer import MYSQL
from pinlint.targets import Target

LOGS = ROOT / "tests" / "data" / "logs"
TEXT_LOGS = sorted(LOGS.glob("*.log"))
HEAD = "2026-12-05 08:00:01.101 UTC [7001] "


@pytest.fixture(autouse=True)
def skim_early(monkeypatch):
    """Only a log's first line is read one by one before skimming starts (200 otherwise)."""
    monkeypatch.setattr(readers, "SAMPLE", 1)


def incidents(path, dialect="auto", log_line_prefix=None):
    """(events that are incidents, problems) of ``path`` read whole and skimmed: the same."""
    judge = Judge(tuple(Target), dialect)
    found = []
    for skimmed in (None, dialect):
        problems = []
        events = [
            (event.line, event.kind, event.text, event.reason, event.timestamp, event.detail)
            for event in read_logs([str(path)], log_line_prefix, problems, skim=skimmed)
            if judge(event) is not None
        ]
        found.append((events, [str(problem) for problem in problems]))
    assert found[0] == found[1]
    return found[1]


@pytest.mark.parametrize("path", TEXT_LOGS, ids=lambda path: path.name)
def test_sample_logs(path):
    assert incidents(path, log_line_prefix="%m [%p] %u@%d " if "custom" in path.name else None)[0]


@pytest.mark.parametrize("chunk", [2, 7, 64, 300, 1 << 20])
@pytest.mark.parametrize("path", TEXT_LOGS, ids=lambda path: path.name)
def test_blocks_of_any_size(monkeypatch, path, chunk):
    """Reports cut by the end of a block, anywhere: before a continuation line, a DETAIL or a
    STATEMENT part."""
    monkeypatch.setattr(streams, "CHUNK", chunk)
    incidents(path)


def _rule_cases():
    for rule in LINT_RULES:
        for case in (*rule.VALID, *rule.INVALID):
            if isinstance(case, Case):
                yield case


def test_every_rule_case_logged_as_a_statement(tmp_path, monkeypatch):
    """Every SQL case of every rule, logged under `log_statement = 'all'` between harmless
    lines: the events judged incidents are the same skimmed, block boundaries anywhere."""
    lines = []
    for case in _rule_cases():
        lines.append(HEAD + "LOG:  connection authorized: user=app database=shop")
        lines.append(HEAD + "LOG:  statement: " + case.sql.replace("\n", "\n\t"))
        lines.append(HEAD + "LOG:  execute <unnamed>: " + case.sql.replace("\n", "\n\t"))
        lines.append(HEAD + "LOG:  statement: SELECT * FROM orders WHERE id = 5")
    path = tmp_path / "cases.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for chunk in (1 << 20, 97):
        monkeypatch.setattr(streams, "CHUNK", chunk)
        for dialect in ("auto", MYSQL):
            assert len(incidents(path, dialect)[0]) > 100


def test_a_hazard_on_a_continuation_line(tmp_path):
    path = tmp_path / "continued.log"
    path.write_text(
        HEAD + "LOG:  statement: SELECT * FROM orders WHERE id = 5\n"
        + HEAD + "LOG:  statement: SELECT current_setting('jit') AS cur,\n"
        "\t       set_config('jit', 'off', false) AS new\n"
        "\tFROM pg_class\n"
        + HEAD + "LOG:  statement: SELECT 2\n",
        encoding="utf-8",
    )
    assert incidents(path) == (
        [(2, STATEMENT, "SELECT current_setting('jit') AS cur,\n       set_config('jit', 'off', false) AS new\nFROM pg_class", "",
          "2026-12-05 08:00:01.101 UTC", {"pid": "7001"})],
        [],
    )


def test_a_hazard_after_a_long_run_of_skipped_lines(tmp_path):
    harmless = (HEAD + "LOG:  statement: SELECT * FROM orders WHERE id = 5\n") * 50_000
    harmless += (HEAD + "LOG:  statement: SELECT id,\n\t  total\n\tFROM invoices\n") * 20_000
    path = tmp_path / "long.log"
    path.write_text(
        harmless + "junk\n" + HEAD + "ERROR:  prepared statement \"_pg3_4\" does not exist\n"
        + HEAD + "STATEMENT:  SELECT $1\n\t+ 1\n" + harmless + HEAD + "LOG:  statement: RESET ALL\n",
        encoding="utf-8",
    )
    line = 50_000 + 60_000 + 2
    assert incidents(path) == (
        [
            (line, ERROR, "SELECT $1\n+ 1", 'prepared statement "_pg3_4" does not exist', "2026-12-05 08:00:01.101 UTC",
             {"pid": "7001", "prepared_statement": "_pg3_4"}),
            (2 * line + 1, STATEMENT, "RESET ALL", "", "2026-12-05 08:00:01.101 UTC", {"pid": "7001"}),
        ],
        [f"{path}:{line - 1}: a line that is no PostgreSQL, PgBouncer or RDS Proxy log line was skipped"],
    )


def test_across_block_boundaries(tmp_path, monkeypatch):
    """A named execute whose DETAIL is in the next block, and a statement whose hazard is on a
    continuation line in the block after its first line."""
    monkeypatch.setattr(streams, "CHUNK", 256)
    filler = (HEAD + "LOG:  statement: SELECT 1\n") * 7
    path = tmp_path / "cut.log"
    path.write_text(
        filler + HEAD + "LOG:  execute __asyncpg_stmt_2__: SELECT $1::int\n" + HEAD + "DETAIL:  parameters: $1 = '4'\n"
        + filler + HEAD + "LOG:  statement: SELECT 1,\n" + "\t2,\n" * 40 + "\tpg_advisory_lock(7)\n" + filler,
        encoding="utf-8",
    )
    assert incidents(path) == (
        [
            (8, STATEMENT, "SELECT $1::int", "", "2026-12-05 08:00:01.101 UTC",
             {"pid": "7001", "prepared_statement": "__asyncpg_stmt_2__", "parameters": "$1 = '4'"}),
            (17, STATEMENT, "SELECT 1,\n" + "2,\n" * 40 + "pg_advisory_lock(7)", "", "2026-12-05 08:00:01.101 UTC", {"pid": "7001"}),
        ],
        [],
    )


def test_a_long_statement_is_read_for_pin118(tmp_path):
    """Over 16 KB, a statement pins on RDS Proxy whatever words it has."""
    path = tmp_path / "long-statement.log"
    values = ",\n".join(f"\t({n}, 'x')" for n in range(2000))
    path.write_text(
        HEAD + "LOG:  statement: SELECT 1\n" + HEAD + "LOG:  statement: INSERT INTO t VALUES\n" + values + "\n"
        + HEAD + "LOG:  statement: SELECT 'y" + "y" * 20_000 + "'\n",
        encoding="utf-8",
    )
    assert [(line, kind) for line, kind, *_ in incidents(path)[0]] == [(2, STATEMENT), (2003, STATEMENT)]


def test_lines_no_reader_knows_are_said_when_skimmed(tmp_path):
    prose = tmp_path / "notes.txt"
    prose.write_text("We saw pinning yesterday.\nNobody knows why.\n" * 1000, encoding="utf-8")
    assert incidents(prose) == ([], [f"{prose}: no PostgreSQL, PgBouncer or RDS Proxy log lines in it: nothing was read"])
    junk = LOGS / "postgresql-with-junk.log"
    assert incidents(junk)[1] == [f"{junk}:1: a line that is no PostgreSQL, PgBouncer or RDS Proxy log line was skipped (and 3 more like it)"]


def test_harmless_lines_are_passed_over(tmp_path):
    """What skimming is for: the events of harmless lines are not made."""
    path = tmp_path / "harmless.log"
    path.write_text((HEAD + "LOG:  statement: SELECT * FROM orders WHERE id = 5\n") * 100 + HEAD + "LOG:  statement: DISCARD ALL\n",
                    encoding="utf-8")
    assert len(list(read_logs([str(path)]))) == 101
    assert [event.line for event in read_logs([str(path)], skim="auto")] == [1, 101]


@pytest.mark.parametrize("keyword", ["SET", "RESET", "PREPARE", "EXECUTE", "DEALLOCATE", "DISCARD", "DECLARE", "LISTEN",
                                     "UNLISTEN", "LOAD", "CREATE", "DO $$", "LOCK", "FLUSH", "DROP", "DELIMITER"])
@pytest.mark.parametrize("where", ["statement: ", "duration: 0.1 ms  statement: ", "execute <unnamed>: ", "execute <unnamed>/C_1: ",
                                   "statement: SELECT 1;  ", "statement: /* c */ ", "statement: SELECT 1\n\t  "])
def test_statement_keywords_where_a_statement_starts(keyword, where):
    assert skim.hazards(f"{HEAD}LOG:  {where}{keyword} x\n".encode(), False)
    assert skim.hazards(f"{HEAD}ERROR:  x\n{HEAD}STATEMENT:  {keyword} x\n".encode(), False)
    assert not skim.hazards(f"{HEAD}LOG:  {where}SELECT x\n".encode(), False)


def test_sql_functions_and_the_rest():
    from pinlint.python.sql_calls import SQL_FUNCTIONS

    for word in (*SQL_FUNCTIONS, "INTO TEMP t", "INTO pg_temp.t", "SELECT @x", "/*!50000 x */", "/* pinlint: ignore */"):
        assert skim.hazards(f"{HEAD}LOG:  statement: SELECT {word}(1)\n".encode(), False), word
    assert skim.hazards(b"user@host SELECT 1\n", True)
    assert skim.hazards(f"{HEAD}LOG:  statement: SELECT 1 delimiter\n".encode(), True)
    assert not skim.hazards(f"{HEAD}LOG:  statement: SELECT 1 delimiter\n".encode(), False)
    assert not skim.hazards(f"{HEAD}LOG:  statement: SELECT * FROM t WHERE email = 'a@b.c' OFFSET 5\n".encode(), False)
    assert not skim.hazards(f"{HEAD}LOG:  execute <unnamed>: SELECT 1\n".encode(), False)
    assert skim.hazards(f"{HEAD}LOG:  duration: 1.0 ms  execute S_1: SELECT 1\n".encode(), False)
