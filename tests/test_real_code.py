"""pinlint on real code: the complete installed sources of the test dependencies lint without a
crash, without PIN900 on any file Python itself parses, and to the same report with one process,
two processes and a warm cache. The one-process run is also the first pass's proof on real code:
conftest's `first_pass_loses_nothing` lints every file it cleared again in full (about a minute).

Also the real-code benchmark's sources (benchmarks/real_code.py): PyPI sdists and GitHub commits
land in its cache from local archives and git directories, without the network."""

from __future__ import annotations

import ast
import importlib.util
import io
import subprocess
import tarfile
import warnings
from pathlib import Path

import pytest

from pinlint.cache import Cache
from pinlint.diagnostics import Confidence
from pinlint.engine import lint_paths
from pinlint.settings import Settings
from pinlint.targets import Target

PACKAGES = ("django", "sqlalchemy", "asyncpg", "psycopg", "psycopg2", "pymysql")
BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _package(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        pytest.fail(f"{name} is not installed: the test extra installs it (pip install -e '.[test]')")
    return Path(next(iter(spec.submodule_search_locations)))


def _python_parses(path: Path) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(path.read_bytes())
    except (SyntaxError, ValueError):
        return False
    return True


def _lines(report) -> list[str]:
    return [f"{f.path}:{f.row}:{f.col}:{f.end_row}:{f.end_col}: {f.line_text}" for f in report.findings]


@pytest.mark.slow
@pytest.mark.integration
def test_installed_sources_lint_cleanly_and_identically_in_every_mode(tmp_path):
    packages = [_package(name) for name in PACKAGES]
    root = packages[0].parent
    # Everything reportable, so that every rule runs on this code.
    settings = Settings(root=root, targets=tuple(Target), min_confidence=Confidence.LOW, respect_gitignore=False)

    one = lint_paths(packages, settings, root, jobs=1)
    cache = Cache(tmp_path / "cache", settings)
    two = lint_paths(packages, settings, root, jobs=2, cache=cache)
    cache.save(root)
    warm = lint_paths(packages, settings, root, jobs=2, cache=Cache(tmp_path / "cache", settings))

    assert one.files > 1200
    unparsable = [f for f in one.findings if f.code == "PIN900" and _python_parses(root / f.path)]
    assert unparsable == []
    assert _lines(one) == _lines(two) == _lines(warm)
    assert one.files == two.files == warm.files


@pytest.mark.slow
@pytest.mark.integration
def test_the_fast_walk_matches_libcsts_order_on_real_code():
    import libcst as cst

    from test_walk import Recorder

    from pinlint.python import walk as walk_module
    from pinlint.python.walk import walk

    # The modules pinlint analyses in full there: database backends, full of every kind of syntax.
    trees = [_package("django") / "db", _package("sqlalchemy") / "dialects" / "postgresql", _package("asyncpg")]
    checked = 0
    for path in sorted(p for tree in trees for p in tree.rglob("*.py")):
        module = cst.parse_module(path.read_bytes())
        by_libcst, by_walk = Recorder(passing_by=walk_module._PASSED_BY), Recorder()
        module.visit(by_libcst)
        walk(module, by_walk)
        assert by_walk.events == by_libcst.events, path
        checked += 1
    assert checked > 150


# The benchmark's sources.

HAZARD = 'import psycopg\n\n\ndef connect(dsn):\n    return psycopg.connect(dsn, options="-c statement_timeout=5s")\n'


@pytest.fixture
def real_code(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import real_code

    return real_code


def _git(*args: str, cwd: Path) -> str:
    identity = ["-c", "user.name=corpus", "-c", "user.email=corpus@example.invalid"]
    done = subprocess.run(["git", *identity, *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _mirror(tmp_path: Path, lacking: str | None = None) -> tuple[Path, str]:
    """A mirror folder holding acme/queue as a bare git dir, and the commit with the hazard: the
    commit after it removes the hazard, so only an archive of the pinned commit has it. With
    `lacking`, that file is in the commit but its contents are not in the mirror."""
    work = tmp_path / "work"
    (work / "queue").mkdir(parents=True)
    _git("init", "--quiet", cwd=work)
    (work / "queue" / "db.py").write_text(HAZARD)
    if lacking:
        (work / lacking).write_text("too large to keep")
    _git("add", ".", cwd=work)
    _git("commit", "--quiet", "-m", "hazard", cwd=work)
    pinned = _git("rev-parse", "HEAD", cwd=work)
    (work / "queue" / "db.py").write_text("")
    _git("commit", "--quiet", "-am", "no hazard", cwd=work)
    mirror = tmp_path / "mirror"
    bare = mirror / "acme+queue" / "repo"
    _git("clone", "--quiet", "--bare", str(work), str(bare), cwd=tmp_path)
    if lacking:
        blob = _git("rev-parse", f"{pinned}:{lacking}", cwd=bare)
        (bare / "objects" / blob[:2] / blob[2:]).unlink()  # a local clone keeps objects loose
    return mirror, pinned


def _corpus(tmp_path: Path, commit: str) -> Path:
    corpus = tmp_path / "corpus.toml"
    corpus.write_text(f"""
[[project]]
name = "acme/queue"
git = "https://github.com/acme/queue"
commit = "{commit}"
why = "a connect call with a libpq option"

[[project.expect]]
file = "queue/db.py"
line = 5
code = "PIN201"
class = "direct"
note = "options=-c statement_timeout"

[[project.expect]]
file = "queue/db.py"
line = 5
code = "PIN202"
class = "direct"
note = "no prepare_threshold=None"
""")
    return corpus


def _tarball(path: Path, members: dict[str, bytes], links: dict[str, str] | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tf.addfile(info)


def test_a_github_commit_comes_from_the_mirror_once_and_is_measured(tmp_path, real_code, capsys):
    mirror, commit = _mirror(tmp_path)
    corpus, cache = _corpus(tmp_path, commit), tmp_path / "cache"

    assert real_code.main(["--corpus", str(corpus), "--cache", str(cache), "--mirror", str(mirror)]) == 0
    out = capsys.readouterr().out
    assert f"== acme/queue {commit[:12]}: a connect call with a libpq option" in out
    assert "recall of labelled hazards: >=low 1.00 (2/2)" in out
    assert "label problem" not in out
    home = cache / "github" / f"acme+queue-{commit}"
    assert [p.name for p in (home / "tarball").iterdir()] == [f"{commit}.tar"]
    assert [p.name for p in (home / "src").iterdir()] == [f"queue-{commit}"]

    # Measured again from the cache alone: no mirror, and GitHub is never asked.
    (mirror / "acme+queue" / "repo").rename(tmp_path / "gone")
    assert real_code.main(["--corpus", str(corpus), "--cache", str(cache)]) == 0
    assert "recall of labelled hazards: >=low 1.00 (2/2)" in capsys.readouterr().out


def test_a_commit_the_mirror_lacks_is_a_failure(tmp_path, real_code, capsys):
    mirror, _ = _mirror(tmp_path)
    absent = _corpus(tmp_path, "0" * 40)
    assert real_code.main(["--corpus", str(absent), "--cache", str(tmp_path / "c1"), "--mirror", str(mirror)]) == 2
    assert "git archive of 0000000000000000000000000000000000000000" in capsys.readouterr().err
    # nothing half-written that a later run would take for the archive
    assert list((tmp_path / "c1" / "github" / f"acme+queue-{'0' * 40}").rglob("*")) == [
        tmp_path / "c1" / "github" / f"acme+queue-{'0' * 40}" / "tarball"
    ]

    assert real_code.main(["--corpus", str(absent), "--cache", str(tmp_path / "c2"), "--mirror", str(tmp_path)]) == 2
    assert "no git directory for acme/queue" in capsys.readouterr().err


def test_files_the_mirror_lacks_are_left_out_and_named(tmp_path, real_code, capsys):
    import real_code_sources

    mirror, commit = _mirror(tmp_path, lacking="schema.json")
    source = real_code_sources.GitHubCommit(owner="acme", repo="queue", commit=commit)

    top = real_code_sources.unpacked(source, tmp_path / "cache", mirror)
    assert sorted(p.relative_to(top).as_posix() for p in top.rglob("*")) == ["queue", "queue/db.py"]
    assert "acme/queue: left out, the mirror lacks their contents: schema.json" in capsys.readouterr().err


def test_a_github_commit_downloads_the_codeload_tarball(tmp_path, real_code, monkeypatch):
    import real_code_sources

    commit = "a" * 40
    codeload = tmp_path / "codeload"
    _tarball(codeload / "acme" / "queue" / "tar.gz" / commit, {f"queue-{commit}/queue/db.py": HAZARD.encode()})
    monkeypatch.setattr(real_code_sources, "CODELOAD", codeload.as_uri())
    source = real_code_sources.GitHubCommit.parse("https://github.com/acme/queue.git", commit)

    top = real_code_sources.unpacked(source, tmp_path / "cache")
    assert top == tmp_path / "cache" / "github" / f"acme+queue-{commit}" / "src" / f"queue-{commit}"
    assert (top / "queue" / "db.py").read_text() == HAZARD

    missing = real_code_sources.GitHubCommit.parse("https://github.com/acme/queue", "b" * 40)
    with pytest.raises(real_code_sources.Failure, match="--mirror"):
        real_code_sources.unpacked(missing, tmp_path / "cache")
    assert list((tmp_path / "cache" / "github" / f"acme+queue-{'b' * 40}").rglob("*.part")) == []


@pytest.mark.parametrize(
    "members, links",
    [
        ({"queue-x/ok.py": b"", "../escaped.py": b""}, {}),
        # unpacked below the folder, without its leading slash: then there are two top folders
        ({"queue-x/ok.py": b"", "{tmp}/absolute.py": b""}, {}),
        ({"queue-x/ok.py": b""}, {"queue-x/out": "/etc/passwd"}),
        ({"queue-x/ok.py": b""}, {"queue-x/up": "../../.."}),
    ],
    ids=["dot-dot", "absolute", "absolute-link", "link-out"],
)
def test_an_archive_reaching_outside_its_folder_is_not_unpacked(tmp_path, real_code, monkeypatch, members, links):
    import real_code_sources

    members = {name.format(tmp=tmp_path): data for name, data in members.items()}
    commit = "c" * 40
    codeload = tmp_path / "codeload"
    _tarball(codeload / "acme" / "queue" / "tar.gz" / commit, members, links)
    monkeypatch.setattr(real_code_sources, "CODELOAD", codeload.as_uri())
    source = real_code_sources.GitHubCommit(owner="acme", repo="queue", commit=commit)

    with pytest.raises(real_code_sources.Failure, match="does not unpack"):
        real_code_sources.unpacked(source, tmp_path / "cache" / "deep")
    assert not (tmp_path / "cache" / "deep" / "github" / f"acme+queue-{commit}" / "src").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "codeload"]


def test_a_cached_sdist_is_unpacked_without_pip(tmp_path, real_code):
    import real_code_sources

    sdist = real_code_sources.Sdist(name="acme-queue", version="1.0")
    _tarball(tmp_path / "acme-queue-1.0" / "sdist" / "acme_queue-1.0.tar.gz", {"acme_queue-1.0/db.py": b""})
    assert real_code_sources.unpacked(sdist, tmp_path) == tmp_path / "acme-queue-1.0" / "src" / "acme_queue-1.0"


def test_the_shipped_corpus_loads(real_code):
    assert len(real_code.load_corpus(real_code.DEFAULT_CORPUS)) > 10


@pytest.mark.parametrize(
    "pin, problem",
    [
        ('git = "https://github.com/acme/queue"\ncommit = "abc123"', "not a full 40-digit"),
        (f'git = "https://gitlab.com/acme/queue"\ncommit = "{"a" * 40}"', "is not https://github.com/OWNER/NAME"),
        (f'commit = "{"a" * 40}"', "is not https://github.com/OWNER/NAME"),
        (f'version = "1.0"\ngit = "https://github.com/acme/queue"\ncommit = "{"a" * 40}"', "not both"),
        ("", "needs an exact version or a git commit"),
    ],
)
def test_a_project_needs_one_exact_pin(tmp_path, real_code, capsys, pin, problem):
    corpus = tmp_path / "corpus.toml"
    corpus.write_text(f'[[project]]\nname = "acme/queue"\n{pin}\n')
    assert real_code.main(["--corpus", str(corpus)]) == 2
    assert problem in capsys.readouterr().err
