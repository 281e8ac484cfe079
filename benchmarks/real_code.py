"""Measure pinlint on real code nobody on the team wrote: pinned PyPI source distributions and
GitHub repositories at pinned commits, labelled by hand in real_code_corpus.toml.

    python benchmarks/real_code.py [--cache DIR] [--mirror DIR] [--project NAME ...]
                                   [--show-unlabelled]

Each project's source is fetched once into the cache (a temporary directory without --cache),
unpacked, and linted with every target at low confidence: a PyPI project (`version = "..."`)
through `pip download`, a GitHub one (`git = "https://github.com/OWNER/NAME"`, `commit = "<40
hex digits>"`) as the codeload.github.com tarball of that commit. Where GitHub is out of reach,
--mirror DIR takes the `git archive` of the commit from a local bare git directory instead,
DIR/OWNER+NAME or DIR/OWNER+NAME/repo (real_code_sources.py has the details).

Findings are compared with the labels: `expect` entries are hazards pinlint should report,
`silent` entries are look-alikes that must stay silent. A finding matches a label by file, code
and line (or the label's line span).

Exit code 0 whatever the figures (this measures), 2 on bad usage, a failed download or a run of
pinlint that produced no report.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from real_code_sources import Failure, GitHubCommit, Sdist, Source, unpacked

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = Path(__file__).resolve().parent / "real_code_corpus.toml"
TARGETS = ("rds-proxy", "pgbouncer", "pgbouncer-legacy")
LEVELS = ("high", "medium", "low")


@dataclass
class Label:
    file: str
    line: int
    end_line: int
    code: str | None
    note: str
    kind: str = "other"
    # the most certain confidence among the findings that matched it
    matched: str | None = None

    def covers(self, file: str, line: int, code: str) -> bool:
        return (
            self.file == file
            and self.line <= line <= self.end_line
            and (self.code is None or self.code == code)
        )

    def where(self) -> str:
        span = f"{self.line}" if self.end_line == self.line else f"{self.line}-{self.end_line}"
        return f"{self.file}:{span}"


@dataclass
class Project:
    name: str
    source: Source
    why: str
    expect: list[Label]
    silent: list[Label]


@dataclass
class Tally:
    findings: Counter = field(default_factory=Counter)
    true: Counter = field(default_factory=Counter)
    false: Counter = field(default_factory=Counter)
    expected: int = 0
    # expected hazards found, at each reporting threshold
    found: Counter = field(default_factory=Counter)

    def add(self, other: Tally) -> None:
        for mine, theirs in (
            (self.findings, other.findings),
            (self.true, other.true),
            (self.false, other.false),
            (self.found, other.found),
        ):
            mine.update(theirs)
        self.expected += other.expected


def _label(raw: dict, *, expect: bool, where: str) -> Label:
    try:
        line = int(raw["line"])
        return Label(
            file=raw["file"],
            line=line,
            end_line=int(raw.get("end_line", line)),
            code=raw["code"] if expect else raw.get("code"),
            note=raw["note"],
            kind=raw.get("class", "other"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SystemExit(f"real_code: {where}: bad label {raw!r} ({exc})") from None


def _source(raw: dict, where: str) -> Source:
    if "git" in raw or "commit" in raw:
        if "version" in raw:
            raise SystemExit(f"real_code: {where}: a version or a git commit, not both")
        try:
            return GitHubCommit.parse(raw.get("git"), raw.get("commit"))
        except ValueError as exc:
            raise SystemExit(f"real_code: {where}: {exc}") from None
    if not isinstance(raw.get("version"), str):
        raise SystemExit(f"real_code: {where}: a project needs an exact version or a git commit")
    return Sdist(name=raw["name"], version=raw["version"])


def load_corpus(path: Path) -> list[Project]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SystemExit(f"real_code: cannot read {path}: {exc}") from None
    projects = []
    for raw in data.get("project", []):
        where = f"{path.name} [{raw.get('name', '?')}]"
        if not isinstance(raw.get("name"), str):
            raise SystemExit(f"real_code: {where}: a project needs a name")
        projects.append(
            Project(
                name=raw["name"],
                source=_source(raw, where),
                why=raw.get("why", ""),
                expect=[_label(e, expect=True, where=where) for e in raw.get("expect", [])],
                silent=[_label(s, expect=False, where=where) for s in raw.get("silent", [])],
            )
        )
    return projects


def lint(root: Path) -> list[dict]:
    cmd = [sys.executable, "-m", "pinlint", "check", "--no-cache", "--output-format", "json"]
    for target in TARGETS:
        cmd += ["--target", target]
    cmd += ["--min-confidence", "low", str(root)]
    # Run from the checkout so the pinlint under measurement is this one, not an installed one.
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        raise Failure(
            f"pinlint gave no report on {root} (exit {done.returncode}):\n{done.stderr}"
        ) from None


def check_labels(project: Project, root: Path) -> list[str]:
    """Labels that point past a file's end or at no file: the corpus and the source disagree."""
    problems = []
    for label in project.expect + project.silent:
        path = root / label.file
        if not path.is_file():
            problems.append(f"{label.where()}: no such file in the source")
            continue
        with path.open("rb") as fh:
            lines = sum(1 for _ in fh)
        if label.end_line > lines or label.end_line < label.line:
            problems.append(f"{label.where()}: outside the file's {lines} lines")
    return problems


def _at_or_above(level: str) -> list[str]:
    return list(LEVELS[: LEVELS.index(level) + 1])


def measure(project: Project, root: Path, show_unlabelled: bool) -> Tally:
    tally = Tally(expected=len(project.expect))
    false_positives, unlabelled = [], []
    for finding in lint(root):
        file = Path(finding["filename"]).resolve().relative_to(root.resolve()).as_posix()
        line, code, level = finding["location"]["row"], finding["code"], finding["confidence"]
        tally.findings[level] += 1
        hits = [e for e in project.expect if e.covers(file, line, code)]
        if hits:
            tally.true[level] += 1
            for label in hits:
                if not label.matched or LEVELS.index(level) < LEVELS.index(label.matched):
                    label.matched = level
            continue
        look_alike = next((s for s in project.silent if s.covers(file, line, code)), None)
        if look_alike:
            tally.false[level] += 1
            false_positives.append(f"  {file}:{line} {code} ({level}): {look_alike.note}")
        else:
            message = finding["message"]
            message = message if len(message) <= 100 else message[:99] + "…"
            unlabelled.append(f"  {file}:{line} {code} ({level}): {message}")
    for label in project.expect:
        if label.matched:
            for threshold in LEVELS:
                if label.matched in _at_or_above(threshold):
                    tally.found[threshold] += 1

    print(f"\n== {project.name} {project.source.pin}: {project.why}")
    for problem in check_labels(project, root):
        print(f"  label problem: {problem}")
    print_tally(tally)
    misses = [e for e in project.expect if not e.matched]
    if misses:
        print(f"missed hazards ({len(misses)}):")
        for label in misses:
            print(f"  {label.where()} {label.code} [{label.kind}]: {label.note}")
    if false_positives:
        print(f"false positives ({len(false_positives)}):")
        print("\n".join(false_positives))
    if show_unlabelled and unlabelled:
        print(f"unlabelled findings ({len(unlabelled)}):")
        print("\n".join(unlabelled))
    return tally


def _ratio(num: int, den: int) -> str:
    return f"{num / den:.2f} ({num}/{den})" if den else "n/a"


def print_tally(t: Tally) -> None:
    print(f"  {'confidence':<10} {'findings':>8} {'true':>5} {'false':>5} {'unlab.':>6}  precision")
    for level in LEVELS:
        n, tp, fp = t.findings[level], t.true[level], t.false[level]
        print(f"  {level:<10} {n:>8} {tp:>5} {fp:>5} {n - tp - fp:>6}  {_ratio(tp, tp + fp)}")
    recall = ", ".join(
        f">={level} {_ratio(t.found[level], t.expected)}" for level in reversed(LEVELS)
    )
    print(f"  recall of labelled hazards: {recall}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="labels (TOML)")
    parser.add_argument("--cache", type=Path, help="keep downloaded sources here (default: temp)")
    parser.add_argument(
        "--mirror", type=Path, help="take GitHub commits from bare git dirs here, not from GitHub"
    )
    parser.add_argument("--project", action="append", help="only this project (repeatable)")
    parser.add_argument(
        "--show-unlabelled", action="store_true", help="list findings no label speaks of"
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    try:
        projects = load_corpus(args.corpus)
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.project:
        unknown = set(args.project) - {p.name for p in projects}
        if unknown:
            print(f"real_code: not in the corpus: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        projects = [p for p in projects if p.name in args.project]

    with tempfile.TemporaryDirectory(prefix="pinlint-real-code-") as tmp:
        cache = args.cache or Path(tmp)
        cache.mkdir(parents=True, exist_ok=True)
        total = Tally()
        misses_by_class: dict[str, int] = defaultdict(int)
        try:
            # pip spends most of a download building metadata in its own process: overlap them
            with ThreadPoolExecutor(max_workers=4) as pool:
                roots = list(pool.map(lambda p: unpacked(p.source, cache, args.mirror), projects))
            for project, root in zip(projects, roots):
                total.add(measure(project, root, args.show_unlabelled))
                for label in project.expect:
                    if not label.matched:
                        misses_by_class[label.kind] += 1
        except Failure as exc:
            print(f"real_code: {exc}", file=sys.stderr)
            return 2
    print(f"\n== total over {len(projects)} projects")
    print_tally(total)
    if misses_by_class:
        print("  misses by class: " + ", ".join(
            f"{kind} {n}" for kind, n in sorted(misses_by_class.items(), key=lambda kv: -kv[1])
        ))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
