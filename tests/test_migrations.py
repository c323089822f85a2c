"""Migrations: the platform's history and one branch per module build the schema from empty, go down and up
again (all of it, or one module), match the models exactly, adopt a database of the former linear history
with every row intact, and take turns when several processes run them at once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from civicapi import migrate
from civicapi.config import Environment, Settings
from civicapi.core.db.base import Base
from civicapi.core.db.session import create_engine
from civicapi.registry import load_modules
from tests.conftest import BACKENDS, new_database_url

ROOT = Path(__file__).resolve().parent.parent


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names


async def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: sorted(inspect(c).get_table_names()))
        counts = {n: (await conn.execute(text(f'SELECT count(*) FROM "{n}"'))).scalar_one() for n in names}
    await engine.dispose()
    return counts


async def _record_as_linear_history(url: str, revision: str) -> None:
    """Book-keep the database as the former single history did (its schema is what that revision built)."""
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text(f"DROP TABLE {migrate.VERSION_TABLE}"))
        await conn.execute(
            text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        )
        await conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": revision})
    await engine.dispose()


def _heads() -> dict[str, str]:
    """Branch -> the head revision the scripts define."""
    cfg = migrate.alembic_config("sqlite://")
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(cfg)
    return {next(iter(scripts.get_revision(h).branch_labels)): h for h in scripts.get_heads()}


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    return new_database_url(request, request.param, tmp_path_factory)


def test_upgrade_downgrade_upgrade_without_drift(empty_url: str) -> None:
    registry = load_modules(None)
    migrate.upgrade(empty_url)
    expected = {t.name for t in migrate.import_models(registry).sorted_tables}
    assert expected <= asyncio.run(_tables(empty_url))
    assert migrate.drift(empty_url, registry) == []
    assert migrate.pending(empty_url) == []

    migrate.downgrade(empty_url, "base")
    assert asyncio.run(_tables(empty_url)) <= {migrate.VERSION_TABLE}

    migrate.upgrade(empty_url)
    assert migrate.drift(empty_url, registry) == []


def test_every_module_has_its_own_branch_in_its_own_folder() -> None:
    from alembic.script import ScriptDirectory

    registry = load_modules(None)
    assert set(_heads()) == {"platform", *(m.key for m in registry if m.models)}
    scripts = ScriptDirectory.from_config(migrate.alembic_config("sqlite://", registry))
    folders = {"platform": migrate.migrations_dir() / "versions", **migrate.module_migrations(registry)}
    for script in scripts.walk_revisions():
        branch = next(iter(scripts.get_revision(script.revision).branch_labels or {"platform"}))
        # a revision's branch label is inherited from the first revision of its branch
        assert Path(script.path).parent.resolve() == Path(folders[branch]).resolve(), script.path


def test_one_module_goes_down_and_up_alone(empty_url: str) -> None:
    registry = load_modules(None)
    migrate.upgrade(empty_url)
    budgets_tables = set(registry.get("budgets").table_names())  # type: ignore[union-attr]
    migrate.downgrade(empty_url, "budgets@base")
    left = asyncio.run(_tables(empty_url))
    assert not budgets_tables & left
    assert set(registry.get("proposals").table_names()) <= left  # type: ignore[union-attr]
    budgets_revisions = {"39ebf906a1e8", "7d1e0c5b9a21", "222a559de0a6"}
    assert set(migrate.pending(empty_url)) == budgets_revisions

    migrate.upgrade(empty_url)
    assert budgets_tables <= asyncio.run(_tables(empty_url))
    assert migrate.drift(empty_url, registry) == []


def test_drift_is_reported_under_the_module_that_owns_the_table(empty_url: str) -> None:
    registry = load_modules(None)
    migrate.upgrade(empty_url)

    async def add_column() -> None:
        engine = create_engine(empty_url)
        async with engine.begin() as conn:
            await conn.execute(text("ALTER TABLE budgets_vote_reminder ADD COLUMN stray INTEGER"))
            await conn.execute(text("ALTER TABLE communes_commune ADD COLUMN stray INTEGER"))
        await engine.dispose()

    asyncio.run(add_column())
    drift = migrate.drift_by_owner(empty_url, registry)
    assert set(drift) == {"budgets", "platform"}
    assert [d[0] for d in drift["budgets"]] == ["remove_column"]


def test_a_database_of_the_linear_history_keeps_every_row(empty_url: str) -> None:
    """A database at the last revision of the former single history, with the demo's data in it (people,
    a census, two participatory budgets with 400 ballots counted and published) moves to the branches."""
    from civicapi.demo import seed_demo

    registry = load_modules(None)
    migrate.upgrade(empty_url)
    asyncio.run(seed_demo(Settings(env=Environment.development, database_url=empty_url)))
    # Back to the schema of the linear history's last revision: each branch down to its last revision of
    # that history, the branches it did not have (the example plugin's) down to nothing.
    last = {branch: rev for rev, branch in migrate.LINEAR_HISTORY}
    for branch in _heads():
        migrate.downgrade(empty_url, last.get(branch, f"{branch}@base"))
    before = asyncio.run(_counts(empty_url))
    assert before["budgets_ballot"] >= 400
    asyncio.run(_record_as_linear_history(empty_url, migrate.LINEAR_HISTORY[-1][0]))

    migrate.upgrade(empty_url)

    after = asyncio.run(_counts(empty_url))
    assert "alembic_version" not in after
    before.pop(migrate.VERSION_TABLE)
    assert {t: n for t, n in after.items() if t in before} == before
    assert migrate.pending(empty_url) == []
    assert migrate.drift(empty_url, registry) == []


def test_a_database_part_way_through_the_linear_history_is_finished(empty_url: str) -> None:
    """At the former revision 4c691a9d738d (accountability's first tables), three revisions were still to
    come: they run once the database is on the branches."""
    for revision in ("de2b8307462e", "3c69d9458d2b", "39ebf906a1e8", "4c691a9d738d"):
        migrate.upgrade(empty_url, revision)
    assert "budgets_vote_reminder" not in asyncio.run(_tables(empty_url))
    asyncio.run(_record_as_linear_history(empty_url, "4c691a9d738d"))

    migrate.upgrade(empty_url)

    assert {"budgets_vote_reminder", "core_event"} <= asyncio.run(_tables(empty_url))
    assert migrate.drift(empty_url, load_modules(None)) == []


def test_an_unknown_linear_revision_is_refused(empty_url: str) -> None:
    migrate.upgrade(empty_url, "de2b8307462e")
    asyncio.run(_record_as_linear_history(empty_url, "0123456789ab"))
    with pytest.raises(RuntimeError, match="not a revision of civicapi's former linear history"):
        migrate.upgrade(empty_url)


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="PostgreSQL tests disabled")
def test_four_processes_migrating_at_once_take_turns(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Containers starting together each run ``civicapi migrate upgrade``: the advisory lock makes them
    take turns, so each finds the work done or does it, and none fails on a table another just created."""
    url = new_database_url(request, "postgresql", tmp_path_factory)
    env = {**os.environ, "CIVICAPI_DATABASE_URL": url, "CIVICAPI_ENV": "development"}
    code = "from civicapi.cli import main; raise SystemExit(main(['migrate', 'upgrade']))"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=120)[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outputs
    assert migrate.pending(url) == []
    assert migrate.drift(url, load_modules(None)) == []


def test_every_table_follows_the_naming_rules() -> None:
    metadata = migrate.import_models(load_modules(None))
    assert metadata is Base.metadata
    for table in metadata.sorted_tables:
        prefix = table.name.split("_", 1)[0]
        assert prefix in {"core", "communes", "identity", "spaces", "forms", "places"} or load_modules(
            None
        ).get(prefix), table.name
        for constraint in table.constraints:
            assert constraint.name, f"unnamed constraint on {table.name}"
