"""RDS Proxies in Terraform: `aws_db_proxy` (its `engine_family`), the
`aws_db_proxy_default_target_group` / `aws_db_proxy_target_group` `connection_pool_config`
(`session_pinning_filters`, `init_query`), and modules whose source is an RDS Proxy module.

A block is read to its closing brace, skipping strings and comments, in one linear pass.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from pinlint.deployment.model import RDS_PROXY, Knob, Sighting

_BLOCK = re.compile(r'^[ \t]*(resource|module)[ \t]+"([\w-]{1,100})"(?:[ \t]+"([\w-]{1,100})")?[ \t]*\{', re.MULTILINE)
_ATTRIBUTE = re.compile(r"^[ \t]*(engine_family|session_pinning_filters|init_query|source)[ \t]*=[ \t]*", re.MULTILINE)
_PROXY = "aws_db_proxy"
_TARGET_GROUPS = ("aws_db_proxy_default_target_group", "aws_db_proxy_target_group")
MAX_BLOCKS = 100  # proxy blocks read per file: each is read to its end


def terraform_proxies(text: str) -> list[Sighting]:
    """One sighting per proxy (resource or module); target groups' settings join the file's proxy."""
    if "aws_db_proxy" not in text and "rds-proxy" not in text and "rds_proxy" not in text:
        return []
    proxies: list[Sighting] = []
    group_knobs: dict[str, Knob] = {}
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    read = 0
    for match in _BLOCK.finditer(text):
        kind, label = match.group(1), match.group(2)
        if not (kind == "module" or label == _PROXY or label in _TARGET_GROUPS):
            continue
        read += 1
        if read > MAX_BLOCKS:
            break
        end = _block_end(text, match.end())
        knobs = _attributes(text, match.end(), end, starts)
        row = bisect_right(starts, match.start())
        if kind == "resource" and label == _PROXY:
            proxies.append(Sighting(RDS_PROXY, row, _reason(f"Terraform `aws_db_proxy.{match.group(3)}`", knobs), knobs=knobs))
        elif kind == "resource" and label in _TARGET_GROUPS:
            group_knobs.update({k: v for k, v in knobs.items() if k in ("session_pinning_filters", "init_query")})
        elif kind == "module" and "rds-proxy" in (knobs.get("source").value if "source" in knobs else ""):
            proxies.append(Sighting(RDS_PROXY, row, _reason(f"Terraform module `{label}` (RDS Proxy)", knobs), knobs=knobs))
    return [
        Sighting(p.pooler, p.row, p.reason, knobs={**group_knobs, **p.knobs}) for p in proxies
    ]


def _reason(what: str, knobs: dict[str, Knob]) -> str:
    family = knobs.get("engine_family")
    return what + (f" (engine family {family.value})" if family is not None and family.value else "")


def _attributes(text: str, start: int, end: int, starts: list[int]) -> dict[str, Knob]:
    knobs: dict[str, Knob] = {}
    depth_ok = start
    for match in _ATTRIBUTE.finditer(text, start, end):
        if match.start() < depth_ok:
            continue
        name = match.group(1)
        value, length = _value(text, match.end(), end)
        row = bisect_right(starts, match.end())
        col = match.end() - starts[row - 1] + 1
        knobs.setdefault(name, Knob(name, value, row, col, length))
        depth_ok = match.end()
    return knobs


def _value(text: str, start: int, end: int) -> tuple[str, int]:
    """A string literal's text, or a list of string literals joined by commas ("" for an expression)."""
    if text.startswith('"', start):
        close = _string_end(text, start + 1, end)
        return text[start + 1:close], close + 1 - start
    if text.startswith("[", start):
        close = text.find("]", start, end)
        close = end if close < 0 else close
        items = re.findall(r'"([^"\n]{0,200})"', text[start:close])
        return ",".join(items), close + 1 - start
    line_end = text.find("\n", start, end)
    return "", (end if line_end < 0 else line_end) - start


def _string_end(text: str, index: int, end: int) -> int:
    while index < end:
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char in '"\n':
            return index
        index += 1
    return end


def _block_end(text: str, index: int) -> int:
    """The offset of the brace that closes the block whose body starts at ``index``."""
    depth = 1
    length = len(text)
    while index < length:
        char = text[index]
        if char == '"':
            index = _string_end(text, index + 1, length) + 1
            continue
        if char == "#" or text.startswith("//", index):
            line_end = text.find("\n", index)
            index = length if line_end < 0 else line_end
            continue
        if text.startswith("/*", index):
            close = text.find("*/", index + 2)
            index = length if close < 0 else close + 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return length
