"""Read `[tool.pinlint]` from the nearest `pinlint.toml` or `pyproject.toml`; CLI flags win."""

from __future__ import annotations

import difflib
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from pinlint.diagnostics import Confidence
from pinlint.globs import GitIgnore, PatternError
from pinlint.reading import read_regular_text
from pinlint.settings import DIALECT_CHOICES, OUTPUT_FORMATS, ConfigError, Settings, normalize_selector
from pinlint.targets import Target

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

_LIST_KEYS = ("select", "extend-select", "ignore", "exclude", "extend-exclude")
# Far more than any real pinlint.toml or pyproject.toml; a larger one is not read.
MAX_CONFIG_BYTES = 1024 * 1024
KEYS = _LIST_KEYS + (
    "targets", "target", "dialect", "min-confidence", "output-format", "per-file-ignores", "respect-gitignore",
    "baseline",
)


def resolve_settings(
    paths: list[Path], cwd: Path, options: dict[str, Any], origin: str,
    config: Path | None = None, isolated: bool = False,
) -> Settings:
    """The settings of a run over ``paths``: [tool.pinlint] from ``config`` or the configuration
    nearest to the paths' common directory, then ``options`` (front-end flags) on top. Every
    front end resolves settings here, so the CLI and the flake8 plugin cannot disagree."""
    settings = Settings(root=cwd)
    if not isolated:
        config = config if config is not None else find_config(common_directory(paths, cwd))
        if config is not None:
            if not os.path.lexists(config):
                raise ConfigError(f"no such configuration file: {config}")
            table = load_config(config)  # first: it says why a path cannot be read
            settings = apply(Settings(root=config.resolve().parent, config_file=config), table, str(config))
    settings = apply(settings, options, origin)
    settings.enabled_codes()  # reports bad selectors before any work
    return with_deployment(settings, paths, cwd)


def with_deployment(settings: Settings, paths: list[Path], cwd: Path) -> Settings:
    """``settings`` with the targets the project shows, unless the configuration named them.
    The project is the configuration file's directory, else the root around the paths."""
    from pinlint.deployment import Deployment, infer_deployment, project_root

    if settings.targets_configured:
        return replace(settings, deployment=Deployment(settings.targets, source="configured"))
    root = settings.root if settings.config_file is not None else project_root(common_directory(paths, cwd))
    deployment = infer_deployment(root, settings)
    return replace(settings, targets=deployment.targets, deployment=deployment)


def common_directory(paths: list[Path], cwd: Path) -> Path:
    """The deepest directory holding all of ``paths`` (``cwd`` when there are none)."""
    # realpath, unlike Path.resolve, neither raises on a link loop nor on a directory it may not enter.
    resolved = [Path(os.path.realpath(cwd / p if os.path.isdir(cwd / p) else (cwd / p).parent)) for p in paths] or [cwd]
    common = resolved[0]
    for path in resolved[1:]:
        while common not in (path, *path.parents):
            common = common.parent
    return common


def find_config(start: Path) -> Path | None:
    """The nearest `pinlint.toml`, or `pyproject.toml` with a `[tool.pinlint]` table, at or above ``start``."""
    for directory in (start, *start.parents):
        # os.path.isfile: a name that cannot be looked at (no permission) is no configuration.
        candidate = directory / "pinlint.toml"
        if os.path.isfile(candidate):
            return candidate
        candidate = directory / "pyproject.toml"
        if os.path.isfile(candidate) and "pinlint" in _tool_table(_read_toml(candidate), candidate):
            return candidate
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    """The TOML document at ``path``: a regular file of bounded size, read without blocking."""
    try:
        return tomllib.loads(read_regular_text(path, MAX_CONFIG_BYTES, "configuration file"))
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"cannot read {path}: {error}") from None


def _tool_table(data: dict[str, Any], path: Path) -> dict[str, Any]:
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: `tool` must be a table, got {_shown(tool)}")
    return tool


def load_config(path: Path) -> dict[str, Any]:
    """The pinlint table of a config file, as written (kebab-case keys)."""
    data = _read_toml(path)
    tool = _tool_table(data, path)
    if path.name == "pyproject.toml" or "pinlint" in tool:
        data = tool.get("pinlint", {})
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [tool.pinlint] must be a table, got {_shown(data)}")
    return data


def _shown(value: Any) -> str:
    """A value in an error message: one short line, however large or odd the value is."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def apply(settings: Settings, options: dict[str, Any], origin: str) -> Settings:
    """Validate ``options`` (config-file keys) and return settings with them applied."""
    changes: dict[str, Any] = {}
    for key, value in options.items():
        if key not in KEYS:
            hint = difflib.get_close_matches(key, KEYS, n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ConfigError(f"{origin}: unknown key {key!r}{suggestion}")
        where = f"{origin}: {key}"
        if key in _LIST_KEYS:
            strings = _strings(value, where)
            if key in ("select", "extend-select", "ignore"):
                for selector in strings:
                    _check(normalize_selector, selector, where)
            else:
                _check_patterns(strings, where)
            changes[key.replace("-", "_")] = strings
        elif key in ("targets", "target"):
            names = _strings(value if isinstance(value, list) else [value], where)
            if "auto" in names:
                if len(names) > 1:
                    raise ConfigError(f"{where}: `auto` infers the targets; it cannot be combined with others")
                changes["targets"], changes["targets_configured"] = settings.targets, False
                continue
            changes["targets"] = tuple(_target(name, where) for name in names)
            changes["targets_configured"] = True
            if not changes["targets"]:
                raise ConfigError(f"{where}: name at least one target")
        elif key == "dialect":
            changes["dialect"] = _choice(value, DIALECT_CHOICES, where)
        elif key == "min-confidence":
            changes["min_confidence"] = Confidence(_choice(value, [c.value for c in Confidence], where))
        elif key == "output-format":
            changes["output_format"] = _choice(value, OUTPUT_FORMATS, where)
        elif key == "baseline":
            if not isinstance(value, str) or not value or "\0" in value:
                raise ConfigError(f"{where}: expected the baseline file's path, got {_shown(value)}")
            changes["baseline"] = settings.root / value  # relative to the configuration file
        elif key == "respect-gitignore":
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: expected true or false, got {value!r}")
            changes["respect_gitignore"] = value
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: expected a table of glob = [codes]")
            pairs = []
            _check_patterns(list(value), where)
            for pattern, codes in value.items():
                selectors = _strings(codes, f"{where}.{pattern}")
                for selector in selectors:
                    _check(normalize_selector, selector, f"{where}.{pattern}")
                pairs.append((pattern, selectors))
            changes["per_file_ignores"] = tuple(pairs)
    return replace(settings, **changes)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings, got {_shown(value)}")
    return tuple(value)


def _check_patterns(patterns: list[str], where: str) -> None:
    """A pattern pinlint cannot use (`[z-a]`, `foo\\`, a lone `!`) is bad configuration, reported
    before any work instead of in the middle of the walk."""
    for pattern in patterns:
        try:
            GitIgnore.from_lines([pattern])
        except PatternError as error:
            raise ConfigError(f"{where}: invalid pattern {_shown(pattern)} ({error})") from None


def _choice(value: Any, choices, where: str) -> str:
    if value not in choices:
        raise ConfigError(f"{where}: expected one of {', '.join(choices)}; got {_shown(value)}")
    return value


def _target(name: str, where: str) -> Target:
    try:
        return Target(name)
    except ValueError:
        raise ConfigError(
            f"{where}: unknown target {name!r} (choose from auto, {', '.join(t.value for t in Target)})"
        ) from None


def _check(function, value, where: str) -> None:
    try:
        function(value)
    except ConfigError as error:
        raise ConfigError(f"{where}: {error}") from None
