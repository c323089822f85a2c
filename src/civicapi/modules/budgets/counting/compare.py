"""Comparing the MES outcome with the greedy one, as some cities do before publishing.

Rule: each voter compares the two outcomes by the number of funded projects among those they approved
(cumulative ballots: the points they gave to funded projects). MES is kept unless strictly more voters
prefer the greedy outcome than prefer the MES outcome; voters who are indifferent do not count.
"""

from __future__ import annotations

from dataclasses import dataclass

from .greedy import GreedyVariant, greedy
from .mes import Add1Stop, Utility, equal_shares_add1
from .model import Election
from .outcome import Outcome

__all__ = ["Comparison", "compare_with_greedy"]


@dataclass(frozen=True)
class Comparison:
    mes: Outcome
    greedy: Outcome
    prefer_mes: int
    """Voters with more funded approved projects (or points) under MES than under greedy."""
    prefer_greedy: int
    indifferent: int
    chosen: Outcome
    """``greedy`` when strictly more voters prefer it than prefer MES, else ``mes``."""

    @property
    def chose_greedy(self) -> bool:
        return self.chosen is self.greedy


def compare_with_greedy(
    election: Election,
    *,
    mes: Outcome | None = None,
    greedy_outcome: Outcome | None = None,
    utility: Utility | str | None = None,
    stop: Add1Stop | str = Add1Stop.OVER_BUDGET,
    variant: GreedyVariant | str = GreedyVariant.SKIP,
) -> Comparison:
    """Compare an MES outcome (default: MES with add1) with a greedy one (default: greedy ``skip``)."""
    mes = mes if mes is not None else equal_shares_add1(election, utility=utility, stop=stop)
    greedy_outcome = greedy_outcome if greedy_outcome is not None else greedy(election, variant=variant)
    funded_mes, funded_greedy = mes.selected_set, greedy_outcome.selected_set
    prefer_mes = prefer_greedy = 0
    for ballot in election.ballots:
        weights = election.weights(ballot)
        under_mes = sum(w for pid, w in weights.items() if pid in funded_mes)
        under_greedy = sum(w for pid, w in weights.items() if pid in funded_greedy)
        if under_mes > under_greedy:
            prefer_mes += 1
        elif under_greedy > under_mes:
            prefer_greedy += 1
    indifferent = len(election.ballots) - prefer_mes - prefer_greedy
    chosen = greedy_outcome if prefer_greedy > prefer_mes else mes
    return Comparison(mes, greedy_outcome, prefer_mes, prefer_greedy, indifferent, chosen)
