"""Alembic, driven from code: the platform's history in ``migrations/`` and one branch per module.

The platform's revisions (core, identity, communes, spaces) live in ``migrations/versions`` (branch
``platform``); each module carries its own branch, labelled with its key, in the folder its
:class:`~civicapi.registry.CivicModule` names (``migrations=``). ``upgrade``/``downgrade``/``check`` cover
the platform and every installed module at once.

Every command runs on one connection that first takes a PostgreSQL advisory lock, so that containers
starting together and each running ``civicapi migrate upgrade`` take turns instead of racing to create the
same tables (SQLite's writers take turns anyway: its transactions begin ``IMMEDIATE``).

Before the module branches existed, one linear history held everything, recorded in ``alembic_version``.
A database still recorded that way is moved to the branch layout (:func:`_adopt_linear_history`) before
anything else runs: its tables are those of the revisions it had, so only the bookkeeping changes.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, MetaData, String, Table, inspect, select, text
from sqlalchemy.engine import Connection

from civicapi.core.db.base import Base
from civicapi.core.db.session import create_engine
from civicapi.registry import CivicModule, ModuleRegistry, load_modules

VERSION_TABLE = "civicapi_alembic_version"
"""One row per branch head. Not Alembic's default name, so a database of the linear layout is recognised."""
LEGACY_VERSION_TABLE = "alembic_version"
ADVISORY_LOCK_KEY = 0x43495649  # "CIVI": any constant shared by every civicapi process
PLATFORM = "platform"
PLATFORM_TABLE_PREFIXES = ("core_", "communes_", "identity_", "spaces_", "forms_", "places_")

LINEAR_HISTORY: tuple[tuple[str, str], ...] = (
    ("1ee77dc74a71", PLATFORM),
    ("385a2f8245e0", PLATFORM),
    ("b574a8764138", PLATFORM),
    ("de2b8307462e", PLATFORM),
    ("3c69d9458d2b", "proposals"),
    ("39ebf906a1e8", "budgets"),
    ("4c691a9d738d", "accountability"),
    ("7d1e0c5b9a21", "budgets"),
    ("2c8a6348d92a", PLATFORM),
    ("222a559de0a6", "budgets"),
)
"""The single history the project had until 2026-12-07, oldest first, with the branch each revision now
belongs to (the revision ids did not change)."""


_BOOKKEEPING = MetaData()
_VERSIONS = Table(VERSION_TABLE, _BOOKKEEPING, Column("version_num", String(32), primary_key=True))
_LEGACY = Table(LEGACY_VERSION_TABLE, _BOOKKEEPING, Column("version_num", String(32), primary_key=True))


def import_models(registry: ModuleRegistry | None = None) -> MetaData:
    """Import every model so that ``Base.metadata`` knows all tables (platform + loaded modules)."""
    import civicapi.communes.models
    import civicapi.core.audit
    import civicapi.core.event_store
    import civicapi.core.links
    import civicapi.forms.models
    import civicapi.identity.models
    import civicapi.identity.verification.models
    import civicapi.places.models
    import civicapi.spaces.models  # noqa: F401

    for module in registry or ():
        for model in module.models:
            assert model.metadata is Base.metadata
    return Base.metadata


def migrations_dir() -> Path:
    configured = os.environ.get("CIVICAPI_MIGRATIONS_DIR")
    if configured:
        return Path(configured)
    source_tree = Path(__file__).resolve().parents[2] / "migrations"
    if source_tree.is_dir():
        return source_tree
    return Path.cwd() / "migrations"


def installed_modules() -> ModuleRegistry:
    """Every installed module, whatever ``CIVICAPI_MODULES`` loads: a database keeps the tables of a module
    a deployment stops loading, and their branch must stay known to Alembic."""
    return load_modules(None)


def module_migrations(registry: ModuleRegistry) -> dict[str, Path]:
    return {m.key: Path(m.migrations) for m in registry if m.migrations is not None}


def alembic_config(database_url: str, registry: ModuleRegistry | None = None) -> Config:
    registry = installed_modules() if registry is None else registry
    platform = migrations_dir()
    locations = [platform / "versions", *module_migrations(registry).values()]
    cfg = Config()
    cfg.set_main_option("script_location", str(platform))
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(slug)s")
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(str(p) for p in locations))
    cfg.attributes["database_url"] = database_url
    cfg.attributes["registry"] = registry
    cfg.attributes["version_table"] = VERSION_TABLE
    return cfg


def _adopt_linear_history(connection: Connection, scripts: ScriptDirectory) -> list[str]:
    """Move a database recorded in the former linear history to the branch layout: the revision it was at
    means every earlier revision ran, so each branch's head is the last of its revisions up to there.
    Alembic stamps them (keeping only those no other depends on). Returns the branches' heads (empty when
    there was nothing to adopt)."""
    tables = set(inspect(connection).get_table_names())
    if LEGACY_VERSION_TABLE not in tables or VERSION_TABLE in tables:
        return []
    rows = list(connection.execute(select(_LEGACY.c.version_num)).scalars())
    order = [rev for rev, _ in LINEAR_HISTORY]
    unknown = [r for r in rows if r not in order]
    if len(rows) > 1 or unknown:
        raise RuntimeError(
            f"{LEGACY_VERSION_TABLE} holds {rows}, which is not a revision of civicapi's former linear "
            "history: migrate this database by hand"
        )
    heads: dict[str, str] = {}
    if rows:
        for rev, branch in LINEAR_HISTORY[: order.index(rows[0]) + 1]:
            heads[branch] = rev
    _LEGACY.drop(connection)
    implied = {
        r.revision
        for head in heads.values()
        for r in scripts.iterate_revisions(head, "base")
        if r.revision != head
    }
    if tops := tuple(rev for rev in heads.values() if rev not in implied):
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        context.stamp(scripts, tops)  # type: ignore[arg-type]  # it takes several
    return list(heads.values())


def _locked(connection: Connection, work: Callable[[Connection], Any], scripts: ScriptDirectory) -> Any:
    """Run ``work`` on ``connection`` holding the migrations' advisory lock (PostgreSQL), once a database of
    the former linear history is on the branches."""
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        with connection.begin():  # a session-level lock: it outlives the transaction
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
    try:
        with connection.begin():
            _adopt_linear_history(connection, scripts)
        return work(connection)
    finally:
        if postgres:
            connection.rollback()
            with connection.begin():
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})


async def _run_async(
    database_url: str, work: Callable[[Connection], Any], registry: ModuleRegistry | None = None
) -> Any:
    scripts = ScriptDirectory.from_config(alembic_config(database_url, registry))
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_locked, work, scripts)
    finally:
        await engine.dispose()


def _run_command(database_url: str, registry: ModuleRegistry | None, run: Callable[[Config], None]) -> None:
    cfg = alembic_config(database_url, registry)

    def work(connection: Connection) -> None:
        cfg.attributes["connection"] = connection
        run(cfg)

    asyncio.run(_run_async(database_url, work, cfg.attributes["registry"]))


def upgrade(database_url: str, revision: str = "heads", *, registry: ModuleRegistry | None = None) -> None:
    """Upgrade the platform and every module (``heads``), or to ``revision`` (``budgets@head``, an id)."""
    _run_command(database_url, registry, lambda cfg: command.upgrade(cfg, revision))


def downgrade(database_url: str, revision: str, *, registry: ModuleRegistry | None = None) -> None:
    """``base`` empties everything; ``budgets@base`` removes one module's tables; ``budgets@-1`` one step."""
    _run_command(database_url, registry, lambda cfg: command.downgrade(cfg, revision))


def heads_in_database(database_url: str) -> list[str]:
    def read(connection: Connection) -> list[str]:
        if VERSION_TABLE not in inspect(connection).get_table_names():
            return []
        return sorted(connection.execute(select(_VERSIONS.c.version_num)).scalars())

    return list(asyncio.run(_run_async(database_url, read)))


def pending(database_url: str, registry: ModuleRegistry | None = None) -> list[str]:
    """Revisions ``upgrade`` would run, oldest first (empty when the database is up to date)."""
    registry = installed_modules() if registry is None else registry
    scripts = ScriptDirectory.from_config(alembic_config(database_url, registry))

    def read(connection: Connection) -> list[str]:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        current = context.get_current_heads()
        applied = {r.revision for r in scripts.iterate_revisions(current, "base")} if current else set()
        return [r.revision for r in reversed(list(scripts.walk_revisions())) if r.revision not in applied]

    return list(asyncio.run(_run_async(database_url, read, registry)))


def revision(
    database_url: str, message: str, *, module: str | None = None, autogenerate: bool = True
) -> None:
    """Write a new revision on the platform's branch, or on ``module``'s (into its own folder). A module's
    first revision starts its branch, labelled with its key and depending on the platform's head."""
    registry = installed_modules()
    options: dict[str, Any] = {}
    if module is None:
        options.update(head=f"{PLATFORM}@head", version_path=str(migrations_dir() / "versions"))
    else:
        found = registry.get(module)
        if found is None or found.migrations is None:
            raise ValueError(f"no installed module {module!r} with a migrations folder")
        options["version_path"] = str(found.migrations)
        scripts = ScriptDirectory.from_config(alembic_config(database_url, registry))
        labels = {label for rev in scripts.walk_revisions() for label in rev.branch_labels}
        if module in labels:
            options["head"] = f"{module}@head"
        else:
            options.update(
                head="base", branch_label=module, depends_on=scripts.get_revision(f"{PLATFORM}@head").revision
            )

    def run(cfg: Config) -> None:
        command.revision(cfg, message=message, autogenerate=autogenerate, **options)

    _run_command(database_url, registry, run)


def owner_of(table: str, registry: Iterable[CivicModule]) -> str:
    """``platform``, or the key of the module whose tables carry the table's prefix."""
    if table.startswith(PLATFORM_TABLE_PREFIXES):
        return PLATFORM
    for module in registry:
        if table.startswith(f"{module.key}_"):
            return module.key
    return "unknown"


def _table_of(diff: Any) -> str:
    """The table an Alembic autogenerate difference is about: ``("add_table", Table)``,
    ``("add_column", schema, table, Column)``, ``("add_index", Index)``, ``[("modify_type", schema, table,
    ...)]`` ..."""
    entry = diff[0] if isinstance(diff, list) else diff
    kind: str = entry[0]
    if kind in {"add_column", "remove_column"} or kind.startswith("modify_"):
        return str(entry[2])
    target = entry[1]
    table = getattr(target, "table", None)
    return str(table.name if table is not None else getattr(target, "name", "unknown"))


def _diff(connection: Connection, metadata: MetaData) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "render_as_batch": True, "version_table": VERSION_TABLE},
    )
    return list(compare_metadata(context, metadata))


def drift(database_url: str, registry: ModuleRegistry | None = None) -> list[Any]:
    """Differences between the models and a migrated database: empty when the migrations are complete."""
    metadata = import_models(registry)
    return list(asyncio.run(_run_async(database_url, lambda conn: _diff(conn, metadata))))


def drift_by_owner(database_url: str, registry: ModuleRegistry) -> dict[str, list[Any]]:
    """:func:`drift`, grouped by who owns each table: ``platform`` or a module's key."""
    grouped: dict[str, list[Any]] = {}
    for diff in drift(database_url, registry):
        grouped.setdefault(owner_of(_table_of(diff), registry), []).append(diff)
    return grouped
