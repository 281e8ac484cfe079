"""Poolers in deployment manifests: container images (compose, Kubernetes, Helm values,
Dockerfiles) with the environment PgBouncer images read, and CloudFormation's `AWS::RDS::DBProxy`
(YAML or JSON).

YAML is composed, not loaded: nodes keep their positions, and CloudFormation's `!Ref`/`!Sub`
tags need no constructors.
"""

from __future__ import annotations

import json
import re

from pinlint.deployment.model import PGBOUNCER, PGDOG, RDS_PROXY, SUPAVISOR, Knob, Sighting
from pinlint.deployment.versions import tag_version

# The environment variables PgBouncer images (bitnami, edoburu, pgbouncer/pgbouncer) turn into settings.
_ENVIRONMENT = {
    f"{prefix}{name.upper()}": name
    for prefix in ("", "PGBOUNCER_")
    for name in ("pool_mode", "max_prepared_statements", "track_extra_parameters", "ignore_startup_parameters",
                 "server_reset_query", "server_reset_query_always")
}
_IMAGE_POOLERS = (("pgbouncer", PGBOUNCER), ("pgdog", PGDOG), ("supavisor", SUPAVISOR))
_FROM = re.compile(r"^[ \t]*FROM[ \t]+(?:--\S+[ \t]+)*(\S{1,300})", re.IGNORECASE | re.MULTILINE)
_LIBYAML_NESTING_LIMIT = 1000
MAX_NODES = 200_000  # a manifest's nodes; more is not a manifest anyone writes


def image_pooler(reference: str) -> tuple[str, tuple[int, ...] | None] | None:
    """The pooler an image reference runs, and its version from the tag."""
    name, _, digest = reference.partition("@")
    repository, _, tag = name.rpartition(":") if ":" in name.rsplit("/", 1)[-1] else (name, "", "")
    last = repository.rsplit("/", 1)[-1].lower()
    for word, pooler in _IMAGE_POOLERS:
        if word in last:
            return pooler, tag_version(tag) if tag else None
    return None


def dockerfile_images(text: str) -> list[Sighting]:
    found = []
    for match in _FROM.finditer(text):
        pooler = image_pooler(match.group(1))
        if pooler is not None:
            row = text.count("\n", 0, match.start(1)) + 1
            found.append(Sighting(pooler[0], row, f"image `{_short(match.group(1))}`", pooler[1], rank=1))
    return found


def yaml_manifest(text: str) -> list[Sighting]:
    import yaml

    found: list[Sighting] = []
    if not any(word in text for word in ("image", "AWS::RDS::DBProxy")):
        return found
    deep = text.count("[") + text.count("{") > _LIBYAML_NESTING_LIMIT
    loader = yaml.SafeLoader if deep else getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    budget = [MAX_NODES]
    try:
        for document in yaml.compose_all(text, Loader=loader):
            if document is not None:
                _visit(document, found, budget, set())
    except (yaml.YAMLError, ValueError, RecursionError):
        pass  # what was read before the error still counts
    return found


def _visit(node, found: list[Sighting], budget: list[int], visited: set[int]) -> None:
    import yaml

    stack = [node]
    while stack and budget[0] > 0:
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        budget[0] -= 1
        if isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            pairs = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
            image = pairs.get("image")
            if isinstance(image, yaml.ScalarNode) and isinstance(image.value, str):
                sighting = _image(image, pairs)
                if sighting is not None:
                    found.append(sighting)
            kind = pairs.get("Type")
            if isinstance(kind, yaml.ScalarNode) and kind.value == "AWS::RDS::DBProxy":
                found.append(_cloudformation_proxy(kind, pairs))
            stack.extend(reversed([v for _, v in node.value]))


def _image(image, pairs: dict) -> Sighting | None:
    pooler = image_pooler(image.value)
    if pooler is None:
        return None
    knobs = {k.name: k for k in _environment(pairs)}
    mode = knobs.get("pool_mode")
    return Sighting(
        pooler[0], image.start_mark.line + 1, f"image `{_short(image.value)}`" + "".join(
            f", {k.name} = {_short(k.value)}" for k in knobs.values()
        ), pooler[1], knobs, session=mode is not None and mode.value.lower() == "session", rank=1,
    )


def _environment(pairs: dict):
    """compose `environment:` (a mapping, or `NAME=value` items) and Kubernetes `env:` (name/value items)."""
    import yaml

    for key in ("environment", "env"):
        node = pairs.get(key)
        if isinstance(node, yaml.MappingNode):
            for name, value in node.value:
                if isinstance(name, yaml.ScalarNode) and isinstance(value, yaml.ScalarNode):
                    yield from _knob(name.value, value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                if isinstance(item, yaml.ScalarNode) and "=" in item.value:
                    name, _, value = item.value.partition("=")
                    knob = _ENVIRONMENT.get(name.strip())
                    if knob is not None:
                        mark = item.start_mark
                        yield Knob(knob, value.strip(), mark.line + 1, mark.column + len(name) + 2, len(value.strip()))
                elif isinstance(item, yaml.MappingNode):
                    fields = {k.value: v for k, v in item.value if isinstance(k, yaml.ScalarNode)}
                    name, value = fields.get("name"), fields.get("value")
                    if isinstance(name, yaml.ScalarNode) and isinstance(value, yaml.ScalarNode):
                        yield from _knob(name.value, value)


def _knob(name: str, value):
    knob = _ENVIRONMENT.get(str(name))
    if knob is not None:
        yield Knob(knob, str(value.value), value.start_mark.line + 1, value.start_mark.column + 1, len(str(value.value)))


def _cloudformation_proxy(kind, pairs: dict) -> Sighting:
    import yaml

    properties = pairs.get("Properties")
    knobs = {}
    if isinstance(properties, yaml.MappingNode):
        for key, value in properties.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "EngineFamily" and isinstance(value, yaml.ScalarNode):
                mark = value.start_mark
                knobs["engine_family"] = Knob("engine_family", value.value, mark.line + 1, mark.column + 1, len(value.value))
    return _proxy_sighting(kind.start_mark.line + 1, "CloudFormation `AWS::RDS::DBProxy`", knobs)


def _proxy_sighting(row: int, what: str, knobs: dict[str, Knob]) -> Sighting:
    family = knobs.get("engine_family")
    reason = what + (f" (engine family {_short(family.value)})" if family is not None else "")
    return Sighting(RDS_PROXY, row, reason, knobs=knobs)


def json_manifest(text: str) -> list[Sighting]:
    """CloudFormation JSON templates."""
    if "AWS::RDS::DBProxy" not in text:
        return []
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        data = None
    resources = data.get("Resources") if isinstance(data, dict) else None
    found = []
    offset = 0
    for resource in resources.values() if isinstance(resources, dict) else ():
        if isinstance(resource, dict) and resource.get("Type") == "AWS::RDS::DBProxy":
            offset = text.find('"AWS::RDS::DBProxy"', offset) + 1
            row = text.count("\n", 0, offset) + 1
            properties = resource.get("Properties")
            family = properties.get("EngineFamily") if isinstance(properties, dict) else None
            knobs = {}
            if isinstance(family, str):
                knobs["engine_family"] = Knob("engine_family", family, row, 1, 0)
            found.append(_proxy_sighting(row, "CloudFormation `AWS::RDS::DBProxy`", knobs))
    return found


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
