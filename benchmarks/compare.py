"""Lint one large real tree with pinlint, flake8 and ruff and compare them side by side.

Measured, for every tool: wall time (``time.perf_counter`` around the subprocess, its
output read from a pipe and discarded) and peak memory (the RSS of the process and all
its children, summed, sampled every 10 ms).  Pinlint runs twice over: cold (no cache)
and warm (a cache filled by an untimed priming run), plus once on a single small file.

The tools run alternately (cold, warm, flake8, ruff, one file; then again) after one
untimed warm-up run each, so that machine noise falls on all of them alike, and the
medians are compared, which one slow outlier cannot move.  Memory is taken over the
whole process tree because pinlint and flake8 lint in worker processes.

Every tool runs as an installed one does, from bytecode: the warm-up run writes it to a
temporary ``PYTHONPYCACHEPREFIX`` (``PYTHONDONTWRITEBYTECODE`` is dropped), so an editable
checkout is not recompiled on every run and neither the source tree nor site-packages is
written to.

The runs are checked too: cold and warm must print byte-identical output, a timed warm
run must not write to its cache (then it missed it), and pinlint's source must not
change meanwhile (an edit while it runs makes the numbers mix versions).

Usage: python benchmarks/compare.py [PATH | --django-source] [--runs N] [--jobs N] [--json FILE]
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import difflib
import hashlib
import importlib.metadata
import importlib.util
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

try:
    import psutil

    from pinlint.engine import default_jobs  # every tool gets the job count pinlint defaults to
except ImportError as error:
    sys.exit(f"{error.name} is not installed; install the bench extra: pip install -e '.[bench]'")

BENCH_EXTRA_HINT = "install the bench extra: pip install -e '.[bench]'"
SAMPLE_SECONDS = 0.01
# Listing a process's children scans all of /proc (milliseconds), so it is redone only
# every tenth sample; the workers of pinlint and flake8 live as long as the run anyway.
SAMPLES_PER_CHILDREN_REFRESH = 10
MB = 1024 * 1024

COLD_PER_FLAKE8_GOAL = 0.15
WARM_PER_FLAKE8_GOAL = 0.03
PEAK_MB_GOAL = 300
ONE_FILE_SECONDS_GOAL = 0.5

# pinlint registers itself as a flake8 plugin (code PIN, distribution pinlint-db), so a
# plain flake8 would run pinlint as well; this runs flake8 with its own plugins only.
FLAKE8_WITHOUT_PINLINT = """\
import multiprocessing
import sys

from flake8.plugins import finder

if not hasattr(finder, "_find_importlib_plugins"):
    sys.exit("benchmarks/compare.py: flake8.plugins.finder._find_importlib_plugins is gone; "
             "update the wrapper that keeps pinlint's plugin out of flake8")
find_all_plugins = finder._find_importlib_plugins

def find_plugins_but_pinlint():
    return (p for p in find_all_plugins() if p.package.lower().replace("_", "-") != "pinlint-db")

finder._find_importlib_plugins = find_plugins_but_pinlint
# With forkserver (Linux's default since Python 3.14) or spawn, flake8's workers would
# discover the plugins again, without the patch.
multiprocessing.set_start_method("fork")

from flake8.main.cli import main

sys.exit(main())
"""


class BenchmarkError(Exception):
    """A tool is missing or failed: the comparison cannot be made."""


@dataclass
class Run:
    seconds: float
    peak_bytes: int
    stdout: bytes


@dataclass
class Tool:
    name: str
    command: list[str]
    ok_returncodes: frozenset[int] = frozenset({0})
    extra_env: dict[str, str] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)
    peak_bytes: int = 0
    outputs: dict[str, bytes] = field(default_factory=dict)
    output_count: int = 0
    cache_dir: Path | None = None  # a warm run must leave it as it found it
    rounds_that_wrote_cache: list[int] = field(default_factory=list)

    def record_output(self, run: Run) -> None:
        self.output_count += 1
        self.outputs.setdefault(hashlib.sha256(run.stdout).hexdigest(), run.stdout)

    def record_timed(self, run: Run) -> None:
        self.seconds.append(run.seconds)
        self.peak_bytes = max(self.peak_bytes, run.peak_bytes)
        self.record_output(run)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


class ProcessTreeMemory:
    """Peak of the summed RSS of a process and its descendants, sampled in a thread."""

    def __init__(self, pid: int) -> None:
        self._root = psutil.Process(pid)
        self._processes = [self._root]
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample_until_done, daemon=True)
        self.peak_bytes = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> int:
        self._done.set()
        self._thread.join()
        return self.peak_bytes

    def _sample_until_done(self) -> None:
        for sample in itertools.count():
            if sample % SAMPLES_PER_CHILDREN_REFRESH == 0:
                self._refresh_processes()
            self.peak_bytes = max(self.peak_bytes, self._summed_rss())
            if self._done.wait(SAMPLE_SECONDS):
                return

    def _refresh_processes(self) -> None:
        try:
            self._processes = [self._root, *self._root.children(recursive=True)]
        except psutil.Error:
            pass  # the root has exited; keep the last known tree

    def _summed_rss(self) -> int:
        total = 0
        for process in self._processes:
            try:
                total += process.memory_info().rss
            except psutil.Error:
                pass  # exited between the listing and now
        return total


def printable(command: list[str]) -> str:
    return " ".join("'<script>'" if "\n" in arg else arg for arg in command)


def run_tool(tool: Tool, cwd: Path, environment: dict[str, str]) -> Run:
    start = time.perf_counter()
    process = subprocess.Popen(
        tool.command, cwd=cwd, env={**environment, **tool.extra_env},
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    memory = ProcessTreeMemory(process.pid)
    memory.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - start
    peak_bytes = memory.stop()
    if process.returncode not in tool.ok_returncodes:
        raise BenchmarkError(
            f"{tool.name} failed with exit code {process.returncode}\n"
            f"command: {printable(tool.command)}\n{stderr.decode(errors='replace')}"
        )
    return Run(seconds, peak_bytes, stdout)


def capture(command: list[str]) -> str:
    result = subprocess.run(command, check=False, capture_output=True, text=True)
    if result.returncode != 0:
        raise BenchmarkError(f"{printable(command)} failed with exit code {result.returncode}\n{result.stderr}")
    return result.stdout.strip()


def default_tree() -> Path:
    spec = importlib.util.find_spec("django")
    if spec is None or not spec.submodule_search_locations:
        raise BenchmarkError(f"Django is not installed and no PATH was given; {BENCH_EXTRA_HINT}")
    return Path(next(iter(spec.submodule_search_locations)))


def django_source_tree(directory: Path) -> Path:
    """The source tree of the installed Django version (its sdist: the package, tests, docs),
    which the issue's goals are stated for, unpacked into ``directory``."""
    try:
        version = importlib.metadata.version("django")
    except importlib.metadata.PackageNotFoundError:
        raise BenchmarkError(f"Django is not installed; {BENCH_EXTRA_HINT}") from None
    print(f"downloading the Django {version} source distribution ...", file=sys.stderr)
    capture([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
             "--dest", str(directory), f"django=={version}"])
    archives = sorted(directory.glob("*.tar.gz"))
    if not archives:
        raise BenchmarkError(f"pip left no source archive of Django {version} in {directory}")
    with tarfile.open(archives[0]) as archive:
        # Only regular files and directories inside the target, where Python offers the filter.
        archive.extractall(directory, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    trees = [path for path in directory.iterdir() if path.is_dir()]
    if len(trees) != 1:
        raise BenchmarkError(f"the Django {version} source archive did not unpack into one directory")
    return trees[0]


def find_ruff() -> str:
    ruff = shutil.which("ruff", path=os.path.dirname(sys.executable)) or shutil.which("ruff")
    if ruff is None:
        raise BenchmarkError(f"ruff is not installed; {BENCH_EXTRA_HINT}")
    return ruff


def require_flake8() -> None:
    if importlib.util.find_spec("flake8") is None:
        raise BenchmarkError(f"flake8 is not installed; {BENCH_EXTRA_HINT}")


def python_files(tree: Path) -> list[Path]:
    if tree.is_file():
        return [tree]
    return sorted(tree.rglob("*.py"))


def line_count(path: Path) -> int:
    return path.read_bytes().count(b"\n")


def typical_small_file(files: list[Path]) -> Path:
    """The non-empty file of median length: what an editor or pre-commit hook lints."""
    sized = sorted((line_count(path), str(path)) for path in files)
    non_empty = [entry for entry in sized if entry[0] > 0] or sized
    return Path(non_empty[len(non_empty) // 2][1])


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return platform.processor() or "unknown"


def make_tools(tree: Path, one_file: Path, cache_dir: Path, jobs: int, ruff: str) -> dict[str, Tool]:
    """The tools by name, in the order each round runs them."""
    pinlint = [sys.executable, "-m", "pinlint", "check"]
    common = ["--jobs", str(jobs), "--exit-zero", "--output-format", "concise"]
    tools = [
        Tool("pinlint cold", [*pinlint, str(tree), "--no-cache", *common]),
        Tool("pinlint warm", [*pinlint, str(tree), "--cache-dir", str(cache_dir), *common], cache_dir=cache_dir),
        Tool("flake8", [sys.executable, "-c", FLAKE8_WITHOUT_PINLINT, "-j", str(jobs), "--exit-zero", str(tree)]),
        # ruff has no --jobs; its thread pool (rayon) takes the count from this variable.
        Tool("ruff", [ruff, "check", "--no-cache", "--exit-zero", "--quiet", str(tree)],
             extra_env={"RAYON_NUM_THREADS": str(jobs)}),
        # Exit code 1 only means findings here: the command is the plain one a user types.
        Tool("pinlint one file", [*pinlint, str(one_file), "--no-cache"], ok_returncodes=frozenset({0, 1})),
    ]
    return {tool.name: tool for tool in tools}


def tool_versions(ruff: str) -> dict[str, str]:
    flake8_version = capture([sys.executable, "-c", FLAKE8_WITHOUT_PINLINT, "--version"])
    if "pinlint" in flake8_version.lower():
        raise BenchmarkError(f"the flake8 wrapper still loads pinlint's plugin:\n{flake8_version}")
    return {
        "pinlint": capture([sys.executable, "-m", "pinlint", "--version"]),
        # argparse wraps the line at 80 columns when not on a terminal
        "flake8": " ".join(flake8_version.split()),
        "ruff": capture([ruff, "--version"]),
    }


def files_state(directory: Path | None, pattern: str = "*") -> dict[str, tuple[int, int]]:
    """Size and modification time of the files under ``directory``, by relative path."""
    state = {}
    for path in directory.rglob(pattern) if directory else ():
        if path.is_file():
            stat = path.stat()
            state[str(path.relative_to(directory))] = (stat.st_size, stat.st_mtime_ns)
    return state


def pinlint_source_dir() -> Path:
    return Path(importlib.util.find_spec("pinlint").origin).parent


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure(tools: dict[str, Tool], runs: int, cwd: Path, environment: dict[str, str]) -> None:
    progress("priming the warm cache ...")
    warm = tools["pinlint warm"]
    warm.record_output(run_tool(warm, cwd, environment))
    progress("warm-up run of each tool ...")
    for tool in tools.values():
        tool.record_output(run_tool(tool, cwd, environment))
    for round_number in range(1, runs + 1):
        for tool in tools.values():
            cache_before = files_state(tool.cache_dir)
            run = run_tool(tool, cwd, environment)
            tool.record_timed(run)
            if files_state(tool.cache_dir) != cache_before:
                tool.rounds_that_wrote_cache.append(round_number)
            progress(f"round {round_number}/{runs}: {tool.name:<16} {run.seconds:7.2f} s  {run.peak_bytes / MB:6.0f} MB")


def cold_warm_comparison(cold: Tool, warm: Tool) -> tuple[bool, str]:
    """Whether every cold and warm run printed the same bytes, and a line saying so."""
    outputs = {**cold.outputs, **warm.outputs}
    runs = cold.output_count + warm.output_count
    if len(outputs) == 1:
        findings = len(next(iter(outputs.values())).splitlines())
        return True, f"byte-identical across all {runs} cold and warm runs ({findings} findings)"
    first, second = (output.decode(errors="replace").splitlines() for output in list(outputs.values())[:2])
    diff = difflib.unified_diff(first, second, "one run", "another run", lineterm="")
    shown = "\n".join(itertools.islice(diff, 40))
    return False, f"DIFFERENT: {len(outputs)} distinct outputs over {runs} runs; first difference:\n{shown}"


def warm_cache_line(warm: Tool) -> str:
    if not warm.rounds_that_wrote_cache:
        return f"read only: left unchanged by every timed warm run ({len(warm.seconds)})"
    rounds = ", ".join(map(str, warm.rounds_that_wrote_cache))
    return (f"REWRITTEN in round(s) {rounds}: those warm runs missed the cache "
            "(pinlint's code, its settings or the tree changed during the benchmark)")


def source_change_line(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> str:
    if before == after:
        return "unchanged during the benchmark"
    changed = sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))
    return f"CHANGED during the benchmark, the runs mix pinlint versions: {', '.join(changed)}"


def ratio(numerator: Tool, denominator: Tool) -> float:
    return numerator.median / denominator.median


def verdict(met: bool) -> str:
    return "yes" if met else "NO"


def report(context: dict, tools: dict[str, Tool], checks: dict[str, str]) -> dict:
    cold, warm, flake8, ruff, one_file = (tools[name] for name in (
        "pinlint cold", "pinlint warm", "flake8", "ruff", "pinlint one file"))
    print(f"date:     {context['date']}")
    print(f"machine:  {context['cpu']}, {context['cores']} cores ({context['jobs']} jobs used), "
          f"{context['python']}, {context['os']}, load average {context['load_average']} at the start")
    print(f"tree:     {context['tree']} ({context['py_files']} .py files, {context['lines']} lines)")
    print(f"one file: {context['one_file']} ({context['one_file_lines']} lines)")
    for name, version in context["versions"].items():
        print(f"{name + ':':<9} {version}")
    print(f"runs:     {context['runs']} per tool, alternating, after one warm-up run each (which writes the "
          f"bytecode); ruff parallelises itself with threads (RAYON_NUM_THREADS={context['jobs']}), the others "
          "with processes")
    print()
    print(f"{'tool':<18}{'median s':>10}{'min s':>10}{'max s':>10}{'peak MB':>10}")
    for tool in tools.values():
        print(f"{tool.name:<18}{tool.median:>10.3f}{min(tool.seconds):>10.3f}"
              f"{max(tool.seconds):>10.3f}{tool.peak_bytes / MB:>10.0f}")
    print()
    ratios = {
        "pinlint-cold/flake8": ratio(cold, flake8),
        "pinlint-warm/flake8": ratio(warm, flake8),
        "pinlint-cold/ruff": ratio(cold, ruff),
        "pinlint-warm/ruff": ratio(warm, ruff),
    }
    pinlint_peak_mb = max(cold.peak_bytes, warm.peak_bytes) / MB
    goals = [
        ("pinlint-cold/flake8", f"{ratios['pinlint-cold/flake8']:.4f}", f"<= {COLD_PER_FLAKE8_GOAL}",
         ratios["pinlint-cold/flake8"] <= COLD_PER_FLAKE8_GOAL),
        ("pinlint-warm/flake8", f"{ratios['pinlint-warm/flake8']:.4f}", f"<= {WARM_PER_FLAKE8_GOAL}",
         ratios["pinlint-warm/flake8"] <= WARM_PER_FLAKE8_GOAL),
        ("pinlint-cold/ruff", f"{ratios['pinlint-cold/ruff']:.1f}", "-", None),
        ("pinlint-warm/ruff", f"{ratios['pinlint-warm/ruff']:.1f}", "-", None),
        ("pinlint peak memory", f"{pinlint_peak_mb:.0f} MB", f"< {PEAK_MB_GOAL} MB", pinlint_peak_mb < PEAK_MB_GOAL),
        ("pinlint one file", f"{one_file.median:.3f} s", f"< {ONE_FILE_SECONDS_GOAL} s",
         one_file.median < ONE_FILE_SECONDS_GOAL),
    ]
    print(f"{'goal (from the issue)':<22}{'measured':>10}{'goal':>12}{'met':>6}")
    for name, measured, goal, met in goals:
        print(f"{name:<22}{measured:>10}{goal:>12}{'' if met is None else verdict(met):>6}")
    print()
    for name, line in checks.items():
        print(f"{name}: {line}")
    return {
        "ratios": ratios,
        "goals": {name: {"measured": measured, "goal": goal, "met": met} for name, measured, goal, met in goals},
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    trees = parser.add_mutually_exclusive_group()
    trees.add_argument("path", nargs="?", type=Path, help="tree to lint (default: the installed Django package)")
    trees.add_argument("--django-source", action="store_true",
                       help="lint the source tree of the installed Django version instead (package, tests and "
                            "docs: the tree the goals are stated for), downloaded with pip")
    parser.add_argument("--runs", type=int, default=5, metavar="N", help="timed runs per tool (default: 5)")
    parser.add_argument("--jobs", type=int, default=default_jobs(), metavar="N",
                        help="processes or threads per tool (default: CPUs in the affinity mask)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results to FILE as JSON")
    args = parser.parse_args()
    if args.runs < 1 or args.jobs < 1:
        parser.error("--runs and --jobs must be at least 1")
    return args


def benchmark(args: argparse.Namespace) -> None:
    with contextlib.ExitStack() as stack:
        if args.django_source:
            download = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pinlint-bench-django-")))
            tree = django_source_tree(download)
        else:
            tree = args.path or default_tree()
        compare(args, tree.resolve())


def compare(args: argparse.Namespace, tree: Path) -> None:
    started = time.perf_counter()
    if not tree.exists():
        raise BenchmarkError(f"{tree} does not exist")
    require_flake8()
    ruff = find_ruff()
    versions = tool_versions(ruff)
    files = python_files(tree)
    if not files:
        raise BenchmarkError(f"{tree} has no .py files")
    one_file = typical_small_file(files)
    cwd = tree if tree.is_dir() else tree.parent
    context = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "jobs": args.jobs,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": platform.platform(),
        # other work on the machine slows every tool; a high figure makes the numbers suspect
        "load_average": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "tree": str(tree),
        "py_files": len(files),
        "lines": sum(line_count(path) for path in files),
        "one_file": str(one_file),
        "one_file_lines": line_count(one_file),
        "versions": versions,
        "runs": args.runs,
    }
    source_before = files_state(pinlint_source_dir(), "*.py")
    with tempfile.TemporaryDirectory(prefix="pinlint-bench-cache-") as cache_dir, \
            tempfile.TemporaryDirectory(prefix="pinlint-bench-bytecode-") as bytecode_dir:
        environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        environment["PYTHONPYCACHEPREFIX"] = bytecode_dir
        tools = make_tools(tree, one_file, Path(cache_dir), args.jobs, ruff)
        measure(tools, args.runs, cwd, environment)
    outputs_identical, outputs_line = cold_warm_comparison(tools["pinlint cold"], tools["pinlint warm"])
    checks = {
        "pinlint cold/warm concise output": outputs_line,
        "pinlint warm cache": warm_cache_line(tools["pinlint warm"]),
        "pinlint source": source_change_line(source_before, files_state(pinlint_source_dir(), "*.py")),
    }
    summary = report(context, tools, checks)
    elapsed = time.perf_counter() - started
    print(f"benchmark took {elapsed:.0f} s")
    if args.json:
        results = {
            **context,
            "tools": {tool.name: {
                "command": tool.command,
                "seconds": tool.seconds,
                "median_seconds": tool.median,
                "peak_mb": tool.peak_bytes / MB,
            } for tool in tools.values()},
            **summary,
            "cold_warm_outputs_identical": outputs_identical,
            "checks": checks,
            "elapsed_seconds": elapsed,
        }
        args.json.write_text(json.dumps(results, indent=2) + "\n")


def main() -> int:
    args = parse_args()
    try:
        benchmark(args)
    except BenchmarkError as error:
        print(f"compare.py: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
