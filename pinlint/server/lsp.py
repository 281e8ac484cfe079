"""The Language Server: the engine's findings in an editor, over LSP on stdin and stdout.

- Diagnostics are pushed when a document opens or is saved, and 300 ms after the last change
  while it is typed in. One document is linted at a time, in a thread of its own; a run that
  a newer change makes stale is cancelled before it starts, or its result dropped after it ends.
- Ranges are the findings' own, down to the characters inside a string literal, in the
  position encoding agreed with the client (UTF-16 unless it offers UTF-8 or UTF-32).
- Hover on a finding, or on a code in a suppression comment, shows the rule's documentation.
- Code actions: the quick fixes of `pinlint.fixes` (safe ones preferred; unsafe ones only with
  the `unsafe-fixes` setting), "ignore on this line", "ignore in this file", and a fix-all
  (`source.fixAll.pinlint`) of the safe fixes.
- A change to `pyproject.toml`, `pinlint.toml` or a `.gitignore` (watched through the client,
  registered dynamically when it can) reloads the configuration and relints the open documents.

Client settings (initialization options, or `workspace/didChangeConfiguration` under `pinlint`)
take the keys of `[tool.pinlint]` (`targets`, `select`, ...), which override the configuration
file's, and `config` (a configuration file to use), `isolated` (use none) and `unsafe-fixes`.
"""

from __future__ import annotations

import asyncio
import re
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from pinlint import __version__
from pinlint.diagnostics import Finding, Severity
from pinlint.fixes import Edit
from pinlint.output.text import visible
from pinlint.rules import BY_CODE, lookup
from pinlint.server.actions import ignore_edits
from pinlint.server.documents import Linted, SettingsCache, kind_of, lint_document
from pinlint.server.positions import Text

DEBOUNCE_SECONDS = 0.3
CONFIGURATION_FILES = ("pyproject.toml", "pinlint.toml", ".gitignore")
FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.pinlint"
_WATCHERS_ID = "pinlint-configuration-files"
_CODE = re.compile(r"[A-Za-z][\w-]*")  # a rule code or name under the cursor
_SUPPRESSION = re.compile(r"pinlint\s*:|noqa\s*:", re.IGNORECASE)


class PinlintServer(LanguageServer):
    def __init__(self) -> None:
        # Whole texts on change: pygls applies incremental changes by `str.splitlines()`, whose
        # lines are not the editor's once a form feed or U+2028 is in the text.
        super().__init__("pinlint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.settings_cache = SettingsCache()
        self.unsafe_fixes = False
        self.linted: dict[str, Linted] = {}
        self._pending: dict[str, asyncio.Task] = {}
        self._linter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pinlint-lint")

    # Settings

    def configure(self, options: Any) -> None:
        if isinstance(options, dict) and isinstance(options.get("pinlint"), dict):
            options = options["pinlint"]
        if not isinstance(options, dict):
            options = {}
        self.settings_cache.options = options
        self.unsafe_fixes = options.get("unsafe-fixes") is True
        self.settings_cache.forget()

    def reload(self) -> None:
        """Configuration or project files changed: resolve settings anew and relint every open document."""
        from pinlint.engine import forget_project_files

        self.settings_cache.forget()
        forget_project_files()
        for uri in list(self.workspace.text_documents):
            self.schedule(uri, 0)

    # Linting

    def schedule(self, uri: str, delay: float) -> None:
        """Lint the document after ``delay`` seconds, in place of any run not started yet."""
        previous = self._pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        task = asyncio.get_running_loop().create_task(self._lint(uri, delay))
        self._pending[uri] = task
        task.add_done_callback(lambda done: self._pending.pop(uri) if self._pending.get(uri) is done else None)

    async def _lint(self, uri: str, delay: float) -> None:
        try:
            await self._lint_now(uri, delay)
        except Exception:  # a bug of ours: said in the log, and the server goes on
            self.window_log_message(
                types.LogMessageParams(types.MessageType.Error, f"pinlint failed on {uri}:\n{traceback.format_exc()}")
            )

    async def _lint_now(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return
        source, version = document.source, document.version
        kind = kind_of(_name(uri), document.language_id)
        if kind is None:
            return
        path = _path(uri)
        root = self._folder(path)
        linted = await asyncio.get_running_loop().run_in_executor(
            self._linter, lint_document, source, version, kind, _name(uri), path, root, self.settings_cache
        )
        for problem in self.settings_cache.problems:
            self.window_show_message(
                types.ShowMessageParams(types.MessageType.Warning, f"pinlint: {visible(problem)}; linting without it")
            )
        self.settings_cache.problems.clear()
        current = self.workspace.text_documents.get(uri)
        if current is None or current.version != version:
            return  # closed, or changed meanwhile: a newer run publishes
        if linted is None:  # excluded by the configuration
            self.linted.pop(uri, None)
            self._publish(uri, version, [])
            return
        if linted.error is not None:
            self.window_log_message(
                types.LogMessageParams(types.MessageType.Error, f"pinlint failed on {uri}:\n{linted.error}")
            )
        self.linted[uri] = linted
        text = self.text(linted)
        self._publish(uri, version, [diagnostic(finding, text) for finding in linted.findings])

    def _publish(self, uri: str, version: int | None, diagnostics: list[types.Diagnostic]) -> None:
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, diagnostics, version))

    def forget(self, uri: str) -> None:
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self.linted.pop(uri, None)
        self._publish(uri, None, [])

    def current(self, uri: str) -> Linted | None:
        """The findings of the document as the editor has it now (None: not linted yet)."""
        linted = self.linted.get(uri)
        document = self.workspace.text_documents.get(uri)
        if linted is None or document is None or document.version != linted.version:
            return None
        return linted

    def text(self, linted: Linted) -> Text:
        return Text(linted.source, self.workspace.position_encoding)

    def _folder(self, path: Path | None) -> Path:
        """The workspace folder holding ``path`` (the innermost), else its directory."""
        folders = [Path(p) for f in self.workspace.folders.values() if (p := to_fs_path(f.uri))]
        if not folders and self.workspace.root_path:
            folders = [Path(self.workspace.root_path)]
        if path is not None:
            holding = [folder for folder in folders if folder in path.parents]
            return max(holding, key=lambda folder: len(folder.parts)) if holding else path.parent
        return folders[0] if folders else Path.cwd()


def diagnostic(finding: Finding, text: Text) -> types.Diagnostic:
    rule = BY_CODE[finding.code]
    return types.Diagnostic(
        range=text.range(finding.row, finding.col, finding.end_row, finding.end_col),
        message=visible(f"{finding.message}. Fix: {finding.fix}"),
        severity=types.DiagnosticSeverity.Error if finding.severity is Severity.ERROR else types.DiagnosticSeverity.Warning,
        code=finding.code,
        code_description=types.CodeDescription(href=rule.url),
        source="pinlint",
        tags=[types.DiagnosticTag.Unnecessary] if finding.code == "PIN901" else None,
    )


def _name(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _path(uri: str) -> Path | None:
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    return Path(path) if path else None


def _touches(finding: Finding, first: tuple[int, int], last: tuple[int, int]) -> bool:
    return (finding.row, finding.col) <= last and first <= (finding.end_row, finding.end_col)


def build_server() -> PinlintServer:
    server = PinlintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: PinlintServer, params: types.InitializeParams) -> None:
        ls.configure(params.initialization_options)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: PinlintServer, params: types.InitializedParams) -> None:
        watched = ls.client_capabilities.workspace and ls.client_capabilities.workspace.did_change_watched_files
        if not (watched and watched.dynamic_registration):
            return  # the client may watch files itself; saving one in the editor reloads too
        watchers = [types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIGURATION_FILES]
        registration = types.Registration(
            id=_WATCHERS_ID, method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
        )
        try:
            await ls.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
        except Exception as error:  # the client refused: configuration is reloaded on save only
            ls.window_log_message(types.LogMessageParams(types.MessageType.Warning, f"cannot watch configuration files: {error}"))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: PinlintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: PinlintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, DEBOUNCE_SECONDS)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: PinlintServer, params: types.DidSaveTextDocumentParams) -> None:
        name = _name(params.text_document.uri)
        if name in CONFIGURATION_FILES or _deployment_evidence(name):
            ls.reload()
        else:
            ls.schedule(params.text_document.uri, 0)

    def _deployment_evidence(name: str) -> bool:
        """A saved file that may say which pooler the project runs behind (a `pgbouncer.ini`, a
        compose file, Terraform): the targets are inferred anew."""
        from pinlint.deployment.infer import evidence_name

        return evidence_name(name) and not name.endswith((".py", ".pyi", ".sql"))

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: PinlintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: PinlintServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(_name(change.uri) in CONFIGURATION_FILES for change in params.changes):
            ls.reload()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: PinlintServer, params: types.DidChangeConfigurationParams) -> None:
        ls.configure(params.settings)
        ls.reload()

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_workspace_folders(ls: PinlintServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        ls.reload()  # documents may now belong to another folder, with other settings

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: PinlintServer, params: types.HoverParams) -> types.Hover | None:
        linted = ls.current(params.text_document.uri)
        if linted is None:
            return None
        text = ls.text(linted)
        at = text.row_col(params.position)
        findings = [f for f in linted.findings if _touches(f, at, at)]
        if findings:
            codes = list(dict.fromkeys(f.code for f in findings))
            first = findings[0]
            shown = text.range(first.row, first.col, first.end_row, first.end_col)
        else:
            word = _word_at(text.line(params.position.line), at[1] - 1)
            if word is None or (rule := lookup(word[0])) is None:
                return None
            codes = [rule.code]
            shown = text.range(at[0], word[1] + 1, at[0], word[2] + 1)
        return types.Hover(contents=_documentation(ls, codes), range=shown)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL]),
    )
    def code_action(ls: PinlintServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        linted = ls.current(uri)
        if linted is None:
            return None
        text = ls.text(linted)
        first, last = text.row_col(params.range.start), text.row_col(params.range.end)
        only = params.context.only
        actions: list[types.CodeAction] = []
        if _wanted(types.CodeActionKind.QuickFix, only):
            touched = [f for f in linted.findings if _touches(f, first, last)]
            fixes = _fixes(ls, linted, uri)
            for finding in touched:
                actions.extend(_fix_actions(ls, uri, linted, text, finding, fixes))
            for finding in touched:
                actions.extend(_ignore_actions(ls, uri, linted, text, finding))
        if _wanted(FIX_ALL, only):
            safe = [fix for fix in _fixes(ls, linted, uri) if fix.safe]
            edits = _without_overlaps([edit for fix in safe for edit in fix.edits])
            if edits:
                actions.append(types.CodeAction(
                    title="pinlint: fix all safely fixable findings", kind=FIX_ALL,
                    edit=_workspace_edit(ls, uri, linted, text, edits),
                ))
        return actions

    return server


def _word_at(line: str, column: int) -> tuple[str, int, int] | None:
    """The code or name (`PIN101`, `session-set`) at ``column`` (from 0) of ``line``, in a
    suppression comment's list."""
    comment = _SUPPRESSION.search(line)
    if comment is None:
        return None
    for match in _CODE.finditer(line, comment.end()):
        if match.start() <= column <= match.end():
            return match.group(), match.start(), match.end()
        if match.start() > column:
            break
    return None


def _documentation(ls: PinlintServer, codes: list[str]) -> types.MarkupContent:
    text_document = ls.client_capabilities.text_document
    formats = text_document.hover.content_format if text_document and text_document.hover else None
    kind = types.MarkupKind.PlainText if formats and types.MarkupKind.Markdown not in formats else types.MarkupKind.Markdown
    docs = [BY_CODE[code].doc.rstrip("\n") for code in codes]
    return types.MarkupContent(kind=kind, value="\n\n---\n\n".join(docs))


def _wanted(kind: str, only: list[str] | None) -> bool:
    return not only or any(kind == wanted or kind.startswith(f"{wanted}.") for wanted in only)


def _fixes(ls: PinlintServer, linted: Linted, uri: str) -> list:
    """The quick fixes of the linted text, made once per version; none without `pinlint.fixes`."""
    if linted.fixes is None:
        try:
            from pinlint.fixes import fixes_for
        except ImportError:
            linted.fixes = []
            return linted.fixes
        try:
            linted.fixes = list(fixes_for(linted.source, linted.display, linted.findings, linted.settings, unsafe=ls.unsafe_fixes))
        except Exception as error:  # a bug of ours: no fixes for this version, the rest still works
            ls.window_log_message(
                types.LogMessageParams(types.MessageType.Error, f"pinlint could not make fixes for {uri}: {type(error).__name__}: {error}")
            )
            linted.fixes = []
    return linted.fixes


def _fix_actions(ls, uri: str, linted: Linted, text: Text, finding: Finding, fixes: list):
    for fix in fixes:
        if (fix.code, fix.row, fix.col) != (finding.code, finding.row, finding.col):
            continue
        yield types.CodeAction(
            title=f"pinlint: {visible(fix.title)}" + ("" if fix.safe else " (unsafe)"),
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diagnostic(finding, text)],
            is_preferred=fix.safe,
            edit=_workspace_edit(ls, uri, linted, text, list(fix.edits)),
        )


def _ignore_actions(ls, uri: str, linted: Linted, text: Text, finding: Finding):
    for title, edit in ignore_edits(linted, finding):
        yield types.CodeAction(
            title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic(finding, text)],
            edit=_workspace_edit(ls, uri, linted, text, [edit]),
        )


def _without_overlaps(edits: list) -> list:
    """Edits in order, each one that overlaps an earlier kept one left for a later fix-all."""
    kept: list = []
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if kept and edit.start < kept[-1].end:
            continue
        kept.append(edit)
    return kept


def _workspace_edit(ls: PinlintServer, uri: str, linted: Linted, text: Text, edits: list[Edit]) -> types.WorkspaceEdit:
    text_edits: list[types.TextEdit | types.AnnotatedTextEdit | types.SnippetTextEdit] = [
        types.TextEdit(
            range=types.Range(start=text.offset_position(edit.start), end=text.offset_position(edit.end)),
            new_text=edit.replacement,
        )
        for edit in edits
    ]
    workspace = ls.client_capabilities.workspace
    if workspace and workspace.workspace_edit and workspace.workspace_edit.document_changes:
        # Versioned: a client whose text has moved on refuses the edit instead of misplacing it.
        document = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=linted.version)
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=document, edits=text_edits)])
    return types.WorkspaceEdit(changes={uri: text_edits})  # type: ignore[dict-item]


def serve() -> None:
    """Serve one client over stdin and stdout until it exits."""
    build_server().start_io()

