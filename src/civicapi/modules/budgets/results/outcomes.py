"""From a published Pabulib export to an explained outcome, with the counting package (pure, no I/O).

The count always starts from the export's text, the file anyone can download and check against the
published SHA-256: recounting it with the published rule gives the published outcome.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from civicapi.modules.budgets.counting import (
    Election,
    GreedyVariant,
    Outcome,
    compare_with_greedy,
    equal_shares,
    equal_shares_add1,
    greedy,
    parse_pabulib,
)
from civicapi.modules.budgets.settings import CountingRule

MES_RULES = frozenset({CountingRule.mes, CountingRule.mes_add1})


def run_rule(election: Election, rule: CountingRule) -> Outcome:
    if rule is CountingRule.greedy:
        return greedy(election, variant=GreedyVariant.SKIP)
    if rule is CountingRule.greedy_stop:
        return greedy(election, variant=GreedyVariant.STOP)
    if rule is CountingRule.mes:
        return equal_shares(election)
    return equal_shares_add1(election)


def _json(value: int | Fraction | str) -> Any:
    if isinstance(value, Fraction):
        return str(value) if value.denominator != 1 else value.numerator
    return value


def explain(outcome: Outcome, *, comparison: dict[str, Any] | None = None) -> dict[str, Any]:
    """The outcome as JSON: projects by their export ids (``code``), with votes and reasons."""
    return {
        "rule": outcome.rule,
        "budget": outcome.budget,
        "total_cost": outcome.total_cost,
        "leftover": outcome.leftover,
        "voters": outcome.voters,
        "satisfied_voters": outcome.satisfied_voters,
        "satisfied_share": float(outcome.satisfied_share),
        "selected": list(outcome.selected),
        "details": {k: _json(v) for k, v in outcome.details.items()},
        "comparison": comparison,
        "projects": [
            {
                "code": r.project_id,
                "cost": r.cost,
                "votes": r.votes,
                "supporters": r.supporters,
                "selected": r.selected,
                "rank": r.rank,
                "reason": r.reason.value if r.reason is not None else None,
            }
            for r in outcome.projects
        ],
    }


def count_export(text: str, rule: CountingRule, *, compare_with_greedy_outcome: bool) -> dict[str, Any]:
    """Count the export ``text`` with ``rule``. With ``compare_with_greedy_outcome`` and an MES rule, the
    greedy outcome wins when strictly more voters prefer it (the counting package's ``compare``); projects
    then carry greedy's explanations."""
    election = parse_pabulib(text)
    outcome = run_rule(election, rule)
    if not compare_with_greedy_outcome or rule not in MES_RULES:
        return explain(outcome)
    comparison = compare_with_greedy(election, mes=outcome)
    summary = {
        "with": comparison.greedy.rule,
        "prefer_mes": comparison.prefer_mes,
        "prefer_greedy": comparison.prefer_greedy,
        "indifferent": comparison.indifferent,
        "kept": "greedy" if comparison.chose_greedy else "mes",
        "mes_selected": list(outcome.selected),
    }
    return explain(comparison.chosen, comparison=summary)
