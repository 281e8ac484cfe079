"""Fixing whole texts and files: fixes applied round after round until none is left (with a
bound), never a result that no longer parses, and the file written back in its own encoding,
byte order mark and line breaks."""

from __future__ import annotations

import bisect
import codecs
import difflib
import io
import os
import re
import tempfile
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from pinlint.fixes import Edit, Fix, apply_edits
from pinlint.settings import Settings

# A fix can only make room for another (two fixes of one call), so a few rounds reach the end;
# the bound stops fixes that would undo each other.
MAX_ROUNDS = 8
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF8, "utf-8"),
)
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+$")


@dataclass
class Fixed:
    text: str
    applied: list[Fix] = field(default_factory=list)
    # Fixes whose result did not parse, so were not kept.
    refused: list[Fix] = field(default_factory=list)
    hidden: int = 0  # unsafe fixes left for the findings that remain, when they were not asked for


def fix_text(text: str, display: str, settings: Settings, unsafe: bool = False, path: Path | None = None) -> Fixed:
    """``text`` with its fixes applied (the unsafe ones too with ``unsafe``), re-linted after each
    round; a round whose result does not parse, where ``text`` did, is tried fix by fix."""
    from pinlint.fixes.build import build_fixes

    is_python = display.endswith((".py", ".pyi"))
    parsed = _parses(text, is_python)
    fixed = Fixed(text)
    seen = {text}
    for _ in range(MAX_ROUNDS):
        offered = build_fixes(fixed.text, display, settings, path)
        fixed.hidden = sum(not fix.safe for fix in offered) if not unsafe else 0
        chosen = _compatible([fix for fix in offered if fix.safe or unsafe])
        if not chosen:
            break
        result = apply_edits(fixed.text, [edit for fix in chosen for edit in fix.edits])
        if parsed and not _parses(result, is_python):
            kept = []
            for fix in chosen:
                alone = apply_edits(fixed.text, fix.edits)
                (kept if _parses(alone, is_python) else fixed.refused).append(fix)
            if not kept:
                break
            chosen = kept
            result = apply_edits(fixed.text, [edit for fix in chosen for edit in fix.edits])
            if not _parses(result, is_python):
                break
        if result in seen:
            break  # the fixes undo each other
        seen.add(result)
        fixed.text = result
        fixed.applied.extend(chosen)
    return fixed


def _compatible(fixes: list[Fix]) -> list[Fix]:
    """The fixes of one round: in order, each whose edits touch none of those already taken (the
    same edit twice, such as one import two fixes need, is no conflict). The taken edits are
    kept sorted, so each check looks at its neighbours only."""
    taken: list[tuple[int, int, str]] = []
    chosen = []
    for fix in sorted(fixes, key=lambda f: (f.row, f.col, f.code, not f.safe)):
        if any(_conflicts(edit, taken) for edit in fix.edits):
            continue
        chosen.append(fix)
        for edit in fix.edits:
            bisect.insort(taken, (edit.start, edit.end, edit.replacement))
    return chosen


def _conflicts(edit: Edit, taken: list[tuple[int, int, str]]) -> bool:
    index = bisect.bisect_left(taken, (edit.start, edit.start, ""))
    for start, end, replacement in taken[max(0, index - 1) :]:
        if start > edit.end:
            return False
        if _conflict(edit, Edit(start, end, replacement)):
            return True
    return False


def _conflict(a: Edit, b: Edit) -> bool:
    if a == b:
        return False
    if a.start == a.end or b.start == b.end:  # an insertion conflicts with what it lands inside
        point, other = (a, b) if a.start == a.end else (b, a)
        return other.start < point.start < other.end or (other.start == other.end == point.start)
    return a.start < b.end and b.start < a.end


def _parses(text: str, is_python: bool) -> bool:
    if not is_python:
        return True  # SQL edits replace one word by another: the statements stay as they were split
    import ast

    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        import libcst as cst

        try:  # syntax newer than this Python's, which linting read with libcst
            cst.parse_module(text)
        except (cst.ParserSyntaxError, RecursionError, MemoryError):
            return False
    return True


class Undecodable(ValueError):
    """The file's bytes are not text pinlint can write back as it read them."""


def decode(data: bytes, is_python: bool) -> tuple[str, bytes, str]:
    """The text of ``data``, its byte order mark and the encoding that gives ``data`` back."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            break
    else:
        bom = b""
        try:
            encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0] if is_python else "utf-8"
        except SyntaxError as error:  # an unknown or contradictory coding cookie
            raise Undecodable(str(error)) from error
    try:
        text = data[len(bom) :].decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise Undecodable(str(error)) from error
    if bom + text.encode(encoding, "surrogatepass") != data:
        raise Undecodable(f"{encoding} does not give the same bytes back")
    return text, bom, encoding


def write_text(path: Path, text: str, bom: bytes, encoding: str) -> None:
    """Replace the file's contents at once (a crash leaves the old file), keeping its mode."""
    data = bom + text.encode(encoding, "surrogatepass")
    directory = path.parent
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".pinlint")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def unified_diff(before: str, after: str, display: str) -> str:
    """A unified diff of one file, each line shown as text (control characters escaped)."""
    from pinlint.output.text import visible

    def lines(text: str) -> list[str]:
        return _LINE.findall(text)

    out = []
    for index, line in enumerate(difflib.unified_diff(lines(before), lines(after), display, display)):
        body = line.rstrip("\r\n")
        shown = "\t".join(visible(part) for part in body.split("\t"))
        out.append(shown + "\n")
        if index > 1 and body == line:  # past the two header lines: a last line with no line break
            out.append("\\ No newline at end of file\n")
    return "".join(out)


@dataclass
class FileOutcome:
    display: str
    fixes: int = 0  # fixes applied (or, for a diff, that would be)
    hidden: int = 0
    diff: str = ""
    warning: str = ""


def fix_file(path: Path, display: str, settings: Settings, unsafe: bool, write: bool) -> FileOutcome:
    """Fix one file in place (``write``) or only work out its diff."""
    from pinlint.engine import MAX_FILE_BYTES
    from pinlint.reading import read_regular_file

    outcome = FileOutcome(display)
    try:
        data = read_regular_file(path, MAX_FILE_BYTES)
        if len(data) > MAX_FILE_BYTES:
            return outcome  # not linted either
        text, bom, encoding = decode(data, display.endswith((".py", ".pyi")))
    except (OSError, Undecodable) as error:
        outcome.warning = f"not fixing {display}: {getattr(error, 'strerror', None) or error}"
        return outcome
    fixed = fix_text(text, display, settings, unsafe, path)
    outcome.fixes, outcome.hidden = len(fixed.applied), fixed.hidden
    if fixed.refused:
        outcome.warning = f"{display}: {len(fixed.refused)} fix(es) left out: the result would not parse"
    if fixed.text == text:
        return outcome
    if not write:
        outcome.diff = unified_diff(text, fixed.text, display)
        return outcome
    try:
        write_text(path, fixed.text, bom, encoding)
    except OSError as error:
        outcome.warning = f"cannot write the fixes to {display}: {error.strerror or error}"
        outcome.fixes = 0
    return outcome


def add_noqa_file(path: Path, display: str, findings: list) -> FileOutcome:
    """Suppress ``findings`` of one file in place; ``fixes`` counts the suppressions written."""
    from pinlint.engine import MAX_FILE_BYTES
    from pinlint.reading import read_regular_file
    from pinlint.suppression_edits import line_suppressions

    outcome = FileOutcome(display)
    is_python = display.endswith((".py", ".pyi"))
    try:
        data = read_regular_file(path, MAX_FILE_BYTES)
        text, bom, encoding = decode(data, is_python)
    except (OSError, Undecodable) as error:
        outcome.warning = f"not adding suppressions to {display}: {getattr(error, 'strerror', None) or error}"
        return outcome
    edits = line_suppressions(text, display, is_python, findings)
    if not edits:
        return outcome
    try:
        write_text(path, apply_edits(text, edits), bom, encoding)
    except OSError as error:
        outcome.warning = f"cannot write the suppressions to {display}: {error.strerror or error}"
        return outcome
    outcome.fixes = len(edits)
    return outcome
