"""What the seeding scripts of the benchmarks share (run after `civicapi seed-demo`): a new published
component in a new published process of the demo commune, an account, the command line."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes import service as communes
from civicapi.communes.models import Commune
from civicapi.communes.repository import CommuneRepository
from civicapi.demo import DEMO_SLUG
from civicapi.identity import service as identity
from civicapi.identity.models import User
from civicapi.registry import ModuleRegistry
from civicapi.spaces import service as spaces
from civicapi.spaces.models import Component, ParticipatoryProcess
from civicapi.spaces.schemas import ComponentCreate, ProcessCreate
from civicapi.spaces.service_components import create_component


async def demo_component(
    session: AsyncSession,
    registry: ModuleRegistry,
    rng: random.Random,
    data: ComponentCreate,
    *,
    slug: str,
    title: str,
) -> tuple[Commune, ParticipatoryProcess, Component]:
    """The demo commune (the component's module enabled, if it was not), a new published process in it
    (``slug`` and a random suffix, ``title``), and in that a new published component (``data``)."""
    commune = await CommuneRepository(session).by_slug(DEMO_SLUG, with_modules=True)
    if commune is None:
        raise SystemExit("run `civicapi seed-demo` first")
    if not any(m.module_key == data.module_key and m.enabled for m in commune.modules):
        await communes.enable_module(session, registry, commune, data.module_key, {})
    process = await spaces.create_process(
        session, commune, ProcessCreate(slug=f"{slug}-{rng.randrange(10**9)}", title={"fr": title})
    )
    await spaces.set_published(session, process, True)
    component = await create_component(session, registry, commune, process, data)
    await spaces.set_published(session, component, True)
    return commune, process, component


async def bench_person(session: AsyncSession, rng: random.Random, name: str) -> User:
    """A new account of the demo's domain (``name``: its display name)."""
    email = f"{name.lower().replace(' ', '-')}-{rng.randrange(10**9)}@demo.civicapi.org"
    return await identity.create_user(session, email=email, display_name=name, password=None)


def seed_main(
    doc: str | None, seed: Callable[[int], Awaitable[dict[str, str]]], default: int, what: str
) -> None:
    """A seeding script's command line: ``--count`` (10-100000, ``default``) ``what``; prints the
    placeholders ``seed(count)`` returns, as one JSON object."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--count", type=int, default=default, help=f"{what} to create (10-100000)")
    args = parser.parse_args()
    if not 10 <= args.count <= 100_000:
        parser.error("--count must be within 10-100000")
    print(json.dumps(asyncio.run(seed(args.count))))


def save_result(prefix: str, result: dict[str, Any], database_url: str) -> Path:
    """Write a bench's result (with its command line and database kind) to ``bench/results/`` and say
    where."""
    out = (
        Path(__file__).resolve().parent
        / "results"
        / f"{prefix}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    )
    out.parent.mkdir(exist_ok=True)
    result["command"] = " ".join([Path(sys.executable).name, *sys.argv])
    result["database"] = database_url.split(":", 1)[0]
    out.write_text(json.dumps(result, indent=2))
    print(f"results: {out}")
    return out
