"""`pinlint server` driven by a real LSP client (pytest-lsp) over the server's stdin and stdout."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("pygls")
pytest_lsp = pytest.importorskip("pytest_lsp")

from lsprotocol import types  # noqa: E402
from pygls.protocol import default_converter  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features  # noqa: E402

from pinlint.engine import lint_source  # noqa: E402
from pinlint.rules import BY_CODE  # noqa: E402
from pinlint.settings import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
SERVER = [sys.executable, "-m", "pinlint", "server"]

# One server for most tests (each starts in about a second), in one event loop; each test has
# documents of its own.
pytestmark = pytest.mark.asyncio(loop_scope="module")

PYTHON = 'import psycopg\n\nconn = psycopg.connect(DSN)\nlabel = "😀"; conn.execute("SET search_path = app")\n'
PIN101 = (
    "`SET search_path` changes a session setting: pins the session on RDS Proxy; leaks search_path to the "
    "next client on PgBouncer. Fix: Set it per role or database instead"
)


def _client() -> LanguageClient:
    """pytest-lsp's client, also keeping every diagnostics notification and registration."""
    client = LanguageClient(converter_factory=default_converter)
    client.published = []
    client.registrations = []

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        client.published.append(params)
        client.diagnostics[params.uri] = params.diagnostics

    def register(client: LanguageClient, params: types.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)

    register_lsp_features(
        client,
        {**DEFAULT_CLIENT_FEATURES, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish, types.CLIENT_REGISTER_CAPABILITY: register},
    )
    return client


def _server(*before: str) -> ClientServerConfig:
    """The server, after running the Python statements ``before`` in its process."""
    command = SERVER
    if before:
        command = [sys.executable, "-c", "\n".join([*before, "from pinlint.server.lsp import serve", "serve()"])]
    return ClientServerConfig(server_command=command, server_env=ENV, client_factory=_client)


async def _start(client: LanguageClient, folder: Path, editor: str = "visual-studio-code", options=None) -> None:
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(editor),
            workspace_folders=[types.WorkspaceFolder(uri=folder.as_uri(), name="project")],
            initialization_options=options,
        )
    )


@pytest_lsp.fixture(config=_server(), scope="module")
async def client(lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory):
    """Serving an empty workspace folder: an unsaved document is judged there, and every test's
    `tmp_path` is a project of its own (not a folder holding the other tests' files, whose
    deployment evidence would change the targets)."""
    await _start(lsp_client, tmp_path_factory.mktemp("workspace"))
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=_server(), loop_scope="module")
async def server(lsp_client: LanguageClient):
    """Started, for the test to initialize."""
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(
    config=_server("import pinlint.server.documents as documents", "documents.lint_text = lambda *a, **k: 1 / 0"),
    loop_scope="module",
)
async def failing_server(lsp_client: LanguageClient):
    """Its engine fails on every text."""
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=_server(), loop_scope="module")
async def fixing_server(lsp_client: LanguageClient):
    """A server of its own, started per test with the options the test gives."""
    yield
    await lsp_client.shutdown_session()


async def _published(client: LanguageClient, uri: str, version: int | None, after: int = 0) -> list[types.Diagnostic]:
    """The diagnostics published for ``uri`` at ``version`` (after the first ``after``
    notifications), once they are."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for params in reversed(client.published[after:]):
            if params.uri == uri and params.version == version:
                return list(params.diagnostics)
        await asyncio.sleep(0.02)
    raise AssertionError(f"no diagnostics for {uri} version {version}: {client.published}")


def _open(client: LanguageClient, path: Path, text: str, language: str = "python", version: int = 1) -> str:
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id=language, version=version, text=text))
    )
    return uri


def _change(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def _units(text: str, encoding: str) -> int:
    return len(text.encode("utf-16-le")) // 2 if encoding == "utf-16" else len(text.encode("utf-8"))


def _offset(text: str, position: types.Position, encoding: str = "utf-16") -> int:
    """A position of the client's as an offset into ``text`` (lines end at \\n here)."""
    start = sum(len(line) + 1 for line in text.split("\n")[: position.line])
    line = text.split("\n")[position.line]
    for index in range(len(line) + 1):
        if _units(line[:index], encoding) == position.character:
            return start + index
    raise AssertionError(f"{position} is inside a character of {line!r}")


def _slice(text: str, range_: types.Range, encoding: str = "utf-16") -> str:
    return text[_offset(text, range_.start, encoding) : _offset(text, range_.end, encoding)]


def _applied(text: str, edit: types.WorkspaceEdit) -> str:
    """``text`` after the one document's edits of ``edit`` (applied from the last)."""
    if edit.document_changes:
        (change,) = edit.document_changes
        edits = change.edits
    else:
        (edits,) = edit.changes.values()
    for text_edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: _offset(text, text_edit.range.start)] + text_edit.new_text + text[_offset(text, text_edit.range.end) :]
    return text


def _range(line: int, start: int, end_line: int, end: int) -> types.Range:
    return types.Range(types.Position(line, start), types.Position(end_line, end))


# Diagnostics


async def test_python_diagnostics_have_exact_ranges_in_utf16(client, tmp_path):
    uri = _open(client, tmp_path / "app.py", PYTHON)
    (diagnostic,) = await _published(client, uri, 1)
    # `label = "😀"; conn.execute(` is 26 code points and 27 UTF-16 code units.
    assert diagnostic.range == _range(3, 27, 3, 50)
    assert _slice(PYTHON, diagnostic.range) == '"SET search_path = app"'
    (finding,) = lint_source(PYTHON.encode(), "app.py", Settings()).findings
    assert diagnostic.message == f"{finding.message}. Fix: {finding.fix}"
    assert diagnostic.message.startswith(PIN101)
    assert (diagnostic.code, diagnostic.source, diagnostic.severity) == ("PIN101", "pinlint", types.DiagnosticSeverity.Error)
    assert diagnostic.code_description.href == BY_CODE["PIN101"].url
    assert diagnostic.code_description.href.endswith("/pinlint/rules/pin101_session_set.md")


async def test_positions_are_in_utf8_for_a_client_that_prefers_it(server, tmp_path):
    await _start(server, tmp_path, "neovim")  # offers utf-8 first
    uri = _open(server, tmp_path / "app.py", PYTHON)
    (diagnostic,) = await _published(server, uri, 1)
    assert diagnostic.range == _range(3, 29, 3, 52)  # 😀 is four bytes
    assert _slice(PYTHON, diagnostic.range, "utf-8") == '"SET search_path = app"'


async def test_sql_file_diagnostics_inside_a_line_after_non_bmp_characters(client, tmp_path):
    text = "-- 😀 setup\nSELECT '😀😀', pg_advisory_lock(1);\nSET search_path = app;\n"
    uri = _open(client, tmp_path / "setup.sql", text, "sql")
    lock, search_path = await _published(client, uri, 1)
    assert (lock.code, lock.range) == ("PIN109", _range(1, 15, 1, 34))
    assert _slice(text, lock.range) == "pg_advisory_lock(1)"
    assert (search_path.code, search_path.range) == ("PIN101", _range(2, 0, 2, 21))


async def test_config_files_and_unnamed_documents_are_linted(client, tmp_path):
    text = "DATABASE_URL=postgresql://u@h/db?options=-c%20search_path%3Dapp\n"
    uri = _open(client, tmp_path / ".env", text, "dotenv")
    (diagnostic,) = await _published(client, uri, 1)
    assert (diagnostic.code, diagnostic.range) == ("PIN201", _range(0, 13, 0, 63))
    # An unsaved buffer is linted by its language.
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem("untitled:Untitled-1", "sql", 1, "DISCARD ALL;\n"))
    )
    (diagnostic,) = await _published(client, "untitled:Untitled-1", 1)
    assert (diagnostic.code, diagnostic.range) == ("PIN107", _range(0, 0, 0, 11))
    # Text pinlint does not lint gets no diagnostics at all.
    _open(client, tmp_path / "notes.txt", "SET search_path = app;\n", "plaintext")
    await _published(client, uri, 1)
    assert [p.uri for p in client.published if p.uri.endswith(("notes.txt", ".env", "Untitled-1"))] == [uri, "untitled:Untitled-1"]


async def test_changes_are_debounced_and_the_latest_text_wins(client, tmp_path):
    uri = _open(client, tmp_path / "app.py", "import psycopg\n")
    assert await _published(client, uri, 1) == []
    for version in (2, 3, 4):
        _change(client, uri, PYTHON if version == 4 else f"import psycopg\n{'x = 1' * version}\n", version)
    (diagnostic,) = await _published(client, uri, 4)
    assert diagnostic.code == "PIN101"
    await asyncio.sleep(0.4)  # past the debounce of the last change
    assert [p.version for p in client.published if p.uri == uri] == [1, 4]
    # Saving lints at once; closing clears the document's diagnostics.
    _change(client, uri, "import psycopg\n", 5)
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
    assert await _published(client, uri, 5) == []
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    assert await _published(client, uri, None) == []


async def test_hostile_text_keeps_lines_and_messages_plain(client, tmp_path):
    # An escape sequence, a form feed and U+2028 (no line break for LSP) before the finding.
    text = 'import psycopg\nx = "\x1b[31m\u2028\x0c"\nconn = psycopg.connect(DSN)\nconn.execute("SET search_path = x")\n'
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem("untitled:a.py", "python", 1, text)))
    (diagnostic,) = await _published(client, "untitled:a.py", 1)
    assert (diagnostic.code, diagnostic.range) == ("PIN101", _range(3, 13, 3, 34))
    # A NUL and a lone surrogate before the finding, which names a setting with control characters.
    text = "SELECT '\x00\ud800\u2028\x0c'; SET \"my\x1b[2J.x\u2028y\" = 1;\n"
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem("untitled:b.sql", "sql", 1, text)))
    (diagnostic,) = await _published(client, "untitled:b.sql", 1)
    assert (diagnostic.code, diagnostic.range) == ("PIN101", _range(0, 15, 0, 35))
    assert diagnostic.message.startswith("`SET my\\x1b[2J.x\\u2028y` changes a session setting")


async def test_a_failure_on_one_document_is_logged_and_reported_and_the_server_goes_on(failing_server, tmp_path):
    lsp_client = failing_server
    await _start(lsp_client, tmp_path)
    uri = _open(lsp_client, tmp_path / "app.py", PYTHON)
    (diagnostic,) = await _published(lsp_client, uri, 1)
    assert (diagnostic.code, diagnostic.range) == ("PIN900", _range(0, 0, 0, 0))
    assert diagnostic.message.startswith("pinlint failed on this file (ZeroDivisionError: division by zero); please report it.")
    (logged,) = [m for m in lsp_client.log_messages if m.type == types.MessageType.Error]
    assert logged.message.startswith(f"pinlint failed on {uri}:\nTraceback (most recent call last):")
    assert logged.message.rstrip().endswith("ZeroDivisionError: division by zero")
    # Still serving: the next document is linted, and the session ends cleanly.
    other = _open(lsp_client, tmp_path / "b.sql", "SELECT 1;\n", "sql")
    assert [d.code for d in await _published(lsp_client, other, 1)] == ["PIN900"]


# Hover


async def test_hover_shows_the_rule_doc_on_a_finding_and_on_a_suppressed_code(client, tmp_path):
    text = "SELECT pg_advisory_lock(1);\nDISCARD ALL; -- pinlint: ignore[PIN107]\n"
    uri = _open(client, tmp_path / "jobs.sql", text, "sql")
    (diagnostic,) = await _published(client, uri, 1)
    hover = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 10)))
    assert hover.contents == types.MarkupContent(types.MarkupKind.Markdown, BY_CODE["PIN109"].doc.rstrip("\n"))
    assert hover.range == diagnostic.range
    hover = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(1, 36)))
    assert hover.contents.value == BY_CODE["PIN107"].doc.rstrip("\n")
    assert hover.range == _range(1, 32, 1, 38)
    nothing = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(1, 3)))
    assert nothing is None


# Code actions


async def _actions(client: LanguageClient, uri: str, range_: types.Range, only=None) -> list[types.CodeAction]:
    return await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri), range=range_,
            context=types.CodeActionContext(diagnostics=[], only=only),
        )
    )


@pytest.mark.parametrize(
    "name, language, code, text, on_line, in_file",
    [
        (
            "app.py", "python", "PIN101",
            'import psycopg\n\nconn = psycopg.connect(DSN)\nconn.execute("""\n    SET search_path = app\n""")  # why\n',
            'import psycopg\n\nconn = psycopg.connect(DSN)\nconn.execute("""\n    SET search_path = app\n""")  # why  # pinlint: ignore[PIN101]\n',
            '# pinlint: file-ignore[PIN101]\nimport psycopg\n\nconn = psycopg.connect(DSN)\nconn.execute("""\n    SET search_path = app\n""")  # why\n',
        ),
        (
            "setup.sql", "sql", "PIN101",
            "SET search_path\n  = app;\n",
            "SET search_path\n  = app;  -- pinlint: ignore[PIN101]\n",
            "-- pinlint: file-ignore[PIN101]\nSET search_path\n  = app;\n",
        ),
        (
            "pgbouncer.ini", "ini", "PIN201",
            "[databases]\n  app = host=db options=-c%20search_path%3Dapp\n",
            "[databases]\n  # pinlint: ignore[PIN201]\n  app = host=db options=-c%20search_path%3Dapp\n",
            "# pinlint: file-ignore[PIN201]\n[databases]\n  app = host=db options=-c%20search_path%3Dapp\n",
        ),
    ],
)
async def test_ignore_actions_suppress_the_finding(client, tmp_path, name, language, code, text, on_line, in_file):
    uri = _open(client, tmp_path / name, text, language)
    (diagnostic,) = await _published(client, uri, 1)
    actions = await _actions(client, uri, _range(diagnostic.range.start.line, diagnostic.range.start.character + 1, diagnostic.range.start.line, diagnostic.range.start.character + 1))
    assert [(a.title, a.kind) for a in actions] == [
        (f"pinlint: ignore {code} on this line", types.CodeActionKind.QuickFix),
        (f"pinlint: ignore {code} in this file", types.CodeActionKind.QuickFix),
    ]
    assert all(list(a.diagnostics) == [diagnostic] for a in actions)
    assert actions[0].edit.document_changes[0].text_document.version == 1  # refused if the text moved on
    assert [_applied(text, a.edit) for a in actions] == [on_line, in_file]
    for version, edited in enumerate([on_line, in_file], 2):
        _change(client, uri, edited, version)
        assert await _published(client, uri, version) == []  # suppressed, and the suppression used


async def test_ignore_on_a_config_line_goes_above_it_and_joins_a_directive_there(client, tmp_path):
    text = "# pinlint: ignore[PIN202]\nDATABASE_URL=postgresql://u@h/db?options=-c%20search_path%3Dapp\n"
    uri = _open(client, tmp_path / ".env", text, "dotenv")
    (unused, diagnostic) = await _published(client, uri, 1)
    assert (diagnostic.code, unused.code, unused.tags) == ("PIN201", "PIN901", (types.DiagnosticTag.Unnecessary,))
    actions = await _actions(client, uri, diagnostic.range)
    assert [a.title for a in actions] == ["pinlint: ignore PIN201 on this line", "pinlint: ignore PIN201 in this file"]
    assert _applied(text, actions[0].edit) == text.replace("[PIN202]", "[PIN202, PIN201]")
    # An unused suppression is removed, not suppressed: no ignore actions for it.
    assert list(await _actions(client, uri, unused.range)) == []


async def test_quick_fixes_from_pinlint_fixes(fixing_server, tmp_path):
    lsp_client = fixing_server
    (tmp_path / "pinlint.toml").write_text('targets = ["pgbouncer-legacy", "rds-proxy"]\n', encoding="utf-8")
    await _start(lsp_client, tmp_path, options={"unsafe-fixes": True})
    text = "BEGIN;\nSELECT '😀', pg_advisory_lock(1);\nCOMMIT;\n"
    uri = _open(lsp_client, tmp_path / "jobs.sql", text, "sql")
    (diagnostic,) = await _published(lsp_client, uri, 1)
    actions = await _actions(lsp_client, uri, diagnostic.range)
    assert [(a.title, a.is_preferred) for a in actions] == [
        ("pinlint: Take the lock for the transaction with `pg_advisory_xact_lock()` (unsafe)", False),
        ("pinlint: ignore PIN109 on this line", None),
        ("pinlint: ignore PIN109 in this file", None),
    ]
    assert _applied(text, actions[0].edit) == "BEGIN;\nSELECT '😀', pg_advisory_xact_lock(1);\nCOMMIT;\n"
    # Only safe fixes are applied all at once.
    assert not await _actions(lsp_client, uri, _range(0, 0, 0, 0), only=["source.fixAll"])
    text = "import asyncpg\n\n\nasync def main(dsn):\n    return await asyncpg.connect(dsn)  # 😀\n"
    uri = _open(lsp_client, tmp_path / "app.py", text, "python")
    (diagnostic,) = await _published(lsp_client, uri, 1)
    (fix_all,) = await _actions(lsp_client, uri, _range(0, 0, 0, 0), only=["source.fixAll"])
    assert (fix_all.kind, _applied(text, fix_all.edit)) == (
        "source.fixAll.pinlint", text.replace("connect(dsn)", "connect(dsn, statement_cache_size=0)")
    )


# Configuration


async def test_configuration_changes_reload_and_relint_open_documents(client, tmp_path):
    deadline = time.monotonic() + 10
    while not client.registrations and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    (registration,) = client.registrations
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    assert [w["globPattern"] for w in registration.register_options["watchers"]] == [
        "**/pyproject.toml", "**/pinlint.toml", "**/.gitignore",
    ]
    uri = _open(client, tmp_path / "app.py", PYTHON)
    assert [d.code for d in await _published(client, uri, 1)] == ["PIN101"]

    def changed(path: Path, text: str) -> int:
        mark = len(client.published)
        path.write_text(text, encoding="utf-8")
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams([types.FileEvent(path.as_uri(), types.FileChangeType.Changed)])
        )
        return mark

    mark = changed(tmp_path / "pyproject.toml", '[tool.pinlint]\nignore = ["PIN101"]\n')
    assert await _published(client, uri, 1, after=mark) == []
    # A bad configuration is said once, and the documents are linted without it.
    mark = changed(tmp_path / "pyproject.toml", '[tool.pinlint]\nignore = ["PIN1O1"]\n')
    assert [d.code for d in await _published(client, uri, 1, after=mark)] == ["PIN101"]
    (message,) = client.messages
    assert message.type == types.MessageType.Warning
    assert message.message == (
        "pinlint: " + str(tmp_path / "pyproject.toml") + ": ignore: unknown rule selector 'PIN1O1' (use a code like "
        "PIN101, a prefix like PIN1, or a rule name); linting without it"
    )
    # The client's settings are laid over the file's; `isolated` leaves the file out.
    mark = len(client.published)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"pinlint": {"isolated": True, "targets": ["rds-proxy"]}})
    )
    (diagnostic,) = await _published(client, uri, 1, after=mark)
    assert diagnostic.message.startswith("`SET search_path` changes a session setting: pins the session on RDS Proxy. Fix:")
    assert len(client.messages) == 1
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))


async def test_excluded_files_get_no_diagnostics(client, tmp_path):
    (tmp_path / "pinlint.toml").write_text('extend-exclude = ["migrations"]\n', encoding="utf-8")
    (tmp_path / "migrations").mkdir()
    excluded = _open(client, tmp_path / "migrations" / "0001.sql", "DISCARD ALL;\n", "sql")
    assert await _published(client, excluded, 1) == []
    linted = _open(client, tmp_path / "app.sql", "DISCARD ALL;\n", "sql")
    assert [d.code for d in await _published(client, linted, 1)] == ["PIN107"]


# The command


async def test_the_command_without_pygls_says_what_to_install():
    code = "import sys; sys.modules['pygls'] = None; from pinlint.cli import main; sys.exit(main(['server']))"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, env=ENV, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert (process.returncode, stdout) == (2, b"")
    assert stderr.decode().startswith("pinlint: error: pinlint server needs pygls (")
    assert stderr.decode().endswith("): pip install 'pinlint-db[server]'\n")
