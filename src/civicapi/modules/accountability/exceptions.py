"""Problem types of the accountability module. Each carries a machine-readable ``reason``."""

from __future__ import annotations

from civicapi.core.errors import Conflict


class AccountabilityConflict(Conflict):
    slug = "accountability-conflict"
    title = "Conflict with the results tree"
    description = (
        "The change conflicts with the component's results; `reason` says why: `progress_rolled_up` (the "
        "result has children: its progress is their weighted mean), `has_children` (delete or move the "
        "children first), `status_in_use`, `key_taken`, `external_id_taken`."
    )
