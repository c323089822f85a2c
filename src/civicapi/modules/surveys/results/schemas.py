"""Request and response bodies of the surveys' results use case (the results themselves are the forms
capability's ``schemas_results``)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from civicapi.core.schemas import RequestModel


class ResultsPublicationWrite(RequestModel):
    published: bool = Field(
        description="true: whoever sees the survey sees its results; false: only `surveys.manage` holders."
    )


class ResultsPublicationRead(BaseModel):
    survey_id: uuid.UUID
    published: bool
    min_group_size: int = Field(description="k: breakdown groups of fewer responses are not shown.")
