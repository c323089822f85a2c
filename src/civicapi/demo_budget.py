"""Kept for one release: the budgets' demo is the budgets module's own (``CivicModule.demo``), in
:mod:`civicapi.modules.budgets.demo`; ``civicapi.demo`` imports no module."""

from civicapi.modules.budgets.demo import LAST_YEAR_VOTERS, last_year_file

__all__ = ["LAST_YEAR_VOTERS", "last_year_file"]
