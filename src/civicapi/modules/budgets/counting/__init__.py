"""Counting participatory-budget votes: pure, exact computations (no I/O besides Pabulib text).

* :mod:`.model`: :class:`Election` (budget, projects, ballots, kind, meta), :class:`Project`,
  :class:`Ballot`, and the package-wide tie-break order (more votes, lower cost, natural id order);
* :mod:`.greedy`: greedy by votes, variants ``skip`` and ``stop``;
* :mod:`.mes`: the Method of Equal Shares (cost utilities for approval ballots, points for cumulative
  ones) and its "add1" completion, exact and fast;
* :mod:`.compare`: keep MES unless strictly more voters prefer the greedy outcome;
* :mod:`.outcome`: :class:`Outcome`, the selection with per-project explanations;
* :mod:`.pabulib`: parse and write Pabulib ``.pb`` text, SHA-256 of the canonical text.
"""

from .compare import Comparison, compare_with_greedy
from .greedy import GreedyVariant, greedy
from .mes import Add1Stop, MesPayments, Utility, equal_shares, equal_shares_add1, equal_shares_payments
from .model import Ballot, BallotKind, Election, ElectionError, Project, id_key
from .outcome import Outcome, ProjectResult, Reason
from .pabulib import PabulibError, pabulib_sha256, parse_pabulib, sha256_text, write_pabulib

__all__ = [
    "Add1Stop",
    "Ballot",
    "BallotKind",
    "Comparison",
    "Election",
    "ElectionError",
    "GreedyVariant",
    "MesPayments",
    "Outcome",
    "PabulibError",
    "Project",
    "ProjectResult",
    "Reason",
    "Utility",
    "compare_with_greedy",
    "equal_shares",
    "equal_shares_add1",
    "equal_shares_payments",
    "greedy",
    "id_key",
    "pabulib_sha256",
    "parse_pabulib",
    "sha256_text",
    "write_pabulib",
]
