"""The libraries' tables merged: canonical names, return types, and every library's view of a call."""

from __future__ import annotations

from functools import lru_cache
from typing import Iterator

from pinlint.drivers import asyncpg, django, flask_sqlalchemy, mysql, psycopg, psycopg2, sqlalchemy
from pinlint.drivers.api import ApiCall, HookKind
from pinlint.drivers.site import AttributeAssignment, CallSite

_LIBRARIES = (asyncpg, psycopg, psycopg2, sqlalchemy, flask_sqlalchemy, django, mysql)

_ALIASES: dict[str, str] = {k: v for lib in _LIBRARIES for k, v in lib.ALIASES.items()}
_RETURNS: dict[str, str] = {k: v for lib in _LIBRARIES for k, v in lib.RETURNS.items()}
_ALIAS_PREFIXES = sorted(_ALIASES, key=len, reverse=True)
# Libraries whose connection attributes are settings, and the attribute names they watch.
_SETTERS = (psycopg, psycopg2)
ATTRIBUTES: frozenset[str] = frozenset().union(*(lib.ATTRIBUTES for lib in _SETTERS))


@lru_cache(maxsize=4096)
def canonical(qualified: str) -> str:
    """One name per object, whichever module it was imported from (`asyncpg.pool.create_pool`
    is `asyncpg.create_pool`)."""
    for prefix in _ALIAS_PREFIXES:
        if qualified == prefix or qualified.startswith(prefix + "."):
            return _ALIASES[prefix] + qualified[len(prefix):]
    return qualified


def returns(callee: str) -> str | None:
    """What calling ``callee`` gives: `asyncpg.create_pool` gives an `asyncpg.Pool`."""
    return _RETURNS.get(canonical(callee))


def recognise(site: CallSite) -> Iterator[object]:
    """Connections and API calls the libraries see in one call site. An API both psycopg
    generations share (`cursor(name)`) is seen once, whichever module the file imports."""
    seen_apis: set[str] = set()
    for library in _LIBRARIES:
        for found in library.recognise(site):
            if isinstance(found, ApiCall):
                if found.api in seen_apis:
                    continue
                seen_apis.add(found.api)
            yield found


def hooks_registered(site: CallSite) -> Iterator[tuple[object, HookKind]]:
    """Functions a call (or a decorator) registers to run per connection, with when they run."""
    for library in _LIBRARIES:
        yield from library.hooks(site)


def recognise_assignment(assignment: AttributeAssignment) -> Iterator[ApiCall]:
    """What assigning a connection attribute does, for the libraries that have it."""
    for library in _SETTERS:
        if assignment.attribute in library.ATTRIBUTES:
            yield from library.assigned(assignment)
