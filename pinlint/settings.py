"""The effective settings of a run, and rule selection by code, prefix or name."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from functools import lru_cache
from pathlib import Path

from pinlint.diagnostics import Confidence
from pinlint.rules import ALL_RULES, BY_NAME
from pinlint.targets import DEFAULT_TARGETS, Target

if TYPE_CHECKING:
    from pinlint.deployment import Deployment

# Directories nobody wants linted (ruff's list, plus pinlint's own cache).
DEFAULT_EXCLUDES = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints", ".mypy_cache",
    ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache", ".svn", ".tox", ".venv",
    ".vscode", "__pypackages__", "_build", "buck-out", "build", "dist", "node_modules",
    "site-packages", "venv", ".pinlint_cache", "__pycache__",
)
OUTPUT_FORMATS = ("full", "concise", "json", "json-lines", "github", "sarif", "gitlab")
DIALECT_CHOICES = ("auto", "postgres", "mysql")


class ConfigError(Exception):
    """A bad setting: reported as a usage error (exit code 2), never a traceback."""


@dataclass(frozen=True)
class Settings:
    root: Path = field(default_factory=Path.cwd)  # relative patterns are anchored here
    targets: tuple[Target, ...] = DEFAULT_TARGETS
    # Whether the configuration or a flag named the targets; else (`targets = "auto"`) they are
    # inferred from the project when settings are resolved, and ``deployment`` says why.
    targets_configured: bool = False
    deployment: Deployment | None = None
    dialect: str = "auto"
    select: tuple[str, ...] = ("PIN",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    min_confidence: Confidence = Confidence.MEDIUM
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    respect_gitignore: bool = True
    force_exclude: bool = False
    output_format: str = "full"
    config_file: Path | None = None
    baseline: Path | None = None  # findings it holds are not reported (`pinlint.baseline`)
    # Skip the full analysis of Python files the cheap first pass clears (off only in the tests
    # that prove it loses nothing).
    first_pass: bool = True
    # Keep every SQL text and connection the analysis judges, with its place, in the report
    # (`pinlint.sent`): `pinlint logs` maps logged statements to them. Not for cached runs.
    collect_sent: bool = False

    def enabled_codes(self) -> frozenset[str]:
        return select_codes(self.select + self.extend_select, self.ignore)


def normalize_selector(selector: str) -> str:
    """A rule name becomes its code; codes and prefixes are upper-cased; unknown ones are an error."""
    text = selector.strip()
    rule = BY_NAME.get(text.lower())
    if rule is not None:
        return rule.code
    code = text.upper()
    if code == "ALL":
        return "PIN"
    if not any(r.code.startswith(code) for r in ALL_RULES) or len(code) < 3:
        raise ConfigError(f"unknown rule selector {selector!r} (use a code like PIN101, a prefix like PIN1, or a rule name)")
    return code


@lru_cache(maxsize=None)
def select_codes(select: tuple[str, ...], ignore: tuple[str, ...]) -> frozenset[str]:
    """ruff's precedence: the most specific selector wins; on a tie, ignore wins."""
    chosen = set()
    selects = [normalize_selector(s) for s in select]
    ignores = [normalize_selector(s) for s in ignore]
    for rule in ALL_RULES:
        best_select = max((len(s) for s in selects if rule.code.startswith(s)), default=-1)
        best_ignore = max((len(s) for s in ignores if rule.code.startswith(s)), default=-1)
        if best_select > best_ignore:
            chosen.add(rule.code)
    return frozenset(chosen)
