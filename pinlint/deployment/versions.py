"""Versions in image tags: `1.24.1`, `v1.23.1-p2`, `1.22.0-debian-12-r3`."""

from __future__ import annotations

import re

_VERSION = re.compile(r"v?(\d{1,4})\.(\d{1,4})(?:\.(\d{1,4}))?(?![\d.]*\d{5})")


def tag_version(tag: str) -> tuple[int, ...] | None:
    match = _VERSION.match(tag)
    if match is None:
        return None
    return tuple(int(part) for part in match.groups() if part is not None)


def shown(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))
