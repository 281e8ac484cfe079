"""What scanned content may look like once it is printed: the one place that decides it.

Messages, fixes, file names and source lines carry text from the files pinlint reads, and pinlint
runs unattended on strangers' pull requests. Printed as is, a line break in a SQL identifier
starts a new log line that GitHub Actions runs as a workflow command (`::error ...`,
`::add-mask::`), an ESC sequence drives the terminal, a bidi override reorders what a reviewer
sees ("Trojan Source"). So the human-readable formats show every character that is not printable
as a Python-style escape (`\\n`, `\\x1b`, `\\u202e`); tabs stay, they only move text. The JSON
formats escape by construction; `json_text` also keeps their text encodable.
"""

from __future__ import annotations

import json
import re

# Runs of anything but printable ASCII and tabs: most text has none, so whole lines are passed
# over at C speed and only these runs are looked at character by character.
_NOT_PLAIN = re.compile(r"[^\t\x20-\x7e]+")
_NAMED = {"\n": "\\n", "\r": "\\r"}
# GitHub's runner also executes `##[command]...` (its legacy syntax) anywhere in a line, and Azure
# Pipelines runs `##vso[...]` logging commands: a `##` before either is shown as `#\x23`.
_LOG_COMMAND = re.compile(r"##(?=\[|vso\[)")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def visible(text: str) -> str:
    """``text`` with every non-printable character (C0 and C1 controls, DEL, line and paragraph
    separators, bidi and other format characters, lone surrogates...) escaped, so it is one line
    that shows what it holds, and with no workflow command inside."""
    return _LOG_COMMAND.sub("#\\\\x23", _NOT_PLAIN.sub(_escape_run, text))


def visible_path(path: str) -> str:
    """A file name as `visible` shows it; one that starts with `:` (after blanks, which the
    runner trims) is shown as `./:...`: a file name and the `:` after it start each line of full
    and concise output, and GitHub Actions runs a line that starts with `::` as a workflow command."""
    shown = visible(path)
    return "./" + shown if shown.lstrip(" \t").startswith(":") else shown


def json_text(data: object, indent: int | None = None) -> str:
    """``data`` as JSON with non-ASCII characters as they are, except lone surrogates (a Python
    string literal can hold one): JSON's own `\\udXXX` escape means the same and, unlike the
    character, can be written as UTF-8."""
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    return _LONE_SURROGATE.sub(lambda match: f"\\u{ord(match[0]):04x}", text)


def _escape_run(match: re.Match[str]) -> str:
    return "".join(char if char.isprintable() else _escaped(char) for char in match[0])


def _escaped(char: str) -> str:
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
