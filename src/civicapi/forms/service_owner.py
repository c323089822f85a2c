"""What a module does to its resource's questionnaires as a whole (every version): delete them with the
resource, clean their test responses when the resource goes live ("clean test answers on publish"), and
say whether the current version asks anything. Services never commit."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.forms import repository_owner as repo
from civicapi.forms.service_definition import FormOwner, current, record


async def delete_owner_questionnaires(session: AsyncSession, owner: FormOwner) -> int:
    """Delete every version of the owner's questionnaire, with its questions and responses (the owner is
    being deleted; the module decides when that is allowed). Each deletion is audited
    ``forms.questionnaire.delete``. How many versions went."""
    ids = await repo.questionnaire_ids(session, owner.commune_id, owner.module, owner.type, owner.id)
    for questionnaire_id in ids:
        record(session, owner, "questionnaire", questionnaire_id, "delete", {})
    await repo.delete_questionnaires(session, owner.commune_id, ids)
    return len(ids)


async def delete_test_responses(session: AsyncSession, owner: FormOwner) -> int:
    """Delete the test responses (``is_test``: given while the owner was not live; never counted) of every
    version of the owner's questionnaire, with their answers; how many. Audited when there were any."""
    ids = await repo.questionnaire_ids(session, owner.commune_id, owner.module, owner.type, owner.id)
    deleted = await repo.delete_test_responses(session, owner.commune_id, ids)
    if deleted and ids:
        record(session, owner, "questionnaire", ids[-1], "clean_test_responses", {"responses": deleted})
    return deleted


async def answerable_questions(session: AsyncSession, owner: FormOwner) -> int:
    """The questions of the owner's current questionnaire that take an answer (0 without one)."""
    questionnaire = await current(session, owner)
    if questionnaire is None:
        return 0
    return await repo.answerable_questions(session, questionnaire.id)
