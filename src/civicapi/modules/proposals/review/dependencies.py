"""Path resources of the review use case: a criterion of the current component (404 when it is not
there or belongs to another commune or component)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path

from civicapi.core.deps import SessionDep
from civicapi.modules.proposals.dependencies import CurrentContext
from civicapi.modules.proposals.models import Criterion
from civicapi.modules.proposals.review.service import get_criterion

CriterionId = Annotated[uuid.UUID, Path(description="The criterion's id.")]


async def valid_criterion(criterion_id: CriterionId, ctx: CurrentContext, session: SessionDep) -> Criterion:
    return await get_criterion(session, ctx, criterion_id)


CurrentCriterion = Annotated[Criterion, Depends(valid_criterion)]
