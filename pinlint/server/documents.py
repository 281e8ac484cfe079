"""What the server lints, and with which settings: one open document at a time, through the engine.

A document is linted as the CLI would lint the file it is saved as: the settings of the nearest
`pinlint.toml` or `pyproject.toml` (the client's settings on top), its path shown relative to
that configuration's directory (so `per-file-ignores` match alike), and nothing at all when the
configuration or a `.gitignore` excludes it. The text is the editor's, not the file's on disk.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pinlint.connections.files import config_format
from pinlint.diagnostics import Finding
from pinlint.discovery import PYTHON_SUFFIXES, SQL_SUFFIXES, Discovery, relative_path
from pinlint.engine import failed, lint_text
from pinlint.settings import ConfigError, Settings

PYTHON, SQL, CONFIG = "python", "sql", "config"
# Editors' language identifiers for text that is Python or SQL whatever its file is called.
_LANGUAGES = {"python": PYTHON, "sql": SQL, "pgsql": SQL, "postgres": SQL, "mysql": SQL, "plsql": SQL}
# Keys of the client's settings that are the server's, not [tool.pinlint]'s.
SERVER_KEYS = ("config", "isolated", "unsafe-fixes")


def kind_of(name: str, language_id: str | None) -> str | None:
    """Whether a document is Python, SQL or a connection config file (None: not linted). Its
    name decides, as for the CLI; an editor's language decides for other names (`untitled:`)."""
    if name.endswith(PYTHON_SUFFIXES):
        return PYTHON
    if name.endswith(SQL_SUFFIXES):
        return SQL
    if config_format(name) is not None:
        return CONFIG
    return _LANGUAGES.get((language_id or "").lower())


@dataclass
class Linted:
    """One version of a document, as linted."""

    version: int | None
    source: str
    kind: str
    display: str
    settings: Settings
    findings: list[Finding]
    error: str | None = None  # the traceback, when pinlint failed on the text
    fixes: list | None = field(default=None, repr=False)  # `pinlint.fixes` results, made when asked


class SettingsCache:
    """The settings of each directory's documents, resolved once until the configuration changes.
    Bad configuration is reported once (``problems``) and the documents are linted without it."""

    def __init__(self) -> None:
        self.options: dict[str, Any] = {}  # the client's: [tool.pinlint] keys and SERVER_KEYS
        self.problems: list[str] = []  # configuration errors not yet shown
        self._by_directory: dict[tuple[Path, Path], Settings] = {}
        self._reported: set[str] = set()

    def forget(self) -> None:
        self._by_directory = {}
        self._reported = set()

    def for_directory(self, directory: Path, root: Path) -> Settings:
        """The settings of a document in ``directory``; ``root`` is its workspace folder (or the
        directory itself), the root of relative patterns when no configuration file is found."""
        key = (directory, root)
        settings = self._by_directory.get(key)
        if settings is None:
            settings = self._by_directory[key] = self._resolve(directory, root)
        return settings

    def _resolve(self, directory: Path, root: Path) -> Settings:
        from pinlint.config import resolve_settings

        options = {k: v for k, v in self.options.items() if k not in SERVER_KEYS}
        config = self.options.get("config")
        config_path = Path(os.path.expanduser(config)) if isinstance(config, str) and config else None
        if config_path is not None and not config_path.is_absolute():
            config_path = root / config_path
        isolated = self.options.get("isolated") is True
        search = [directory]  # one that is not there yet (an unsaved file's) is looked up from its parent
        try:
            return resolve_settings(search, root, options, "editor settings", config_path, isolated)
        except ConfigError as error:
            self._report(str(error))
        try:
            return resolve_settings(search, root, options, "editor settings", isolated=True)
        except ConfigError:
            return Settings(root=root)

    def _report(self, problem: str) -> None:
        if problem not in self._reported:
            self._reported.add(problem)
            self.problems.append(problem)


def lint_document(
    source: str, version: int | None, kind: str, name: str, path: Path | None, root: Path, settings_cache: SettingsCache
) -> Linted | None:
    """Lint the editor's text of a document called ``name``, saved at ``path`` (None: not saved
    anywhere yet), in the workspace folder ``root``; None when the configuration excludes the
    file. A failure of pinlint's becomes the PIN900 finding the CLI reports, with the traceback
    kept for the log."""
    directory = path.parent if path is not None else root
    settings = settings_cache.for_directory(directory, root)
    if path is not None:
        # Excludes are judged as for `pinlint check` run where the configuration is (else in the
        # workspace folder); a file opened from elsewhere is linted as one named on the command line.
        parents = path.resolve().parents
        top = settings.root if settings.root.resolve() in parents else root
        if top.resolve() in parents and Discovery(settings).skips(path, [top]):
            return None
        display = relative_path(path, settings.root)
    else:
        display = name if kind_of(name, None) == kind else f"{name or 'untitled'}{'.py' if kind == PYTHON else '.sql'}"
    try:
        report = lint_text(source, display, settings, kind == PYTHON, path)
        error = None
    except Exception as exception:  # a bug of ours must not take the server down
        report = failed(display, exception, settings)
        error = "".join(traceback.format_exception(exception))
    return Linted(version, source, kind, display, settings, report.findings, error)
