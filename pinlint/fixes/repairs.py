"""What a rule says would fix a hit, before it is written as edits of a file.

A rule knows what to change (a driver keyword, a word of a statement); where that is in the
file, and how to write it there, is `pinlint.fixes`'s business. Kept free of other pinlint
imports: every rule module imports it.
"""

from __future__ import annotations

from dataclasses import dataclass

# (name a module must bind, the statement that binds it)
Import = tuple[str, str]


@dataclass(frozen=True)
class Keywords:
    """Keyword arguments the driver call at the hit's anchor needs, as Python source. ``into``:
    "" for the call's own keywords, or the keyword whose dict (a literal or `dict(...)`) holds
    them (psycopg_pool's `kwargs`, SQLAlchemy's `connect_args`), added when the call has none.
    A key already written there gets the new value."""

    title: str
    safe: bool
    pairs: tuple[tuple[str, str], ...]
    into: str = ""
    imports: tuple[Import, ...] = ()


@dataclass(frozen=True)
class Value:
    """The expression at the hit's anchor becomes ``source``."""

    title: str
    safe: bool
    source: str
    imports: tuple[Import, ...] = ()


@dataclass(frozen=True)
class SqlEdits:
    """Replacements in the SQL text the hit was found in: (start, end, text), offsets as the
    hit's. ``needs_transaction``: the result is transaction-scoped, so it is only offered where
    a transaction is seen around the statement (outside one it silently does nothing)."""

    title: str
    safe: bool
    edits: tuple[tuple[int, int, str], ...]
    needs_transaction: bool = False


def same_case(word: str, like: str) -> str:
    """``word`` in the case of ``like``, a keyword as the user wrote it (`set` -> `local`)."""
    return word.lower() if like.islower() else word.upper()


def set_local(tokens) -> SqlEdits:
    """`SET [SESSION] x ...` -> `SET LOCAL x ...` (``tokens``: the statement's, `SET` first).
    `SESSION AUTHORIZATION` is a form, not a scope: `SET LOCAL SESSION AUTHORIZATION` is valid."""
    verb, second = tokens[0], tokens[1]
    title = "Scope it to the transaction with `SET LOCAL`"
    local = same_case("LOCAL", verb.text)
    session_scope = second.upper == "SESSION" and not (len(tokens) > 2 and tokens[2].upper in ("AUTHORIZATION", "CHARACTERISTICS"))
    if session_scope:
        return SqlEdits(title, False, ((second.start, second.end, local),), needs_transaction=True)
    return SqlEdits(title, False, ((second.start, second.start, local + " "),), needs_transaction=True)
