"""The requirements a project declares, read from where each tool keeps them.

`pyproject.toml` (PEP 621 dependencies and optional dependencies, PEP 735 dependency groups,
Poetry's and PDM's tables), `Pipfile`, `setup.cfg` (`install_requires`, `extras_require`),
`setup.py` (quoted requirement strings) and requirements files (one a line). Names, extras and
the version specifier as written are read: `psycopg[binary]>=3.1` is `psycopg` with the extra
`binary` and the specifier `>=3.1` (Poetry's and Pipfile's tables give theirs in their own syntax,
`^3.1` or `*`). A file that does not parse declares nothing.
"""

from __future__ import annotations

import configparser
import re
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_REQUIREMENT = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")
# In setup.py, a quoted string that is a requirement: a name, its extras, then a version, a marker
# or the closing quote (so prose, `"Django-MySQL extends ..."`, is not one).
_QUOTED_REQUIREMENT = re.compile(r"""["']([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[([^\]\n]*)\])?\s*(?=[<>=!~;@"'])""")
_OPTIONS = re.compile(r"\s--|\\")
_NAMED = re.compile(r"\bname\s*=\s*\Z")  # `name="django-mysql"`: the project's own name


# Poetry writes `asyncpg = "0.29.0"` for `==0.29.0` and `^0.29` for a range: its own syntax.
PEP440 = "pep440"
POETRY = "poetry"


@dataclass(frozen=True)
class Requirement:
    name: str  # as written
    extras: tuple[str, ...]
    specifier: str = ""  # `>=3.1`, `==0.29.0`; "" when none or not read
    syntax: str = PEP440


def declared_requirements(path: Path, text: str) -> list[Requirement]:
    name = path.name
    try:
        if name == "pyproject.toml":
            data = tomllib.loads(text)
            return _from_strings(_pyproject_strings(data)) + _poetry_requirements(data)
        if name == "Pipfile":
            data = tomllib.loads(text)
            return [r for table in ("packages", "dev-packages") for r in _from_table(data.get(table), PEP440)]
        if name == "setup.cfg":
            return _from_strings(_setup_cfg_lines(text))
    except (tomllib.TOMLDecodeError, configparser.Error, AttributeError, TypeError, RecursionError):
        return []
    if name == "setup.py":
        return [
            Requirement(m.group(1), _extras(m.group(2))) for m in _QUOTED_REQUIREMENT.finditer(text)
            if not _NAMED.search(text, text.rfind("\n", 0, m.start()) + 1, m.start())
        ]
    return _from_strings(line.split("#", 1)[0] for line in text.splitlines() if not line.lstrip().startswith("-"))


def _pyproject_strings(data: dict):
    project = data.get("project", {})
    yield from _strings(project.get("dependencies"))
    for group in _values(project.get("optional-dependencies")):
        yield from _strings(group)
    for group in _values(data.get("dependency-groups")):
        yield from _strings(group)
    for group in _values(data.get("tool", {}).get("pdm", {}).get("dev-dependencies")):
        yield from _strings(group)


def _poetry_requirements(data: dict) -> list[Requirement]:
    poetry = data.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
    tables.extend(group.get("dependencies") for group in _values(poetry.get("group")) if isinstance(group, dict))
    return [r for table in tables for r in _from_table(table, POETRY)]


def _from_table(table, syntax: str) -> list[Requirement]:
    """`name = "spec"` or `name = {version = "spec", extras = [...]}` (Poetry, Pipfile)."""
    found = []
    for name, value in table.items() if isinstance(table, dict) else ():
        match = _REQUIREMENT.match(name)
        if match is None:
            continue
        spec = value.get("version") if isinstance(value, dict) else value
        listed = value.get("extras") if isinstance(value, dict) else None
        extras = _extras(match.group(2)) + (tuple(e for e in listed if isinstance(e, str)) if isinstance(listed, list) else ())
        found.append(Requirement(match.group(1), extras, spec.strip() if isinstance(spec, str) else "", syntax))
    return found


def _setup_cfg_lines(text: str):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    if parser.has_option("options", "install_requires"):
        yield from parser.get("options", "install_requires").splitlines()
    if parser.has_section("options.extras_require"):
        for _, value in parser.items("options.extras_require"):
            yield from value.splitlines()


def _strings(items) -> list[str]:
    return [item for item in items if isinstance(item, str)] if isinstance(items, list) else []


def _values(table) -> list:
    return list(table.values()) if isinstance(table, dict) else []


def _from_strings(lines) -> list[Requirement]:
    found = []
    for line in lines:
        match = _REQUIREMENT.match(line)
        if match:
            # pip-compile's `asyncpg==0.29.0 \` and `--hash=...` options end the specifier.
            specifier = _OPTIONS.split(line[match.end():].split(";", 1)[0], 1)[0].strip()
            found.append(Requirement(match.group(1), _extras(match.group(2)), specifier))
    return found


def _extras(text: str | None) -> tuple[str, ...]:
    return tuple(extra.strip() for extra in text.split(",")) if text else ()
