"""Problem types of the forms capability, each with a machine-readable ``reason``. Each part (definitions,
submissions, results) declares its own types in its own block."""

from __future__ import annotations

from typing import Any

from civicapi.core.errors import Conflict, InvalidInput, NotFound, ProblemError

# --- definitions (f1) -------------------------------------------------------------------------------


class FormDefinitionInvalid(InvalidInput):
    slug = "forms-definition-invalid"
    title = "Invalid questionnaire definition"
    description = (
        "The questionnaire, a question, an option or a matrix row breaks a rule; `reason` names the first "
        "broken rule and `errors` lists them all (each with its `code`): `field_not_for_type` (a field the "
        "question's type does not take), `options_required`, `options_not_for_type`, `rows_required`, "
        "`rows_not_for_type`, `choices_inverted` (min_choices above max_choices), `too_many_choices` "
        "(min_choices above the number of options), `number_range_inverted`, `unknown_locale`, "
        "`not_a_permutation` (a reorder must list every id once), `condition_unknown_question`, "
        "`condition_not_earlier` (a rule may refer only to a question before its own), "
        "`condition_unknown_option`, `condition_operand` (the kind needs an option or a text, or none), "
        "`condition_not_applicable` (the referred question's type does not take that kind)."
    )


class FormDefinitionConflict(Conflict):
    slug = "forms-definition-conflict"
    title = "The questionnaire's structure is frozen"
    description = (
        "`reason`: `has_responses`: this version of the questionnaire has responses, so only its wording "
        "(titles, descriptions, terms, question, option and row texts) may change; `way_out` names the "
        "`new_version` operation, which copies it to a new version whose structure may change. "
        "`superseded`: a newer version replaced this one."
    )


class FormNotFound(NotFound):
    slug = "forms-definition-not-found"
    title = "No such questionnaire or question"
    description = (
        "`reason`: `no_questionnaire` (the resource has no questionnaire yet), `no_version` (no such "
        "version of it), `no_question`, `no_option`, `no_row`."
    )


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


# -- results and exports --------------------------------------------------------------------------------


class TextAnswerNotFound(NotFound):
    slug = "forms-text-answer-not-found"
    title = "Written answer not found"
    description = "The questionnaire has no written answer (nor free text of a chosen option) with this id."
