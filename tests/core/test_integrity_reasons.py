"""A unique constraint that catches a race answers the same machine-readable reason as the check that
catches the sequential case, on both databases."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import IntegrityError

from civicapi.core.errors import UNIQUE_REASONS, _violated_constraint


class _AsyncpgLike(Exception):
    constraint_name = "uq_spaces_process_commune_id_slug"


def test_the_violated_constraint_is_named_on_sqlite_and_postgresql() -> None:
    sqlite = IntegrityError(
        "INSERT ...",
        {},
        sqlite3.IntegrityError("UNIQUE constraint failed: spaces_process.commune_id, spaces_process.slug"),
    )
    assert _violated_constraint(sqlite) == "uq_spaces_process_commune_id_slug"
    wrapped = Exception("duplicate key value violates unique constraint")
    wrapped.__cause__ = _AsyncpgLike()
    assert (
        _violated_constraint(IntegrityError("INSERT ...", {}, wrapped)) == "uq_spaces_process_commune_id_slug"
    )
    other = IntegrityError("INSERT ...", {}, sqlite3.IntegrityError("FOREIGN KEY constraint failed"))
    assert _violated_constraint(other) is None


def test_slug_races_have_reasons() -> None:
    import civicapi.communes.service
    import civicapi.spaces.service  # noqa: F401 - they register their reasons when imported

    assert UNIQUE_REASONS["uq_spaces_process_commune_id_slug"][0] == "slug_taken"
    assert UNIQUE_REASONS["uq_communes_commune_slug"][0] == "slug_taken"
