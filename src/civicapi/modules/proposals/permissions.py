"""Permissions of the proposals module (deny by default: a role holds only what is listed here).

Creating and supporting proposals are deliberately *not* role permissions: any logged-in person may do
them when the component's phase allows it and the person meets the component's verification requirements
(``create_requirements``, ``support_requirements``), as in Decidim, where residents need no membership.
"""

from __future__ import annotations

from civicapi.registry import Permission, Role

OFFICIAL = "proposals.official"
ANSWER = "proposals.answer"
MANAGE = "proposals.manage"
ASSIGN_VALUATORS = "proposals.assign_valuators"
REVIEW = "proposals.review"
IMPORT = "proposals.import"

ADMIN = frozenset({Role.admin})

PERMISSIONS: tuple[Permission, ...] = (
    Permission(OFFICIAL, "Create, edit and publish official proposals (authored by the commune)", ADMIN),
    Permission(ANSWER, "Answer proposals (state, answer text, costs) and publish answers", ADMIN),
    Permission(MANAGE, "Configure a component's custom states and eligibility criteria", ADMIN),
    Permission(
        ASSIGN_VALUATORS,
        "Assign valuators to proposals and read every review with the aggregated eligibility status",
        ADMIN,
    ),
    Permission(
        REVIEW,
        "Review the proposals one is assigned to against the eligibility criteria",
        frozenset({Role.admin, Role.valuator}),
    ),
    Permission(IMPORT, "Import proposals from CSV", ADMIN),
)
