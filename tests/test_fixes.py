"""Each rule's fix cases (kept beside its logic, as VALID/INVALID are), run through `--fix`'s
own loop; and the contract the editor server calls: `fixes_for` with its character-offset edits."""

from __future__ import annotations

import pytest

from pinlint.diagnostics import Confidence
from pinlint.engine import lint_source
from pinlint.fixes import Edit, Fix, apply_edits, fixes_for
from pinlint.fixes.files import fix_text
from pinlint.rules import LINT_RULES
from pinlint.settings import Settings
from pinlint.targets import Target


def _cases():
    for rule in LINT_RULES:
        for index, case in enumerate(rule.FIXES):
            yield pytest.param(rule, case, id=f"{rule.code}-fix-{index}")


def _count(rule, text: str, filename: str, settings: Settings) -> int:
    return sum(f.code == rule.code for f in lint_source(text.encode(), filename, settings).findings)


@pytest.mark.parametrize("rule, case", list(_cases()))
def test_fix_case(rule, case):
    settings = Settings(targets=tuple(case.targets), select=(rule.code,), min_confidence=Confidence.LOW)
    before = _count(rule, case.source, case.filename, settings)
    assert before, "the case must have the rule's finding"
    safe = fix_text(case.source, case.filename, settings).text
    every = fix_text(case.source, case.filename, settings, unsafe=True).text
    if case.fixed is None:
        assert every == case.source
        return
    assert every == case.fixed
    assert safe == (case.source if case.unsafe else case.fixed)
    assert _count(rule, case.fixed, case.filename, settings) < before


def test_every_fixable_rule_has_cases():
    with_repairs = {"PIN101", "PIN102", "PIN104", "PIN109", "PIN202", "PIN203"}
    assert {rule.code for rule in LINT_RULES if rule.FIXES} == with_repairs


LEGACY = Settings(targets=(Target.PGBOUNCER_LEGACY, Target.RDS_PROXY))


def test_fixes_for_gives_character_offsets():
    text = "import asyncpg\n\n\nasync def main(dsn):\n    # é\n    pool = await asyncpg.create_pool(dsn)  # é\n"
    findings = lint_source(text.encode(), "app.py", LEGACY).findings
    assert [(f.code, f.row, f.col) for f in findings] == [("PIN202", 6, 18), ("PIN203", 6, 18)]
    start = text.index("asyncpg.create_pool")
    end = text.rindex("  # é\n")
    assert fixes_for(text, "app.py", findings, LEGACY) == [
        Fix("PIN202", 6, 18, "Set `statement_cache_size=0`", True,
            (Edit(start, end, "asyncpg.create_pool(dsn, statement_cache_size=0)"),)),
    ]
    every = fixes_for(text, "app.py", findings, LEGACY, unsafe=True)
    assert [(fix.code, fix.safe) for fix in every] == [("PIN202", True), ("PIN203", False)]
    assert every[1].title == "Reset with a no-op `reset=` (asyncpg 0.30+)"
    assert apply_edits(text, every[1].edits) == (
        "import asyncpg\nimport asyncio\n\n\nasync def main(dsn):\n    # é\n"
        "    pool = await asyncpg.create_pool(dsn, reset=lambda conn: asyncio.sleep(0))  # é\n"
    )


def test_fixes_for_sql_in_a_literal_after_wide_characters():
    text = (
        "import psycopg\ndef f(conn: psycopg.Connection):\n    with conn.transaction():\n"
        "        e = '😀'; conn.execute(\"SET \" \"x.y = 1\")\n"
    )
    findings = lint_source(text.encode(), "app.py", Settings()).findings
    assert [(f.code, f.row, f.col) for f in findings] == [("PIN101", 4, 31)]
    [fix] = fixes_for(text, "app.py", findings, Settings(), unsafe=True)
    at = text.index('x.y') - 3  # at the end of the first literal, which maps one to one
    assert fix.edits == (Edit(at, at, "LOCAL "),)
    assert apply_edits(text, fix.edits).endswith('conn.execute("SET LOCAL " "x.y = 1")\n')
    # Where the SQL's text is not the first literal's, nothing is edited.
    text = text.replace('"SET " "x.y = 1"', '"SET" " x.y = 1"')
    findings = lint_source(text.encode(), "app.py", Settings()).findings
    assert [f.code for f in findings] == ["PIN101"]
    assert fixes_for(text, "app.py", findings, Settings(), unsafe=True) == []


def test_apply_edits_refuses_overlaps():
    assert apply_edits("abc", [Edit(1, 1, "+"), Edit(1, 1, "+"), Edit(0, 1, "A")]) == "A+bc"
    with pytest.raises(ValueError):
        apply_edits("abc", [Edit(0, 2, "x"), Edit(1, 3, "y")])


def test_two_fixes_of_one_call_take_two_rounds():
    text = "import asyncpg\npool = asyncpg.create_pool(dsn)\n"
    fixed = fix_text(text, "app.py", LEGACY, unsafe=True)
    assert fixed.text == (
        "import asyncpg\nimport asyncio\n"
        "pool = asyncpg.create_pool(dsn, statement_cache_size=0, reset=lambda conn: asyncio.sleep(0))\n"
    )
    assert [fix.code for fix in fixed.applied] == ["PIN202", "PIN203"]


def test_line_breaks_and_layout_are_kept():
    text = "import psycopg\r\n\r\ndef f(dsn):\r\n    return psycopg.connect(\r\n        dsn,\r\n        autocommit=True,\r\n    )\r\n"
    assert fix_text(text, "app.py", LEGACY).text == text.replace(
        "autocommit=True,\r\n", "autocommit=True,\r\n        prepare_threshold=None,\r\n"
    )


def test_a_fix_whose_result_would_not_parse_is_not_applied(monkeypatch):
    from pinlint.fixes import build

    text = "import psycopg\npsycopg.connect(dsn)\n"
    broken = Fix("PIN202", 2, 1, "break it", True, (Edit(0, 6, "import ("),))
    monkeypatch.setattr(build, "build_fixes", lambda *args, **kwargs: [broken])
    fixed = fix_text(text, "app.py", LEGACY)
    assert fixed.text == text and fixed.refused == [broken] and fixed.applied == []


def test_config_files_are_not_fixed():
    text = "DATABASE_URL=jdbc:postgresql://db/app\n"
    findings = lint_source(text.encode(), ".env", LEGACY).findings
    assert findings and fixes_for(text, ".env", findings, LEGACY, unsafe=True) == []


@pytest.mark.parametrize("call, fixed", [
    ("connect(\n    dsn, autocommit=True\n)", "connect(\n    dsn, autocommit=True, prepare_threshold=None\n)"),
    ("connect(\n    dsn,\n    autocommit=True\n)", "connect(\n    dsn,\n    autocommit=True,\n    prepare_threshold=None\n)"),
    ("connect(dsn, autocommit=True, )", "connect(dsn, autocommit=True, prepare_threshold=None, )"),
    ("connect()", "connect(prepare_threshold=None)"),
])
def test_a_keyword_is_added_in_the_call_s_own_layout(call, fixed):
    text = f"from psycopg import connect\nconn = {call}\n"
    assert fix_text(text, "app.py", LEGACY).text == f"from psycopg import connect\nconn = {fixed}\n"


@pytest.mark.parametrize("mapping, fixed", [
    ('{\n        "connect_timeout": 30,\n    }', '{\n        "connect_timeout": 30,\n        "prepare_threshold": None,\n    }'),
    ('{\n        "connect_timeout": 30\n    }', '{\n        "connect_timeout": 30,\n        "prepare_threshold": None\n    }'),
    ('{"a": 1,\n     "b": 2}', '{"a": 1,\n     "b": 2,\n     "prepare_threshold": None}'),
    ("{}", '{"prepare_threshold": None}'),
])
def test_a_key_is_added_in_the_dict_s_own_layout(mapping, fixed):
    text = f"import sqlalchemy as sa\ndef f():\n    return sa.create_engine('postgresql+psycopg://db/app', connect_args={mapping})\n"
    assert fix_text(text, "app.py", LEGACY).text == text.replace(mapping, fixed)
