"""Pabulib files: the anonymised ballots of a closed vote written as a ``.pb`` file (what researchers and
tools such as pabutools read, with its SHA-256 published), and a ``.pb`` file imported as a closed budget
with its projects and ballots (demos, simulations, audits)."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.core.errors import InvalidInput
from civicapi.core.i18n import translate
from civicapi.modules.budgets import audit_helpers as audit
from civicapi.modules.budgets.catalog import places
from civicapi.modules.budgets.catalog.repository import BudgetRepository, ProjectRepository
from civicapi.modules.budgets.counting import Ballot as PbBallot
from civicapi.modules.budgets.counting import BallotKind as PbKind
from civicapi.modules.budgets.counting import (
    Election,
    PabulibError,
    parse_pabulib,
    sha256_text,
    write_pabulib,
)
from civicapi.modules.budgets.counting import Project as PbProject
from civicapi.modules.budgets.models import PAPER, SEALED, BallotExport, Budget, Project
from civicapi.modules.budgets.results.repository import ExportRepository, UrnRepository
from civicapi.modules.budgets.settings import BallotKind, ComponentContext, CountingRule

PABULIB_RULES = {
    CountingRule.greedy: "greedy",
    CountingRule.greedy_stop: "greedy-stop",
    CountingRule.mes: "equalshares",
    CountingRule.mes_add1: "equalshares/add1",
}
PABULIB = "pabulib"
_SPECIAL = ("name", "votes")


def _meta(ctx: ComponentContext, budget: Budget) -> dict[str, str]:
    settings = ctx.settings
    locale = ctx.commune.default_locale
    meta = {
        "description": translate(budget.title, locale, locale),
        "unit": ctx.commune.name,
        "instance": ctx.process.slug,
        "district": budget.district or "",
        "currency": budget.currency,
        "language": locale,
        "rule": PABULIB_RULES[settings.counting_rule],
    }
    if settings.ballot_kind is BallotKind.cumulative:
        meta["max_sum_points"] = str(settings.points_total)
        meta["max_points"] = str(settings.max_points_per_project)
        if settings.require_all_points:
            meta["min_sum_points"] = str(settings.points_total)
    return {k: v for k, v in meta.items() if v}


def _project(project: Project, votes: int, locale: str, imported: bool) -> PbProject:
    if imported:
        extra = {k: str(v) for k, v in project.extra.items()}
        raw_votes = extra.get("votes")
        return PbProject(
            id=project.code,
            cost=project.cost,
            name=extra.get("name"),
            votes=int(raw_votes) if raw_votes not in (None, "") else None,
            fields={k: v for k, v in extra.items() if k not in _SPECIAL},
        )
    fields = {"category": project.category or ""}
    if project.latitude is not None and project.longitude is not None:
        fields |= {"latitude": str(project.latitude), "longitude": str(project.longitude)}
    return PbProject(
        id=project.code,
        cost=project.cost,
        name=translate(project.title, locale, locale),
        votes=votes,
        fields=fields,
    )


async def election_of(session: AsyncSession, ctx: ComponentContext, budget: Budget) -> dict[str, Any]:
    """The sealed ballots of ``budget`` and its projects: the arguments of the export's :class:`Election`
    (whose checks of every ballot are left to the worker thread that writes the file). The ballots are read
    a partition at a time, so the event loop serves requests in between."""
    imported = budget.origin == PABULIB
    locale = ctx.commune.default_locale
    projects = await ProjectRepository(session, ctx.commune_id).all_of_budget(budget.id)
    codes = {p.id: p.code for p in projects}
    urn = UrnRepository(session, ctx.commune_id)
    chosen: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    async for items in urn.sealed_items(budget.id):
        for ballot_id, project_id, points in items:
            chosen[ballot_id][codes[project_id]] = int(points)
    if imported:
        kind = PbKind(budget.meta.get("vote_type", "approval"))
    else:
        kind = PbKind.CUMULATIVE if ctx.settings.ballot_kind is BallotKind.cumulative else PbKind.APPROVAL
    ballots = []
    votes: dict[str, int] = defaultdict(int)
    async for partition in urn.sealed(budget.id, extra=imported):
        for ballot_id, position, voter_ref, channel, extra in partition:
            picks = chosen.pop(ballot_id, {})
            for code, points in picks.items():
                votes[code] += points
            fields = (
                {k: str(v) for k, v in (extra or {}).items()}
                if imported
                else {"voting_method": "paper" if channel == PAPER else "internet"}
            )
            voter_id = voter_ref or str(position)
            if kind is PbKind.CUMULATIVE:
                ballots.append(PbBallot(voter_id=voter_id, points=picks, fields=fields))
            else:
                ballots.append(PbBallot(voter_id=voter_id, approvals=frozenset(picks), fields=fields))
    meta = {k: str(v) for k, v in budget.meta.items()} if imported else _meta(ctx, budget)
    return {
        "budget": budget.total_amount,
        "projects": tuple(_project(p, votes.get(p.code, 0), locale, imported) for p in projects),
        "ballots": tuple(ballots),
        "kind": kind,
        "meta": meta,
    }


def _written(election: dict[str, Any]) -> tuple[str, str]:
    text = write_pabulib(Election(**election))
    return text, sha256_text(text)


async def publish_export(session: AsyncSession, ctx: ComponentContext, budget: Budget) -> BallotExport:
    """Write the export of the sealed ballots and publish its digest on the budget (at close). The file is
    written and hashed in a worker thread: a large one takes seconds the event loop does not lose."""
    text, digest = await asyncio.to_thread(_written, await election_of(session, ctx, budget))
    export = ExportRepository(session, ctx.commune_id).add(
        BallotExport(budget_id=budget.id, sha256=digest, text=text)
    )
    budget.ballots_sha256 = export.sha256
    await session.flush()
    return export


async def get_export(session: AsyncSession, budget: Budget) -> BallotExport | None:
    return await ExportRepository(session, budget.commune_id).of_budget(budget.id)


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _text(value: str | None, limit: int) -> str | None:
    value = (value or "").strip()
    return value[:limit] if value else None


def parse(text: str, warnings: list[str] | None = None) -> Election:
    """The file's election (a 422 when it is not one); with ``warnings``, normalised where the format
    allows (:func:`parse_pabulib`)."""
    try:
        return parse_pabulib(text, warnings=warnings)
    except PabulibError as exc:
        raise InvalidInput(
            f"not a valid Pabulib file: {exc}",
            errors=[{"location": ["body"], "message": str(exc), "code": "invalid_pabulib"}],
        ) from exc


def _read(text: str) -> tuple[Election, list[str]]:
    warnings: list[str] = []
    return parse(text, warnings), warnings


def _ballot_rows(
    election: Election, budget_id: uuid.UUID, ids: dict[str, uuid.UUID]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of the file's ballots and of their choices (pure: computed in a worker thread)."""
    ballots: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    for i, b in enumerate(election.ballots):
        ballot_id = uuid.uuid4()
        picks = dict(election.weights(b))
        ballots.append(
            {
                "id": ballot_id,
                "budget_id": budget_id,
                "status": SEALED,
                "channel": PAPER
                if b.fields.get("voting_method", "").strip().lower() == "paper"
                else "online",
                "total_cost": sum(election.project(pid).cost for pid in picks),
                "points_total": sum(picks.values()),
                "projects_count": len(picks),
                "position": i,
                "voter_ref": b.voter_id[:64],
                "extra": dict(b.fields),
            }
        )
        items.extend(
            {"ballot_id": ballot_id, "project_id": ids[pid], "points": w} for pid, w in picks.items()
        )
    return ballots, items


async def import_pabulib(
    session: AsyncSession, ctx: ComponentContext, text: str, *, title: str | None
) -> tuple[Budget, Election, list[str]]:
    """Create a closed budget holding the file's projects and ballots, and publish its export; also what
    was normalised to read the file. Parsing and building the rows run in a worker thread (a large file
    takes seconds the event loop keeps serving requests in); the database work stays here."""
    election, warnings = await asyncio.to_thread(_read, text)
    long_ids = [p.id for p in election.projects if len(p.id) > 60]
    if long_ids:
        raise InvalidInput(f"project ids longer than 60 characters: {long_ids[:3]}")
    locale = ctx.commune.default_locale
    meta = dict(election.meta)
    name = (
        title or meta.get("description") or " ".join(filter(None, (meta.get("unit"), meta.get("instance"))))
    )
    currency = (meta.get("currency") or "EUR").strip().upper()
    budget = BudgetRepository(session, ctx.commune_id).add(
        Budget(
            component_id=ctx.component_id,
            title={locale: (name or "Pabulib")[:200]},
            total_amount=election.budget,
            currency=currency if len(currency) == 3 and currency.isalpha() else "EUR",
            district=_text(meta.get("district") or meta.get("subunit"), 60),
            origin=PABULIB,
            meta=meta,
            closed_at=utcnow(),
        )
    )
    await session.flush()
    repo = ProjectRepository(session, ctx.commune_id)
    ids: dict[str, uuid.UUID] = {}
    projects: list[Project] = []
    for i, p in enumerate(election.projects):
        extra: dict[str, Any] = dict(p.fields)
        if p.name is not None:
            extra["name"] = p.name
        if p.votes is not None:
            extra["votes"] = str(p.votes)
        project = repo.add(
            Project(
                component_id=ctx.component_id,
                budget_id=budget.id,
                number=i + 1,
                external_id=p.id,
                title={locale: (p.name or p.id).strip()[:200] or p.id},
                description={locale: d[:20_000]}
                if (d := (p.fields.get("description") or "").strip())
                else {},
                cost=p.cost,
                category=_text((p.fields.get("category") or "").split(",")[0], 60),
                latitude=_float(p.fields.get("latitude")),
                longitude=_float(p.fields.get("longitude")),
                position=i,
                extra=extra,
            )
        )
        if project.latitude is not None and not -90 <= project.latitude <= 90:
            project.latitude = None
        if project.longitude is not None and not -180 <= project.longitude <= 180:
            project.longitude = None
        ids[p.id] = project.id = uuid.uuid4()
        projects.append(project)
    await session.flush()
    await places.sync(session, projects)
    ballots, items = await asyncio.to_thread(_ballot_rows, election, budget.id, ids)
    await UrnRepository(session, ctx.commune_id).insert_all(ballots, items, chunk=1000)
    export = await publish_export(session, ctx, budget)
    audit.record(
        session,
        commune_id=ctx.commune_id,
        kind="budget",
        id=budget.id,
        verb="import_pabulib",
        changes={
            "projects": len(election.projects),
            "ballots": len(election.ballots),
            "sha256": export.sha256,
        },
    )
    return budget, election, warnings
