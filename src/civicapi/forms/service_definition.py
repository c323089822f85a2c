"""Use cases of questionnaire definitions, for the modules that own them (a survey, a meeting's
registration form): the owner's current questionnaire, got or created; its wording; its structure
(questions, options, rows: ``service_structure``), frozen once the version has responses (only wording
may then change, audited ``reword``) until :func:`new_version` copies it; the respondent's view.

Every write is audited ``forms.<kind>.<verb>`` with the owner resource in its changes. Services never
commit."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core import audit
from civicapi.core.i18n import check_locales
from civicapi.forms.exceptions import FormDefinitionConflict, FormNotFound
from civicapi.forms.models import MatrixRow, Option, Question, Questionnaire
from civicapi.forms.repository_definition import (
    OptionRepository,
    QuestionnaireRepository,
    QuestionRepository,
    RowRepository,
)
from civicapi.forms.schemas_definition import (
    OptionRead,
    PageRead,
    QuestionnaireRead,
    QuestionnaireWrite,
    QuestionRead,
    RowRead,
)

TRAIL = audit.ModuleTrail("forms")
WORDING = frozenset({"title", "description", "terms", "body"})
"""Fields that are wording: they may change after responses (audited ``reword``)."""
QUESTIONNAIRE_FIELDS = ("title", "description", "terms")
QUESTIONNAIRE_READ_FIELDS = ("id", "version", *QUESTIONNAIRE_FIELDS, "responses_count", "superseded_at")


@dataclass(frozen=True, slots=True)
class FormOwner:
    """The resource a questionnaire belongs to (``module``/``type``/``id``) in a commune offering
    ``locales``: what a module hands to every service here."""

    commune_id: uuid.UUID
    module: str
    type: str
    id: uuid.UUID
    locales: tuple[str, ...]

    def ref(self) -> dict[str, str]:
        return {"module": self.module, "type": self.type, "id": str(self.id)}


@dataclass(frozen=True, slots=True)
class Editing:
    """A questionnaire being edited: the unit of work, the owner and the owner's current version."""

    session: AsyncSession
    owner: FormOwner
    questionnaire: Questionnaire


@dataclass
class Definition:
    """A questionnaire's questions in order (by page, then position), with their options and rows."""

    questions: list[Question]
    options: dict[uuid.UUID, list[Option]]
    rows: dict[uuid.UUID, list[MatrixRow]]


async def load(session: AsyncSession, questionnaire: Questionnaire) -> Definition:
    """The questions, options and rows of ``questionnaire``, in three queries."""
    commune_id = questionnaire.commune_id
    questions = await QuestionRepository(session, commune_id).of(questionnaire.id)
    ids = [q.id for q in questions]
    definition = Definition(questions, {i: [] for i in ids}, {i: [] for i in ids})
    for option in await OptionRepository(session, commune_id).of(ids):
        definition.options[option.question_id].append(option)
    for row in await RowRepository(session, commune_id).of(ids):
        definition.rows[row.question_id].append(row)
    return definition


def record(
    session: AsyncSession, owner: FormOwner, kind: str, id: uuid.UUID, verb: str, changes: Mapping[str, Any]
) -> None:
    """``forms.<kind>.<verb>`` about ``id``, its changes naming the owner resource."""
    TRAIL.record(
        session,
        commune_id=owner.commune_id,
        kind=kind,
        id=id,
        verb=verb,
        changes={**changes, "owner": owner.ref()},
    )


def check_texts(owner: FormOwner, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        if isinstance(value, dict):
            check_locales(value, owner.locales, field=name)


async def current(session: AsyncSession, owner: FormOwner) -> Questionnaire | None:
    """The owner's current questionnaire (the newest version), or None."""
    return await QuestionnaireRepository(session, owner.commune_id).current(
        owner.module, owner.type, owner.id
    )


async def current_or_404(session: AsyncSession, owner: FormOwner) -> Questionnaire:
    questionnaire = await current(session, owner)
    if questionnaire is None:
        raise FormNotFound("this resource has no questionnaire", reason="no_questionnaire")
    return questionnaire


async def get_or_create(
    session: AsyncSession, owner: FormOwner, *, title: Mapping[str, str]
) -> Questionnaire:
    """The owner's current questionnaire, or a new empty one (version 1) titled ``title``: what a module
    calls when its resource starts asking questions (a meeting's registration form)."""
    existing = await current(session, owner)
    if existing is not None:
        return existing
    return await put_questionnaire(session, owner, QuestionnaireWrite(title=dict(title)))


async def put_questionnaire(
    session: AsyncSession, owner: FormOwner, body: QuestionnaireWrite
) -> Questionnaire:
    """Create the owner's questionnaire (version 1), or change its wording (``reword`` once it has
    responses: wording may always change)."""
    values = {"title": body.title, "description": body.description or {}, "terms": body.terms or {}}
    check_texts(owner, values)
    repo = QuestionnaireRepository(session, owner.commune_id)
    questionnaire = await repo.current(owner.module, owner.type, owner.id)
    if questionnaire is None:
        questionnaire = Questionnaire(
            commune_id=owner.commune_id,
            owner_module=owner.module,
            owner_type=owner.type,
            owner_id=owner.id,
            version=1,
            **values,
        )
        repo.add(questionnaire)
        await session.flush()
        changes = audit.created(questionnaire, ("version", *QUESTIONNAIRE_FIELDS))
        record(session, owner, "questionnaire", questionnaire.id, "create", changes)
        return questionnaire
    await change(session, owner, questionnaire, "questionnaire", questionnaire, values, QUESTIONNAIRE_FIELDS)
    return questionnaire


async def guard_structure(session: AsyncSession, owner: FormOwner, questionnaire: Questionnaire) -> None:
    """409 ``has_responses`` unless this version has no response, checked by a conditional UPDATE that
    holds the row until the commit: a concurrent first response cannot slip in before the change."""
    if questionnaire.superseded_at is not None:
        raise FormDefinitionConflict("a newer version replaced this questionnaire", reason="superseded")
    claimed = await QuestionnaireRepository(session, owner.commune_id).claim_structure(questionnaire.id)
    if not claimed:
        raise FormDefinitionConflict(
            "this version of the questionnaire has responses: only its wording may change",
            reason="has_responses",
            way_out="new_version",
        )


async def change(
    session: AsyncSession,
    owner: FormOwner,
    questionnaire: Questionnaire,
    kind: str,
    row: Any,
    values: Mapping[str, Any],
    fields: tuple[str, ...],
) -> dict[str, list[Any]]:
    """Set ``values`` on ``row``: wording always, structure only while the version has no response (else
    409). Audited ``update`` (``reword`` when only wording changed after responses)."""
    before = audit.snapshot(row, fields)
    after = {**before, **values}
    changed = audit.diff(before, after)
    if not changed:
        return changed
    structural = set(changed) - WORDING
    if structural:
        await guard_structure(session, owner, questionnaire)
    for name in changed:
        setattr(row, name, after[name])
    await session.flush()
    verb = "reword" if not structural and questionnaire.responses_count > 0 else "update"
    record(session, owner, kind, row.id, verb, {**changed, "questionnaire_id": str(questionnaire.id)})
    return changed


READ_FIELDS = tuple(f for f in QuestionRead.model_fields if f not in ("options", "rows"))


def _question_read(question: Question, options: list[Option], rows: list[MatrixRow]) -> QuestionRead:
    return QuestionRead(
        **{f: getattr(question, f) for f in READ_FIELDS},
        options=[OptionRead.model_validate(o, from_attributes=True) for o in options],
        rows=[RowRead.model_validate(r, from_attributes=True) for r in rows],
    )


async def read(session: AsyncSession, questionnaire: Questionnaire) -> QuestionnaireRead:
    """The questionnaire as a respondent sees it: its questions in order, by page."""
    definition = await load(session, questionnaire)
    pages: dict[int, list[QuestionRead]] = {}
    for q in definition.questions:
        pages.setdefault(q.page, []).append(
            _question_read(q, definition.options[q.id], definition.rows[q.id])
        )
    return QuestionnaireRead(
        **{f: getattr(questionnaire, f) for f in QUESTIONNAIRE_READ_FIELDS},
        pages=[PageRead(page=n, questions=qs) for n, qs in sorted(pages.items())],
    )
