"""The targets a project's own files show: read once per run, bounded, before any file is linted.

The project's files are walked as `pinlint check` walks them (`.gitignore`, excludes,
virtualenvs), and only the names that can show a pooler are read: PgBouncer ini files, YAML
manifests, Dockerfiles, Terraform, CloudFormation JSON, and the code and settings files whose
connection strings name a pooler's host or port. At most `MAX_FILES` files of at most
`MAX_FILE_BYTES` each are read.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache
from pathlib import Path

from pinlint.deployment.hosts import hosts_in
from pinlint.deployment.manifests import dockerfile_images, json_manifest, yaml_manifest
from pinlint.deployment.model import PGBOUNCER, PGDOG, RDS_PROXY, SUPAVISOR, Deployment, Sighting, Sign
from pinlint.deployment.pgbouncer_ini import has_pgbouncer_section, read_pgbouncer_ini
from pinlint.deployment.terraform import terraform_proxies
from pinlint.deployment.versions import shown
from pinlint.reading import read_regular_file
from pinlint.targets import DEFAULT_TARGETS, REPORTED_PARAMETERS, Target

MAX_FILES = 20_000
MAX_FILE_BYTES = 1024 * 1024
# Markers of a project's root, where the walk for evidence starts when no configuration file says.
_ROOT_MARKERS = (".git", "pyproject.toml", "setup.py", "setup.cfg")
_TEXT_SUFFIXES = (".py", ".env", ".toml", ".cfg", ".properties", ".conf", ".sql")
_YAML_SUFFIXES = (".yml", ".yaml")
# Drivers that prepare named statements unless told not to (PIN301), by their declared names.
_PREPARING = {"asyncpg": "asyncpg", "psycopg": "psycopg", "psycopgbinary": "psycopg", "psycopgpool": "psycopg"}


# Where a project does not say where it runs: its tests' fixtures and its documentation (pinlint's
# own tests hold a PgBouncer ini of every kind). Not walked, which also keeps the walk short.
_NOT_DEPLOYMENT = frozenset({"tests", "test", "testing", "fixtures", "docs", "doc", "node_modules"})
# Python modules that hold connection settings: the others are not read for pooler hosts.
_SETTINGS_MODULE = re.compile(r"(?:settings|config|conf|database|db|dsn|env|connection|engine|session)\w*\.py", re.IGNORECASE)


def evidence_name(name: str) -> bool:
    lower = name.lower()
    if lower.endswith(".py"):
        return _SETTINGS_MODULE.search(lower) is not None
    return (
        lower.endswith((".ini", ".tf", ".json", *_YAML_SUFFIXES, *_TEXT_SUFFIXES))
        or lower.startswith((".env", "dockerfile")) or lower.endswith(".dockerfile")
    )


def sightings_in(text: str, name: str) -> list[Sighting]:
    """What one file shows; ``name`` (its base name) decides how it is read."""
    lower = name.lower()
    found: list[Sighting] = []
    if lower.endswith(".ini") and has_pgbouncer_section(text):
        sighting = read_pgbouncer_ini(text)
        if sighting is not None:
            found.append(sighting)
    elif lower.endswith(_YAML_SUFFIXES):
        found.extend(yaml_manifest(text))
    elif lower.endswith(".tf"):
        found.extend(terraform_proxies(text))
    elif lower.endswith(".json"):
        found.extend(json_manifest(text))
    elif lower.startswith("dockerfile") or lower.endswith(".dockerfile"):
        found.extend(dockerfile_images(text))
    if lower == "pgdog.toml":
        found.append(Sighting(PGDOG, 1, "PgDog's configuration file"))
    if not lower.endswith(".tf"):
        found.extend(hosts_in(text))
    return found


def project_root(start: Path) -> Path:
    """The nearest directory at or above ``start`` that holds a project's root marker, else ``start``."""
    for directory in (start, *start.parents):
        try:
            names = set(os.listdir(directory))
        except OSError:
            continue
        if not names.isdisjoint(_ROOT_MARKERS):
            return directory
    return start


def infer_deployment(root: Path, settings) -> Deployment:
    """The deployment the files under ``root`` show; the default targets when none is shown.
    Remembered per project and excludes: an editor asks for every directory it opens a file in."""
    return _inferred(root, settings.root, settings.exclude + settings.extend_exclude, settings.respect_gitignore)


@lru_cache(maxsize=64)
def _inferred(root: Path, anchor: Path, excludes: tuple[str, ...], respect_gitignore: bool) -> Deployment:
    from pinlint.discovery import Discovery
    from pinlint.settings import Settings

    walking = Settings(root=anchor, exclude=excludes, respect_gitignore=respect_gitignore)
    discovery = Discovery(walking, evidence_name, _NOT_DEPLOYMENT.__contains__)
    files = discovery.files([root]) if os.path.isdir(root) else []
    notes = []
    if len(files) > MAX_FILES:
        notes.append(f"looked for deployment evidence in the first {MAX_FILES} of {len(files)} files")
        files = files[:MAX_FILES]
    found: list[tuple[str, Sighting]] = []
    digests: list[tuple[str, str]] = []
    for path in files:
        try:
            data = read_regular_file(path, MAX_FILE_BYTES)
        except OSError:
            continue
        if len(data) > MAX_FILE_BYTES or b"\0" in data[:8192]:
            continue
        text = data.decode("utf-8", errors="replace")
        sightings = sightings_in(text, path.name)
        if sightings:
            shown_path = _shown(path, root)
            digests.append((shown_path, hashlib.sha256(data).hexdigest()))
            found.extend((shown_path, s) for s in sightings)
    return decide(found, _preparing_drivers(root), tuple(digests), tuple(notes))


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def decide(
    found: list[tuple[str, Sighting]], preparing: tuple[str, ...] = (), files: tuple = (), notes: tuple = ()
) -> Deployment:
    """Targets from sightings. A PgBouncer ini decides its pooler's mode and settings; an image's
    tag gives the version; a port or an image without settings counts when no ini is there."""
    versions = [s.version for _, s in found if s.pooler == PGBOUNCER and s.version]
    version = min(versions) if versions else None  # the oldest, whose hazards are the most
    telling = min((s.rank for _, s in found if s.pooler == PGBOUNCER), default=0)
    signs: list[Sign] = []
    targets: set[Target] = set()
    tracked: list[frozenset[str]] = []
    for filename, sighting in found:
        if sighting.pooler == PGBOUNCER and sighting.rank > telling:
            target, why = None, _DECIDED_BY[telling]
        else:
            target, why = _target(sighting, version if sighting.rank == 0 else sighting.version)
        if target is not None:
            targets.add(target)
            if sighting.pooler == PGBOUNCER and not sighting.session:
                tracked.append(_extra_tracked(sighting, version))
        signs.append(Sign(target, filename, sighting.row, sighting.reason + (f"; {why}" if why else "")))
    if not targets:
        return Deployment(DEFAULT_TARGETS, tuple(signs), "default", frozenset(), preparing, files, notes)
    extra = frozenset.intersection(*tracked) if tracked else frozenset()
    ordered = tuple(t for t in Target if t in targets)
    return Deployment(ordered, tuple(signs), "inferred", extra, preparing, files, notes)


_DECIDED_BY = {0: "the pooler's own configuration file decides", 1: "the pooler's image decides"}


def _target(sighting: Sighting, version: tuple[int, ...] | None) -> tuple[Target | None, str]:
    if sighting.session:
        return None, "clients keep their own server connection (session pooling)"
    if sighting.pooler == RDS_PROXY:
        return Target.RDS_PROXY, ""
    if sighting.pooler == SUPAVISOR:
        return Target.SUPAVISOR, ""
    if sighting.pooler == PGDOG:
        return Target.PGDOG, ""
    prepared = sighting.knob("max_prepared_statements")
    if version is not None and version < (1, 21):
        return Target.PGBOUNCER_LEGACY, f"PgBouncer {shown(version)} tracks no prepared statements (1.21+ does)"
    if prepared is not None and prepared.strip() == "0":
        return Target.PGBOUNCER_LEGACY, "max_prepared_statements = 0 tracks no prepared statements"
    if prepared is None and version is not None and version < (1, 24):
        return Target.PGBOUNCER_LEGACY, f"max_prepared_statements defaults to 0 before 1.24 (version {shown(version)})"
    if version is not None and version >= (1, 26):
        return Target.PGBOUNCER_TRACKING, f"PgBouncer {shown(version)} tracks every reported parameter, search_path included"
    return Target.PGBOUNCER, ""


def _extra_tracked(sighting: Sighting, version: tuple[int, ...] | None) -> frozenset[str]:
    """What `track_extra_parameters` adds (1.20+); only parameters the server reports can be tracked."""
    written = sighting.knob("track_extra_parameters")
    if written is None or (version is not None and version < (1, 20)):
        return frozenset()
    names = {name.strip().lower() for name in written.split(",")}
    return frozenset(names & REPORTED_PARAMETERS)


def _preparing_drivers(root: Path) -> tuple[str, ...]:
    """The declared drivers that prepare named statements by default. psycopg does not under Django,
    which turns its preparing off."""
    from pinlint.python.requirements import declared_requirements

    names: set[str] = set()
    for declaring in ("pyproject.toml", "requirements.txt", "setup.cfg", "Pipfile"):
        path = root / declaring
        try:
            text = read_regular_file(path, MAX_FILE_BYTES).decode("utf-8", errors="replace")
        except OSError:
            continue
        names.update(r.name.lower().replace("-", "").replace("_", "").replace(".", "") for r in declared_requirements(path, text))
    drivers = {_PREPARING[name] for name in names if name in _PREPARING}
    if "django" in names:
        drivers.discard("psycopg")
    return tuple(sorted(drivers))
