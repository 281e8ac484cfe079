"""Each rule's documentation: present, in the agreed shape, and its examples judged by the rule."""

from __future__ import annotations

import sys
import pytest

from doc_examples import code_blocks, sections
from pinlint.engine import lint_source
from pinlint.diagnostics import Confidence
from pinlint.rules import ALL_RULES, DRIVER_RULES, POOLER_CONFIG_RULES, SQL_RULES
from pinlint.settings import Settings
from pinlint.targets import Target

HEADINGS = ["What it does", "Why is this bad", "Example", "Use instead", "Fix safety", "References"]
# SQL rules whose findings depend on the Python around the SQL (the transaction it runs in): their
# examples are Python.
IN_PYTHON = {"PIN120"}


def sql_blocks(text: str) -> list[str]:
    return code_blocks(text, "sql")


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_doc_has_title_and_headings_in_order(rule):
    doc = rule.doc
    assert doc.startswith(f"# {rule.code} {rule.name}\n")
    assert list(sections(doc)) == HEADINGS


def _codes(rule, sql: str) -> list[str]:
    dialect = rule.INVALID[0].dialect
    return [f.code for f in lint_source(sql.encode(), "doc.sql", Settings(dialect=dialect)).findings]


@pytest.mark.parametrize("rule", [r for r in SQL_RULES if r.code not in IN_PYTHON], ids=lambda r: r.code)
def test_doc_example_is_flagged_and_fix_is_not(rule):
    parts = sections(rule.doc)
    examples = sql_blocks(parts["Example"])
    assert examples, "the Example section needs a ```sql block"
    assert rule.code in _codes(rule, examples[0])
    for fix in sql_blocks(parts["Use instead"]):
        assert rule.code not in _codes(rule, fix), fix


@pytest.mark.parametrize("rule", [*DRIVER_RULES, *(r for r in SQL_RULES if r.code in IN_PYTHON)], ids=lambda r: r.code)
def test_python_doc_example_is_flagged_and_fix_is_not(rule):
    settings = Settings(targets=tuple(Target), min_confidence=Confidence.LOW)
    parts = sections(rule.doc)

    def codes(source: str) -> list[str]:
        return [f.code for f in lint_source(source.encode(), "doc.py", settings).findings]

    examples = code_blocks(parts["Example"], "python")
    assert examples, "the Example section needs a ```python block"
    assert rule.code in codes(examples[0])
    for fix in code_blocks(parts["Use instead"], "python"):
        assert rule.code not in codes(fix), fix


def test_rule_urls_point_at_the_docs_in_this_repository(repo_root):
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    from pinlint import REPOSITORY_URL

    project = tomllib.loads((repo_root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["urls"]["Repository"] == REPOSITORY_URL
    for rule in ALL_RULES:
        relative = rule.url.removeprefix(f"{REPOSITORY_URL}/blob/main/")
        assert (repo_root / relative).read_text(encoding="utf-8") == rule.doc


@pytest.mark.parametrize("rule", POOLER_CONFIG_RULES, ids=lambda r: r.code)
def test_pooler_config_doc_example_is_flagged_and_fix_is_not(rule):
    from pinlint.deployment import Deployment

    language, filename = ("hcl", "main.tf") if rule.code == "PIN303" else ("ini", "pgbouncer.ini")
    settings = Settings(targets=tuple(Target), deployment=Deployment(tuple(Target), preparing_drivers=("asyncpg",)))
    parts = sections(rule.doc)

    def codes(source: str) -> list[str]:
        return [f.code for f in lint_source(source.encode(), filename, settings).findings]

    examples = code_blocks(parts["Example"], language)
    assert examples, f"the Example section needs a ```{language} block"
    assert rule.code in codes(examples[0])
    for fix in code_blocks(parts["Use instead"], language):
        assert rule.code not in codes(fix), fix
