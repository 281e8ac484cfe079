"""Output formats: each writer takes the report and returns the exact text to print."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # `pinlint.output.text` is light; importing it must not load the engine
    from pinlint.engine import Report

Writer = Callable[["Report"], str]

# Format -> module and function; only the one a run asks for is imported.
_WRITERS = {
    "full": ("full", "render"),
    "concise": ("concise", "render"),
    "json": ("json_format", "render"),
    "json-lines": ("json_format", "render_lines"),
    "github": ("github", "render"),
    "sarif": ("sarif", "render"),
    "gitlab": ("gitlab", "render"),
}


def writer(output_format: str) -> Writer:
    module, function = _WRITERS[output_format]
    return getattr(import_module(f"pinlint.output.{module}"), function)
