"""Recount a published vote without trusting the server: from the anonymised ballots file anyone may
download (``GET .../budgets/{budget_id}/ballots.pb``) and, to check them, the published results
(``GET .../budgets/{budget_id}/results``) and the digest published at close (``X-Content-SHA256``).

``civicapi recount`` runs it (no database, no server: the counting package and the file). The count is the
server's own (:func:`~civicapi.modules.budgets.results.outcomes.count_export`, pure), so a match means the
published results are what the file gives by the published rule; any difference is listed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from civicapi.modules.budgets.counting import id_key
from civicapi.modules.budgets.results.outcomes import MES_RULES, count_export
from civicapi.modules.budgets.settings import CountingRule

COMPARED = ("selected", "votes", "supporters", "cost", "rank", "reason")
"""What is compared project by project with the published results."""


@dataclass(frozen=True, slots=True)
class Recount:
    sha256: str
    """The file's SHA-256 (hex), to hold against the one published at close."""
    outcome: dict[str, Any]
    """The recount, in the shape of a count run's ``result`` (projects by their code in the file)."""
    problems: list[str] = field(default_factory=list)
    """Where the file, the digest given and the published results disagree; empty: they agree."""

    @property
    def agrees(self) -> bool:
        return not self.problems


def recount(
    data: bytes,
    rule: CountingRule,
    *,
    compare_with_greedy: bool = False,
    sha256: str | None = None,
    published: Mapping[str, Any] | None = None,
) -> Recount:
    """Count the Pabulib file ``data`` with ``rule``; check its digest against ``sha256`` and the outcome
    against ``published`` (the body of ``GET .../results``), when given. A file that is not Pabulib, or
    not UTF-8, raises ``ValueError``."""
    digest = hashlib.sha256(data).hexdigest()
    outcome = count_export(data.decode("utf-8"), rule, compare_with_greedy_outcome=compare_with_greedy)
    problems: list[str] = []
    if sha256 is not None and sha256.strip().lower() != digest:
        problems.append(f"the file's SHA-256 is {digest}, not {sha256.strip()}")
    if published is not None:
        problems += _differences(outcome, digest, published)
    return Recount(digest, outcome, problems)


CANDIDATES = (
    *((rule, False) for rule in CountingRule),
    *((rule, True) for rule in CountingRule if rule in MES_RULES),
)
"""The counts the module can publish: each rule, and MES kept against greedy (``compare_with_greedy``)."""


def recount_as_published(
    data: bytes, published: Mapping[str, Any], *, sha256: str | None = None
) -> tuple[CountingRule, bool, Recount]:
    """Recount ``data`` the way ``published`` was counted, which the results do not name in the count's
    own terms (they give the outcome's rule, e.g. ``greedy/skip``, and whether greedy was compared): each
    count the module can publish is tried, and the first that agrees is kept; if none does, the one that
    gives the published rule (else the first tried) is returned with its differences."""
    compared = bool((published.get("details") or {}).get("comparison"))
    tried: list[tuple[CountingRule, bool, Recount]] = []
    for rule, compare in CANDIDATES:
        if compare != compared:
            continue
        result = recount(data, rule, compare_with_greedy=compare, sha256=sha256, published=published)
        if result.agrees:
            return rule, compare, result
        tried.append((rule, compare, result))
    same_rule = [t for t in tried if t[2].outcome["rule"] == published.get("rule")]
    return (same_rule or tried)[0]


def _differences(outcome: Mapping[str, Any], digest: str, published: Mapping[str, Any]) -> list[str]:
    problems = []
    if published.get("ballots_sha256") != digest:
        problems.append(
            f"the results were counted from the ballots file {published.get('ballots_sha256')}, "
            f"this file is {digest}"
        )
    for key in ("rule", "budget", "total_cost", "leftover", "voters", "satisfied_voters"):
        if published.get(key) != outcome[key]:
            problems.append(f"{key}: published {published.get(key)!r}, recounted {outcome[key]!r}")
    mine = {p["code"]: p for p in outcome["projects"]}
    theirs = {p.get("code"): p for p in published.get("projects") or ()}
    if missing := sorted(set(mine) - set(theirs), key=id_key):
        problems.append(f"projects of the file missing from the results: {', '.join(missing)}")
    if extra := sorted(str(code) for code in set(theirs) - set(mine)):
        problems.append(f"projects of the results missing from the file: {', '.join(extra)}")
    for code in sorted(set(mine) & set(theirs), key=id_key):
        for key in COMPARED:
            if theirs[code].get(key) != mine[code][key]:
                problems.append(
                    f"project {code}: {key} published {theirs[code].get(key)!r}, recounted {mine[code][key]!r}"
                )
    return problems
