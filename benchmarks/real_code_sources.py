"""Where real_code.py gets a project's code, and how it lands in the cache.

Two kinds of pinned source:

- `Sdist`: a source distribution from PyPI at an exact version, through `pip download` (so
  pip's index configuration applies);
- `GitHubCommit`: a GitHub repository at a 40-digit commit, as the tarball
  `https://codeload.github.com/OWNER/NAME/tar.gz/COMMIT`, or, with a mirror folder, as the
  `git archive` of that commit from a local bare git directory `MIRROR/OWNER+NAME` (or
  `MIRROR/OWNER+NAME/repo`), for machines that cannot reach GitHub. Files whose contents that
  copy lacks (a partial or size-limited clone) are left out, and named on stderr.

Each archive is fetched once into `CACHE/<folder>/<archive kind>/` and unpacked into
`CACHE/<folder>/src/`, which must then hold exactly one top folder. Tar archives go through
tarfile's `data` filter, so nothing lands outside: members with `..`, links leading out and
devices fail the unpacking, and absolute names lose their leading slash.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

CODELOAD = "https://codeload.github.com"
DOWNLOAD_TIMEOUT = 120  # seconds without a byte before a download is given up
GITHUB_URL = re.compile(r"https://github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?")
FULL_COMMIT = re.compile(r"[0-9a-f]{40}")


class Failure(Exception):
    """A download, unpack or lint that leaves no figures to report."""


@dataclass(frozen=True)
class Sdist:
    name: str
    version: str
    archive_kind = "sdist"

    @property
    def pin(self) -> str:
        return self.version

    @property
    def folder(self) -> str:
        return f"{self.name}-{self.version}"

    def fetch(self, archives: Path, mirror: Path | None) -> None:
        # --no-binary on the project alone: its build backend may come as a wheel, which keeps
        # the metadata step from compiling setuptools and friends from source.
        cmd = [
            sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
            "--no-binary", self.name, f"{self.name}=={self.version}",
            "-d", str(archives),
        ]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0 or not any(archives.iterdir()):
            raise Failure(f"download of {self.name}=={self.version} failed:\n{done.stderr}")


@dataclass(frozen=True)
class GitHubCommit:
    owner: str
    repo: str
    commit: str
    archive_kind = "tarball"

    @classmethod
    def parse(cls, url: object, commit: object) -> GitHubCommit:
        match = GITHUB_URL.fullmatch(url) if isinstance(url, str) else None
        if not match:
            raise ValueError(f"git = {url!r} is not https://github.com/OWNER/NAME")
        if not isinstance(commit, str) or not FULL_COMMIT.fullmatch(commit):
            raise ValueError(f"commit = {commit!r} is not a full 40-digit lower-case commit")
        return cls(owner=match[1], repo=match[2], commit=commit)

    @property
    def pin(self) -> str:
        return self.commit[:12]

    @property
    def folder(self) -> str:
        return f"github/{self.owner}+{self.repo}-{self.commit}"

    def fetch(self, archives: Path, mirror: Path | None) -> None:
        # Written beside the archives and moved in when whole: the cache trusts any archive there.
        partial = archives.parent / f"{self.commit}.part"
        if mirror is None:
            self._download(partial)
            partial.rename(archives / f"{self.commit}.tar.gz")
        else:
            self._archive(self._git_dir(mirror), partial)
            partial.rename(archives / f"{self.commit}.tar")

    def _download(self, to: Path) -> None:
        url = f"{CODELOAD}/{self.owner}/{self.repo}/tar.gz/{self.commit}"
        try:
            with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
                with to.open("wb") as out:
                    shutil.copyfileobj(response, out)
        except (urllib.error.URLError, OSError) as exc:
            to.unlink(missing_ok=True)
            raise Failure(
                f"download of {url} failed: {exc}; --mirror reads commits from local git dirs"
            ) from None

    def _git_dir(self, mirror: Path) -> Path:
        home = mirror / f"{self.owner}+{self.repo}"
        for candidate in (home / "repo", home):
            if (candidate / "objects").is_dir():
                return candidate
        raise Failure(f"no git directory for {self.owner}/{self.repo} at {home} or {home / 'repo'}")

    def _archive(self, git_dir: Path, to: Path) -> None:
        git = ["git", f"--git-dir={git_dir}"]
        missing = _missing_blobs(git, self.commit)
        if missing:
            print(
                f"real_code: {self.owner}/{self.repo}: left out, the mirror lacks their contents: "
                + ", ".join(missing),
                file=sys.stderr,
            )
        cmd = [
            *git, "archive", "--format=tar", f"--prefix={self.repo}-{self.commit}/",
            f"--output={to}", self.commit, "--", ".",
            *(f":(exclude,literal){path}" for path in missing),
        ]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            to.unlink(missing_ok=True)
            raise Failure(f"git archive of {self.commit} in {git_dir} failed:\n{done.stderr}")


def _missing_blobs(git: list[str], commit: str) -> list[str]:
    """Paths at the commit whose contents the git dir lacks: a partial or size-limited copy
    leaves out its largest files, and git archive stops at the first it cannot read."""
    listing = subprocess.run([*git, "ls-tree", "-r", "-z", commit], capture_output=True, text=True)
    if listing.returncode != 0:
        return []  # an unknown commit: git archive says so
    blobs: dict[str, list[str]] = {}
    for entry in listing.stdout.split("\0"):
        mode_type_sha, _, path = entry.partition("\t")
        fields = mode_type_sha.split(" ")
        if len(fields) == 3 and fields[1] == "blob":
            blobs.setdefault(fields[2], []).append(path)
    known = subprocess.run(
        [*git, "cat-file", "--batch-check"],
        input="".join(f"{sha}\n" for sha in blobs), capture_output=True, text=True,
    )  # fmt: skip
    absent = [line.split(" ")[0] for line in known.stdout.splitlines() if line.endswith(" missing")]
    return sorted(path for sha in absent for path in blobs[sha])


Source = Sdist | GitHubCommit


def unpacked(source: Source, cache: Path, mirror: Path | None = None) -> Path:
    """The source's top folder, fetching and unpacking only what the cache lacks."""
    home = cache / source.folder
    src = home / "src"
    if src.is_dir() and len(list(src.iterdir())) == 1:
        return next(src.iterdir())
    archives = home / source.archive_kind
    archives.mkdir(parents=True, exist_ok=True)
    if not any(archives.iterdir()):
        source.fetch(archives, mirror)
    archive = next(archives.iterdir())
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    try:
        _extract(archive, src)
    except (tarfile.TarError, zipfile.BadZipFile) as exc:
        shutil.rmtree(src)
        raise Failure(f"{archive} does not unpack safely: {exc}") from None
    tops = list(src.iterdir())
    if len(tops) != 1 or not tops[0].is_dir():
        shutil.rmtree(src)
        raise Failure(f"{archive} does not unpack into one folder")
    return tops[0]


def _extract(archive: Path, into: Path) -> None:
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(into)
    elif archive.name.endswith((".tar.gz", ".tgz", ".tar.bz2", ".tar")):
        with tarfile.open(archive) as tf:
            tf.extractall(into, filter="data")
    else:
        raise Failure(f"{archive.name} is not a source archive")
