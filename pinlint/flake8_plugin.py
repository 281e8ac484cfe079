"""The flake8 plugin: `PIN` findings from the same engine and settings as `pinlint check`.

flake8 never reads pyproject.toml, so the plugin resolves `[tool.pinlint]` itself, exactly as
the CLI does (the configuration nearest to the linted paths), and lets `--pinlint-*` options
(also readable from flake8's own configuration) override it. flake8 applies `# noqa`. Texts are
shown through `visible`, as in pinlint's own outputs, so each finding stays one line.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, ClassVar, Iterator

from pinlint import __version__
from pinlint.discovery import Discovery, relative_path
from pinlint.output.text import visible
from pinlint.settings import DIALECT_CHOICES, ConfigError, Settings
from pinlint.targets import Target

_STDIN_NAMES = ("-", "stdin")


class PinlintChecker:
    name = "pinlint"
    version = __version__

    # Resolved once per flake8 run by `parse_options` (flake8 calls it in every worker process).
    settings: ClassVar[Settings] = Settings()
    discovery: ClassVar[Discovery] = Discovery(settings)
    named: ClassVar[list[Path]] = [Path(".")]  # the paths flake8 was given

    def __init__(self, tree: Any, filename: str, lines: list[str]) -> None:
        # ``tree`` is flake8's `ast` tree; pinlint parses with libcst, so it only makes this a
        # tree plugin (run once per file, after flake8 has checked that the file parses).
        self.filename = filename
        self.lines = lines

    @staticmethod
    def add_options(manager) -> None:
        manager.add_option(
            "--pinlint-target", comma_separated_list=True, parse_from_config=True, metavar="NAMES",
            help="pinlint: pooler(s) the project runs behind, comma-separated: "
            f"{', '.join(t.value for t in Target)} or auto (default: [tool.pinlint] targets, else inferred from the project)",
        )
        manager.add_option(
            "--pinlint-dialect", parse_from_config=True, choices=DIALECT_CHOICES,
            help="pinlint: SQL dialect (default: [tool.pinlint] dialect, else auto)",
        )
        manager.add_option(
            "--pinlint-min-confidence", parse_from_config=True, choices=("high", "medium", "low"),
            help="pinlint: report findings at least this certain (default: [tool.pinlint] min-confidence, else medium)",
        )
        manager.add_option(
            "--pinlint-config", parse_from_config=True, metavar="FILE",
            help="pinlint: read [tool.pinlint] from this pinlint.toml or pyproject.toml (default: the nearest one)",
        )

    @classmethod
    def parse_options(cls, manager, options: argparse.Namespace, filenames: list[str]) -> None:
        from pinlint.config import resolve_settings

        overrides: dict[str, Any] = {}
        if options.pinlint_target:
            overrides["targets"] = list(options.pinlint_target)
        if options.pinlint_dialect:
            overrides["dialect"] = options.pinlint_dialect
        if options.pinlint_min_confidence:
            overrides["min-confidence"] = options.pinlint_min_confidence
        config = Path(options.pinlint_config) if options.pinlint_config else None
        paths = [Path(name) for name in filenames if name not in _STDIN_NAMES]
        try:
            cls.settings = resolve_settings(paths, Path.cwd(), overrides, "flake8 options", config)
        except ConfigError as error:
            manager.parser.error(f"pinlint: {visible(str(error))}")
        cls.discovery = Discovery(cls.settings)
        cls.named = paths or [Path(".")]

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        from pinlint.engine import lint_text

        path = Path(self.filename) if self.filename not in _STDIN_NAMES else None
        if path is not None and self.discovery.skips(path, self.named):
            return
        display = relative_path(path, Path.cwd()) if path is not None else "stdin"
        report = lint_text("".join(self.lines), display, self.settings, is_python=True, path=path)
        for finding in report.findings:
            # flake8 columns are 0-based and printed + 1: pinlint's 1-based code-point columns.
            yield finding.row, finding.col - 1, visible(finding.line_text), type(self)
