"""A call of a project wrapper judged as the library call it wraps.

`make_pool(DSN, server_settings={"search_path": tenant})` where `make_pool` is indexed by
`pinlint.python.project_index` as `asyncpg.create_pool(dsn, **kwargs)` is judged as
`asyncpg.create_pool(DSN, server_settings={...})`: the caller's own argument nodes are passed on,
so a finding about one of them sits at the caller's argument. What the wrapper itself writes (a
literal it passes, a parameter's default, a `kwargs.setdefault(...)`) is rebuilt from its source
as new nodes: a finding about one of those belongs to the wrapper's module, which reports it
itself, so `made` records them and the analysis drops what is found there. A value the wrapper
computes reads as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from pinlint.python.project_index import (
    MAX_LEVELS, RUNTIME_VALUE, Forwarding, ProjectModules, Wrapper,
)


@dataclass
class WrappedCall:
    callee: str  # the library function the wrappers end in
    arguments: tuple[cst.Arg, ...]
    # Whether what the library call lacks is judged at this caller: only when the outermost
    # wrapper passes the caller's keywords on (else its own module already judged the call).
    judges_absence: bool


@dataclass
class Unwrapped:
    calls: list[WrappedCall] = field(default_factory=list)
    made: set[int] = field(default_factory=set)  # ids of the nodes rebuilt from wrappers' sources
    kept: list[cst.CSTNode] = field(default_factory=list)  # those nodes: their ids stay theirs


def unwrap(call: cst.Call, wrapper: Wrapper, project: ProjectModules) -> Unwrapped:
    result = Unwrapped()
    _follow(tuple(call.args), wrapper, project, 0, wrapper.takes_keywords, result)
    return result


def _follow(
    args: tuple[cst.Arg, ...], wrapper: Wrapper, project: ProjectModules, level: int, judges: bool, result: Unwrapped
) -> None:
    bound = _Bound.of(wrapper, args)
    if bound is None:
        return
    for forwarding in wrapper.forwardings:
        passed = _arguments(forwarding, wrapper, bound, result)
        if forwarding.callee.module is None:
            result.calls.append(WrappedCall(forwarding.callee.name, passed, judges))
        elif level + 1 < MAX_LEVELS:
            inner = project.resolve(forwarding.callee)
            if inner is not None and inner is not wrapper:
                _follow(passed, inner, project, level + 1, judges, result)


@dataclass
class _Bound:
    """The caller's arguments bound to the wrapper's parameters, as Python binds them."""

    values: dict[str, cst.BaseExpression]
    extra_positional: list[cst.Arg]
    extra_keywords: list[cst.Arg]  # keywords no parameter names, and `**mapping`s
    spread: bool  # a `**mapping` may fill parameters pinlint cannot see

    @classmethod
    def of(cls, wrapper: Wrapper, args: tuple[cst.Arg, ...]) -> "_Bound | None":
        positional = [p for p in wrapper.parameters if p.kind == "positional"]
        named = {p.name for p in wrapper.parameters if p.kind in ("positional", "keyword")}
        bound = cls({}, [], [], False)
        index = 0
        for arg in args:
            if arg.star == "*":
                return None  # positions unknown from here on
            if arg.star == "**":
                bound.extra_keywords.append(arg)
                bound.spread = True
            elif arg.keyword is None:
                if index < len(positional):
                    bound.values[positional[index].name] = arg.value
                    index += 1
                else:
                    bound.extra_positional.append(arg)
            elif arg.keyword.value in named:
                bound.values[arg.keyword.value] = arg.value
            else:
                bound.extra_keywords.append(arg)
        return bound


def _arguments(forwarding: Forwarding, wrapper: Wrapper, bound: _Bound, made: Unwrapped) -> tuple[cst.Arg, ...]:
    kinds = {p.name: p for p in wrapper.parameters}
    out: list[cst.Arg] = []
    for passed in forwarding.passed:
        parameter = kinds.get(passed.parameter) if passed.parameter else None
        if parameter is None:
            out.append(_arg(_made(passed.source, made), passed.keyword, passed.star))
        elif parameter.kind == "kwargs" and passed.star == "**":
            out.extend(_kwargs(forwarding, bound, made))
        elif parameter.kind == "args" and passed.star == "*":
            out.extend(bound.extra_positional)
        elif parameter.name in bound.values:
            out.append(_arg(bound.values[parameter.name], passed.keyword, passed.star))
        elif passed.source and not bound.spread:  # `parameter or <fallback>`, not given
            out.append(_arg(_made(passed.source, made), passed.keyword, passed.star))
        elif parameter.has_default and not bound.spread:
            out.append(_arg(_made(parameter.default or RUNTIME_VALUE, made), passed.keyword, passed.star))
        else:
            out.append(_arg(_made(RUNTIME_VALUE, made), passed.keyword, passed.star))
    return tuple(out)


def _kwargs(forwarding: Forwarding, bound: _Bound, made: Unwrapped) -> list[cst.Arg]:
    """The caller's extra keywords as the wrapper changed them before passing them on."""
    args = list(bound.extra_keywords)
    for change in forwarding.kwargs_changes:
        given = [a for a in args if a.keyword is not None and a.keyword.value == change.key]
        if change.kind == "item":
            args = [a for a in args if a not in given] + [_arg(_made(change.source, made), change.key, "")]
        elif change.kind == "setdefault" and not given:
            args.append(_arg(_made(change.source, made), change.key, ""))
        elif change.kind == "pop":
            args = [a for a in args if a not in given]
        elif change.kind == "unknown":
            args.append(_arg(_made(RUNTIME_VALUE, made), None, "**"))
    return args


def _arg(value: cst.BaseExpression, keyword: str | None, star: str) -> cst.Arg:
    return cst.Arg(value=value, keyword=cst.Name(keyword) if keyword else None, star=star)  # type: ignore[arg-type]


def _made(source: str, made: Unwrapped) -> cst.BaseExpression:
    try:
        node = cst.parse_expression(f"({source})")
    except Exception:  # libcst refuses what Python accepted (rare): then the value is unknown
        node = cst.Name(RUNTIME_VALUE)
    made.kept.append(node)
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        made.made.add(id(current))
        stack.extend(current.children)
    return node
