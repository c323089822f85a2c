"""Seed the demo commune for the proposals benchmarks (run by bench/run.py after `civicapi seed-demo`).

    CIVICAPI_DATABASE_URL=... .venv/bin/python bench/seed_proposals.py [--count 10000]

Creates, in the demo commune: the proposals module enabled, a published process whose phase runs today, a
published proposals component (creation and supports open) holding ``--count`` published proposals (half
of them authored by residents, half official, spread over districts and a map area), and a supporter
account. Prints one JSON object of placeholders for the scenarios' paths and headers:
``component_id``, ``proposals_file`` (one proposal id per line: the supports scenario supports each in
turn) and ``token`` (a bearer token of the supporter, valid for a day).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
from datetime import date, timedelta
from pathlib import Path

from civicapi.communes import service as communes
from civicapi.communes.repository import CommuneRepository
from civicapi.config import get_settings
from civicapi.core.db.base import utcnow
from civicapi.core.db.session import Database, create_engine
from civicapi.demo import DEMO_SLUG
from civicapi.identity import service as identity
from civicapi.identity.dependencies import build_token_service
from civicapi.modules.proposals.common.rules import RANDOM_KEY_MODULUS, format_reference, search_text
from civicapi.modules.proposals.models import PUBLISHED, Authorship, Proposal
from civicapi.modules.proposals.repository import ReferenceCounterRepository
from civicapi.registry import load_modules
from civicapi.spaces import service as spaces
from civicapi.spaces import service_components as spaces_components
from civicapi.spaces.schemas import ComponentCreate, PhaseCreate, ProcessCreate

DISTRICTS = ("Centre", "Outremeuse", "Sainte-Marguerite", "Guillemins", "Angleur", "Jupille")
CHUNK = 1000


async def seed(count: int) -> dict[str, str]:
    settings = get_settings()
    registry = load_modules(settings.modules)
    db = Database(create_engine(settings.database_url))
    rng = random.Random(2026)  # the same data on every run
    try:
        async with db.unit_of_work() as session:
            commune = await CommuneRepository(session).by_slug(DEMO_SLUG, with_modules=True)
            if commune is None:
                raise SystemExit("run `civicapi seed-demo` first")
            await communes.enable_module(session, registry, commune, "proposals", {})
            process = await spaces.create_process(
                session,
                commune,
                ProcessCreate(slug=f"bench-{rng.randrange(10**9)}", title={"fr": "Appel à idées (bench)"}),
            )
            await spaces.set_published(session, process, True)
            today = date.today()
            phase = await spaces.create_phase(
                session,
                commune,
                process,
                PhaseCreate(
                    title={"fr": "Dépôt et soutiens"},
                    start_date=today - timedelta(days=1),
                    end_date=today + timedelta(days=365),
                ),
            )
            process.phases.append(phase)  # the component's step settings are checked against them
            component = await spaces_components.create_component(
                session,
                registry,
                commune,
                process,
                ComponentCreate(
                    module_key="proposals",
                    name={"fr": "Idées"},
                    settings={"geolocation_enabled": True},
                    step_settings={phase.id: {"creation_enabled": True, "supports_enabled": True}},
                ),
            )
            await spaces.set_published(session, component, True)
            supporter = await identity.create_user(
                session,
                email=f"bench-supporter-{rng.randrange(10**9)}@demo.civicapi.org",
                display_name="Bench Supporter",
                password=None,
            )
            commune_id, component_id, prefix = commune.id, component.id, commune.reference_prefix
        ids: list[str] = []
        for start in range(0, count, CHUNK):
            async with db.unit_of_work() as session:
                size = min(CHUNK, count - start)
                first = await ReferenceCounterRepository(session, commune_id).allocate(today.year, size)
                now = utcnow()
                batch = []
                for i in range(size):
                    n = start + i
                    official = n % 2 == 0
                    proposal = Proposal(
                        commune_id=commune_id,
                        component_id=component_id,
                        status=PUBLISHED,
                        reference=format_reference(prefix, today.year, first + i),
                        title={
                            "fr": f"Proposition n°{n + 1} pour le quartier",
                            "nl": f"Voorstel nr. {n + 1}",
                        },
                        body={
                            "fr": "Aménager un espace partagé, planter des arbres et installer des bancs. "
                            * 3
                        },
                        district=DISTRICTS[n % len(DISTRICTS)],
                        category="Environnement" if n % 3 else "Mobilité",
                        address=f"Rue de la Bench {n + 1}, 4000 Liège",
                        latitude=50.6 + rng.random() / 10,
                        longitude=5.5 + rng.random() / 10,
                        official=official,
                        published_at=now - timedelta(seconds=count - n),
                        supports_count=rng.randrange(200),
                        random_key=rng.randrange(RANDOM_KEY_MODULUS),
                        authorships=[]
                        if official
                        else [
                            Authorship(
                                commune_id=commune_id, user_id=None, display_name=f"Habitant·e {n + 1}"
                            )
                        ],
                    )
                    proposal.search_text = search_text(proposal)
                    batch.append(proposal)
                session.add_all(batch)
                await session.flush()
                ids += [str(p.id) for p in batch]
        token, _ = build_token_service(settings).issue(str(supporter.id))
    finally:
        await db.dispose()
    proposals_file = Path(tempfile.mkdtemp(prefix="civicapi-bench-proposals-")) / "proposals.txt"
    proposals_file.write_text("\n".join(ids) + "\n", encoding="utf-8")
    return {"component_id": str(component_id), "proposals_file": str(proposals_file), "token": token}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000, help="proposals to create (1-100000)")
    args = parser.parse_args()
    if not 1 <= args.count <= 100_000:
        parser.error("--count must be within 1-100000")
    print(json.dumps(asyncio.run(seed(args.count))))


if __name__ == "__main__":
    main()
