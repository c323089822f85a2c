"""Problem types of the forms capability (each part in its own block)."""

from __future__ import annotations

from typing import Any

from civicapi.core.errors import Conflict, NotFound, ProblemError

# --- submissions -------------------------------------------------------------------------------------


class InvalidResponse(ProblemError):
    status = 422
    slug = "forms-invalid-response"
    title = "Invalid response"
    description = (
        "A response to a questionnaire was refused, nothing written; `errors` lists every problem at once, "
        "each as `{question, reason, ...}` (`question` null for the terms)."
    )

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the response", errors=errors)


class ResponseNotFound(NotFound):
    slug = "forms-response-not-found"
    title = "Response not found"
    description = "The caller has not answered this questionnaire (or the answer is anonymous)."


class QuestionnaireSuperseded(Conflict):
    slug = "forms-questionnaire-superseded"
    title = "Questionnaire superseded"
    description = "A newer version of the questionnaire replaced this one: answer the current version."
