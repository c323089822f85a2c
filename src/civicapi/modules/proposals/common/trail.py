"""Audit entries of the proposals module: ``proposals.<kind>.<verb>`` about ``proposals/<kind>/<id>``.

Public entries (a published proposal's publication, edits, withdrawal and answers) give it a public
history; everything else (drafts, supports, reviews, configuration) is for the commune's admins only.
"""

from __future__ import annotations

from civicapi.core import audit

MODULE = "proposals"


_TRAIL = audit.ModuleTrail(MODULE)
record = _TRAIL.record
created = audit.created
