"""`--changed-since REF`: the lines a change added or modified, as git tells them, so that CI
judges a pull request by what it adds.

The change is everything between the merge base of REF and HEAD and the working tree: the
commits of the branch, what is not committed yet, and untracked files that are not ignored
(whole). Comparing with the merge base rather than REF itself leaves out what REF gained since
the branch left it. Renamed files count by their new name, with only their edited lines.

git is run without a shell, with every setting that would change its output overridden. Patch
output cannot use `-z`, so file names are read as git writes them: C-quoted when they hold
special or non-ASCII bytes, and followed by a tab when they hold a space.
"""

from __future__ import annotations

import bisect
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pinlint.diagnostics import Finding
from pinlint.output.text import visible
from pinlint.settings import ConfigError

_HUNK = re.compile(rb"@@ -\d+(?:,(?P<old>\d+))? \+(?P<start>\d+)(?:,(?P<new>\d+))? @@")
_ESCAPES = {ord(k): v for k, v in zip("abtnvfr\"\\", b'\a\b\t\n\v\f\r"\\')}
_SHALLOW_HINT = "a shallow clone needs more history: actions/checkout's `fetch-depth: 0`, or `git fetch --unshallow`"


@dataclass(frozen=True)
class ChangedLines:
    """Changed lines per file (by real path): sorted, disjoint [start, stop) ranges, or None for
    a file that is new as a whole."""

    files: dict[str, list[tuple[int, int]] | None]

    def covers(self, finding: Finding, cwd: Path) -> bool:
        """Whether a line of ``finding``'s span was added or changed."""
        path = os.path.realpath(cwd / finding.path)
        if path not in self.files:
            return False
        ranges = self.files[path]
        if ranges is None:
            return True
        # The last range starting at or before the span's end is the only one that can overlap it.
        index = bisect.bisect_right(ranges, (finding.end_row, float("inf"))) - 1
        return index >= 0 and ranges[index][1] > finding.row


def changed_lines(ref: str, directory: Path) -> ChangedLines:
    """The lines changed in ``directory``'s git work tree since ``ref``; ConfigError when git,
    the work tree or the revision is missing."""
    where = f"--changed-since {visible(ref)}"
    if ref.startswith("-") or not ref:
        raise ConfigError(f"{where}: not a git revision")
    if shutil.which("git") is None:
        raise ConfigError(f"{where}: git is needed, and it is not on PATH")
    top = _git(["rev-parse", "--show-toplevel"], directory)
    if top is None:
        raise ConfigError(f"{where}: {visible(str(directory))} is not in a git work tree")
    root = Path(os.fsdecode(top.rstrip(b"\n")))
    commit = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], root)
    if commit is None:
        raise ConfigError(f"{where}: no such git revision here (fetch it first; {_SHALLOW_HINT})")
    base = _git(["merge-base", commit.strip().decode(), "HEAD"], root)
    if base is None:
        raise ConfigError(f"{where}: it shares no history with HEAD here ({_SHALLOW_HINT})")
    diff = _git(
        [
            "diff", "--no-color", "--no-ext-diff", "--no-textconv", "--unified=0", "--find-renames",
            "--no-relative", "--src-prefix=a/", "--dst-prefix=b/", "--ignore-submodules",
            base.strip().decode(), "--",
        ],
        root,
    )
    untracked = _git(["ls-files", "-z", "--others", "--exclude-standard", "--full-name"], root)
    if diff is None or untracked is None:
        raise ConfigError(f"{where}: git could not compare the work tree with it")
    files = {os.path.realpath(root / name): ranges for name, ranges in parse_diff(diff).items()}
    for name in untracked.split(b"\0"):
        if name:
            files[os.path.realpath(root / os.fsdecode(name))] = None
    return ChangedLines(files)


def parse_diff(diff: bytes) -> dict[str, list[tuple[int, int]] | None]:
    """The new-side line ranges of `git diff --unified=0` output, per file name; None for a file
    the diff creates."""
    files: dict[str, list[tuple[int, int]] | None] = {}
    current: str | None = None
    created = False
    old_left = new_left = 0  # lines of the hunk body still to come, which may look like headers
    for line in diff.split(b"\n"):
        if old_left > 0 or new_left > 0:
            if line.startswith(b"-") and old_left > 0:
                old_left -= 1
                continue
            if line.startswith(b"+") and new_left > 0:
                new_left -= 1
                continue
            if line.startswith(b"\\"):  # "\ No newline at end of file" is no line
                continue
            old_left = new_left = 0  # a hunk shorter than its header said: read on as headers
        if line.startswith(b"diff --git "):
            current, created = None, False
        elif line.startswith(b"new file mode"):
            created = True
        elif line.startswith(b"+++ "):
            current = _new_name(line[4:])
            if current is not None:
                files[current] = None if created else files.get(current, [])
        elif line.startswith(b"@@ ") and (hunk := _HUNK.match(line)):
            # A count left out is 1.
            old_left, new_left = (int(hunk[group] or 1) for group in ("old", "new"))
            ranges = files.get(current) if current is not None else None
            if ranges is not None and new_left:
                start = int(hunk["start"])
                ranges.append((start, start + new_left))
    return files


def _new_name(field: bytes) -> str | None:
    """The file name on a `+++ ` line: None for /dev/null (a deleted file)."""
    if field.startswith(b'"'):
        name = _unquote(field)
    else:
        name = field[:-1] if field.endswith(b"\t") and b" " in field else field
    if not name.startswith(b"b/"):
        return None
    return os.fsdecode(name[2:])


def _unquote(field: bytes) -> bytes:
    """A C-quoted name as git writes it: `\\t`, `\\"`, `\\\\` and octal `\\303` escapes."""
    out = bytearray()
    index, end = 1, len(field)
    while index < end:
        byte = field[index]
        if byte == ord('"'):
            break
        if byte == ord("\\") and index + 1 < end:
            following = field[index + 1]
            if following in _ESCAPES:
                out.append(_ESCAPES[following])
                index += 2
                continue
            octal = field[index + 1 : index + 4]
            if len(octal) == 3 and all(ord("0") <= digit <= ord("7") for digit in octal):
                out.append(int(octal, 8) & 0xFF)
                index += 4
                continue
        out.append(byte)
        index += 1
    return bytes(out)


def _git(arguments: list[str], directory: Path) -> bytes | None:
    """git's output, or None when it fails. Optional locks are off: linting must not take the
    index lock another git command may be waiting for."""
    environment = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotePath=true", *arguments], cwd=directory, env=environment,
            stdin=subprocess.DEVNULL, capture_output=True, check=False,
        )
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None
