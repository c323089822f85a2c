"""Permissions of the budgets module (deny by default: a role holds only what is listed here).

Voting is deliberately *not* a role permission: any logged-in person may vote when the component's phase
opens the vote and the person meets the component's verification requirements (``vote_requirements``), as in
Decidim, where residents need no membership.
"""

from __future__ import annotations

from civicapi.registry import Permission, Role

MANAGE = "budgets.manage"
COUNT = "budgets.count"
PAPER_BALLOTS = "budgets.paper_ballots"

ADMIN = frozenset({Role.admin})

PERMISSIONS: tuple[Permission, ...] = (
    Permission(
        MANAGE,
        "Create and edit budgets and projects, import proposals and Pabulib files, close votes",
        ADMIN,
    ),
    Permission(COUNT, "Count the ballots of a closed vote and publish the results", ADMIN),
    Permission(
        PAPER_BALLOTS,
        "Record paper ballots of people whose identity was checked at the desk",
        frozenset({Role.admin, Role.staff}),
    ),
)
