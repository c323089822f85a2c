"""Seed the demo commune for the accountability benchmark (run by bench/run.py after `civicapi seed-demo`).

    CIVICAPI_DATABASE_URL=... .venv/bin/python bench/seed_accountability.py [--count 5000]

Creates, in the demo commune: the accountability module enabled, a published process, a published
accountability component with four statuses and ``--count`` results in a 4-level tree (projects, lots,
tasks, steps: 1/625, 6/625, 48/625 and the rest of the count), spread over districts, with weights,
progress, planned and spent amounts; the progress is then rolled up once for the whole tree. Prints one
JSON object of placeholders for the scenario's path: ``accountability_component_id``.
"""

from __future__ import annotations

import random
from datetime import date

from seeding import demo_component, seed_main

from civicapi.config import get_settings
from civicapi.core.db.session import Database, create_engine
from civicapi.modules.accountability.models import Result
from civicapi.modules.accountability.rollup import recompute_component
from civicapi.modules.accountability.schemas import StatusCreate
from civicapi.modules.accountability.service_statuses import create_status
from civicapi.modules.accountability.settings import (
    AccountabilityComponentSettings,
    AccountabilityStepSettings,
    ComponentContext,
)
from civicapi.registry import load_modules
from civicapi.spaces.schemas import ComponentCreate

DISTRICTS = ("Centre", "Outremeuse", "Sainte-Marguerite", "Guillemins", "Angleur", "Jupille")
STATUSES = (
    ("planned", "Prévu", 0.0),
    ("study", "À l'étude", 10.0),
    ("works", "Travaux", 50.0),
    ("done", "Fait", 100.0),
)
CHUNK = 1000


def tree_shape(count: int) -> list[int]:
    """Results per level (4 levels) adding up to ``count``."""
    roots = max(1, count // 625)
    lots = min(count - roots, roots * 6)
    tasks = min(count - roots - lots, lots * 8)
    return [roots, lots, tasks, count - roots - lots - tasks]


async def seed(count: int) -> dict[str, str]:
    settings = get_settings()
    registry = load_modules(settings.modules)
    db = Database(create_engine(settings.database_url))
    rng = random.Random(2026)  # the same data on every run
    try:
        async with db.unit_of_work() as session:
            data = ComponentCreate(module_key="accountability", name={"fr": "Suivi des projets"})
            commune, process, component = await demo_component(
                session, registry, rng, data, slug="bench-suivi", title="Suivi des projets (bench)"
            )
            ctx = ComponentContext(
                commune=commune,
                component=component,
                process=process,
                settings=AccountabilityComponentSettings(),
                step=AccountabilityStepSettings(),
                today=date.today(),
            )
            statuses = [
                await create_status(
                    session, ctx, StatusCreate(key=key, name={"fr": name}, progress=progress, position=i)
                )
                for i, (key, name, progress) in enumerate(STATUSES)
            ]
        parents: list[Result] = []
        for level, size in enumerate(tree_shape(count)):
            created: list[Result] = []
            for start in range(0, size, CHUNK):
                async with db.unit_of_work() as session:
                    batch = []
                    for n in range(start, min(size, start + CHUNK)):
                        status = statuses[rng.randrange(len(statuses))]
                        batch.append(
                            Result(
                                commune_id=commune.id,
                                component_id=component.id,
                                parent_id=parents[n % len(parents)].id if parents else None,
                                title={
                                    "fr": f"Niveau {level + 1}, n°{n + 1}",
                                    "nl": f"Niveau {level + 1}, nr. {n + 1}",
                                },
                                status_id=status.id,
                                progress=status.progress or 0.0,
                                weight=rng.choice((None, 1.0, 2.0, 3.0)),
                                planned_amount=rng.randrange(1_000, 200_000) if level == 0 else None,
                                spent_amount=rng.randrange(0, 150_000) if level == 0 else None,
                                district=DISTRICTS[n % len(DISTRICTS)] if level == 0 else None,
                                position=n,
                            )
                        )
                    session.add_all(batch)
                    await session.flush()
                    created += batch
            parents = created
        async with db.unit_of_work() as session:
            await recompute_component(session, ctx)
    finally:
        await db.dispose()
    return {"accountability_component_id": str(component.id)}


def main() -> None:
    seed_main(__doc__, seed, 5_000, "results")


if __name__ == "__main__":
    main()
