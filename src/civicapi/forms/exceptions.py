"""The forms capability's problem types (each part in its own block)."""

from __future__ import annotations

from civicapi.core.errors import NotFound

# -- results and exports --------------------------------------------------------------------------------


class TextAnswerNotFound(NotFound):
    slug = "forms-text-answer-not-found"
    title = "Written answer not found"
    description = "The questionnaire has no written answer with this id."
