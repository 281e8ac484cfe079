"""Output formats: each writer takes the report and returns the exact text to print."""

from __future__ import annotations

from typing import Callable

from pinlint.engine import Report
from pinlint.output import concise, full, github, gitlab, json_format, sarif

Writer = Callable[[Report], str]

FORMATS: dict[str, Writer] = {
    "full": full.render,
    "concise": concise.render,
    "json": json_format.render,
    "json-lines": json_format.render_lines,
    "github": github.render,
    "sarif": sarif.render,
    "gitlab": gitlab.render,
}
