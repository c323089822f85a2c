"""What a module is: one :class:`CivicModule` exported by a package and announced through the
``civicapi.modules`` entry-point group."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from civicapi.core.events import Handler
from civicapi.core.links import ResourceRef
from civicapi.registry.resources import ResourceType

if TYPE_CHECKING:
    import argparse

    from fastapi import APIRouter
    from sqlalchemy.ext.asyncio import AsyncSession

    from civicapi.core.lanes import Lane

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,29}$")


class Role(StrEnum):
    """Roles a person holds in one commune. The platform administrator stands above communes."""

    admin = "admin"
    moderator = "moderator"
    valuator = "valuator"
    staff = "staff"
    participant = "participant"


class EmptySettings(BaseModel):
    """Settings schema of a module that has no settings: accepts ``{}`` and nothing else."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True, slots=True)
class Permission:
    """A right a module declares (``<module key>.<action>``) and the roles that hold it by default.

    Deny by default: a role holds only what is listed here."""

    name: str
    description: str
    roles: frozenset[Role] = frozenset({Role.admin})


@dataclass(frozen=True, slots=True)
class VerificationHandlerInfo:
    """A way to verify residents (Decidim's authorization handler) that a module offers.

    The platform ships ``census`` and ``desk`` (``civicapi.identity.verification``); a module's handler is
    named ``<module key>.<name>`` and grants verifications through the identity layer's services."""

    name: str
    title: Mapping[str, str]
    description: Mapping[str, str] = field(default_factory=dict)


EnableHook = Callable[["AsyncSession", uuid.UUID, BaseModel], Awaitable[None]]
PersonalDataExporter = Callable[["AsyncSession", uuid.UUID], Awaitable[dict[str, Any]]]
"""(session, user id) -> the module's part of the person's data export (JSON-serialisable)."""
LaneFactory = Callable[[Any], "Lane"]
StartHook = Callable[[Any], Awaitable[object]]
"""(app.state) -> work a module resumes when a process starts (run after start-up, not awaited by it)."""
CliHook = Callable[["argparse.ArgumentParser"], None]
"""Adds the module's commands to ``civicapi <module key> ...``: sub-parsers whose ``func(args) -> int`` runs
the command (its exit status)."""


@dataclass(frozen=True, slots=True)
class DemoContext:
    """What the demo seeding hands each module: the demo commune, its people (e-mail -> user id), its
    participatory processes (slug -> id: ``bp-demo``, the vote open now, and ``bp-2025``, last year's, in
    which each module adds its phase and component), the modules loaded with it, and what the seeders run
    before this one made (module key -> the references each returned). A seeder must be idempotent: the
    demo is seeded at every start, and a seeder that finds its content returns the references of it."""

    commune_id: uuid.UUID
    commune_slug: str
    people: Mapping[str, uuid.UUID]
    registry: Any
    processes: Mapping[str, uuid.UUID] = field(default_factory=dict)
    made: Mapping[str, Sequence[ResourceRef]] = field(default_factory=dict)

    def refs(self, module_key: str, type_name: str | None = None) -> list[ResourceRef]:
        """What module ``module_key``'s seeder made (of ``type_name`` only, when given), e.g. the proposals
        of the demo: ``context.refs("proposals", "proposal")``; [] when it is not installed."""
        return [r for r in self.made.get(module_key, ()) if type_name is None or r.type == type_name]


DemoSeeder = Callable[["AsyncSession", DemoContext], Awaitable["Sequence[ResourceRef] | None"]]
"""(session, context) -> the module's believable demo content, made through its services; answers the
references of what it made (or found made), for the seeders that run after it."""
PersonalDataEraser = Callable[["AsyncSession", uuid.UUID], Awaitable[None]]
"""(session, user id) -> remove the person's personal data from the module's tables before the account is
deleted: contributions stay under an anonymous author, counts stay unchanged."""


@dataclass(slots=True)
class CivicModule:
    key: str
    title: Mapping[str, str]
    router: APIRouter | None = None
    models: Sequence[type[Any]] = ()
    permissions: Sequence[Permission] = ()
    settings_schema: type[BaseModel] = EmptySettings
    """Per-commune settings, validated when the commune enables the module."""
    component_settings_schema: type[BaseModel] = EmptySettings
    """Settings of one component (one instance of the module inside a process)."""
    step_settings_schema: type[BaseModel] = EmptySettings
    """Settings of a component that change with the active phase."""
    subscriptions: Mapping[str, Handler] = field(default_factory=dict)
    """Event name -> handler, delivered after commit when the module is enabled for the event's commune."""
    on_enable: EnableHook | None = None
    verification_handlers: Sequence[VerificationHandlerInfo] = ()
    """Ways of verifying residents this module adds to the platform's built-in ones."""
    export_personal_data: PersonalDataExporter | None = None
    erase_personal_data: PersonalDataEraser | None = None
    description: Mapping[str, str] = field(default_factory=dict)
    version: str = "0"
    resource_types: Sequence[ResourceType] = ()
    """The kinds of resources the shared capabilities (comments, places, attachments, notifications, the
    change feed) may refer to, each with its visibility and description hooks (``registry.resources``)."""
    cache_quiet_tables: Sequence[str] = ()
    """Own tables whose writes leave public cached reads valid (see ``civicapi.core.cache``): high-volume
    personal records such as ballots, that public pages show only as totals (which may then lag by the
    cache's ``max-age``). A write to any other table makes this process re-read public pages at once."""
    lane: LaneFactory | None = None
    """A shorter way through one of the module's busiest routes (see ``civicapi.core.lanes``), built once
    the application is: ``lane(app.state)`` (``db``, ``registry``, ``tokens`` ...)."""
    on_start: StartHook | None = None
    """Work to resume when a process starts, e.g. what a stopped process left half done: run as a task
    once the application has started (errors are logged), cancelled at shutdown."""
    cli: CliHook | None = None
    """The module's commands, under ``civicapi <key>`` (e.g. ``civicapi budgets recount``)."""
    demo: DemoSeeder | None = None
    """The module's part of ``civicapi seed-demo`` (run in its own unit of work, after the platform's and
    after the seeders of ``demo_after``; the events it publishes are delivered before the next one runs)."""
    demo_after: Sequence[str] = ()
    """Keys of the modules whose demo seeders run before this one's when installed (it links to what they
    made: ``DemoContext.refs``); the others run in the registry's order."""
    migrations: str | os.PathLike[str] | None = None
    """The folder of the module's own Alembic branch (labelled with the module's key; its first revision
    has no ``down_revision`` and ``depends_on`` the platform revision it needs). Required when the module
    has tables: ``civicapi migrate`` upgrades, downgrades and checks it with the platform."""

    def table_names(self) -> list[str]:
        return [m.__table__.name for m in self.models]
