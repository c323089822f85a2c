"""Problem types of the surveys module. Each carries a machine-readable ``reason``; each use case adds
its reasons to the description of the type it raises."""

from __future__ import annotations

from civicapi.core.errors import Conflict, Forbidden, InvalidInput


class SurveysActionForbidden(Forbidden):
    slug = "surveys-action-forbidden"
    title = "Action not allowed"
    description = (
        "The action is not allowed now or not to this caller; `reason` says why: `answers_disabled` (the "
        "phase takes no answers), `requirements_not_met` (with `requirement`: the verification status, "
        "handler and failed conditions), `invalid_token` (an unknown or expired answer token)."
    )


class SurveysConflict(Conflict):
    slug = "surveys-conflict"
    title = "Conflict with the survey's state"
    description = (
        "The survey forbids the change; `reason` says why: `not_a_draft`, `not_published`, `closed`, "
        "`not_open_yet`, `has_answers` (the survey has counted answers: it cannot be "
        "deleted, and `anonymous`, `multiple_answers`, `answers_without_account` no longer change), "
        "`no_questions` (publishing a questionnaire with no question to answer), `ended` (publishing or "
        "reopening a survey whose `ends_at` has passed), `not_closed` (reopening), `sealed` (reopening an "
        "anonymous survey: its seal is final), "
        "`already_answered` (with `edit`: where to change the answer, when the survey allows "
        "it), `editing_not_allowed`, `token_used`, `accounts_required` (the survey takes no answers without "
        "an account)."
    )


class SurveysInvalid(InvalidInput):
    slug = "surveys-invalid"
    title = "Invalid survey"
    description = (
        "The survey breaks a rule; `reason` names the first broken rule and `errors` lists them all (each "
        "with its `code`): `ends_before_start`, `unknown_locale`."
    )
