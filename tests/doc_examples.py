"""The code blocks of a rule's documentation: what the doc tests judge and the live tests run."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pinlint.rules import BY_CODE


def sections(doc: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", doc, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


@dataclass(frozen=True)
class DocExamples:
    """A rule's `## Example` (the bad code) and `## Use instead` (the fix) blocks, by language."""

    code: str

    def example(self, language: str) -> list[str]:
        return code_blocks(sections(BY_CODE[self.code].doc)["Example"], language)

    def fix(self, language: str) -> list[str]:
        return code_blocks(sections(BY_CODE[self.code].doc)["Use instead"], language)


def sql_statements(block: str) -> list[str]:
    """A doc SQL block's statements, in order: each ends with `;` at the end of a line, and a
    `$$` body may hold `;` of its own."""
    found, current, in_body = [], [], False
    for line in block.splitlines():
        current.append(line)
        in_body ^= line.count("$$") % 2 == 1
        if not in_body and line.rstrip().endswith(";"):
            found.append("\n".join(current).strip().removesuffix(";"))
            current = []
    assert not "\n".join(current).strip(), f"a statement without `;` in {block!r}"
    return found
