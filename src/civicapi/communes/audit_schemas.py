"""Audit trail as clients read it: the full entry for admins, a reduced one for the public history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from civicapi.core.audit import ActorType, Visibility

_CHANGES_DESCRIPTION = (
    "Changed fields as `{field: [old, new]}` (`old` is null for a creation, `new` null for a deletion)."
)
_ENTRY_EXAMPLE: dict[str, Any] = {
    "action": "spaces.process.update",
    "actor_type": "user",
    "changes": {"title": [{"fr": "Budget participatif"}, {"fr": "Budget participatif 2026"}]},
    "created_at": "2026-03-02T10:15:00Z",
}


class AuditEntryRead(BaseModel):
    """One entry of the commune's audit trail: who did what to which resource, and when."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "example": {
                "id": "0b7e6a2c-4f3d-4a51-9c1e-6d2b8f0a7e13",
                **_ENTRY_EXAMPLE,
                "actor_id": "5f0c9a1e-2b3d-4c4e-8f6a-7b8c9d0e1f2a",
                "resource_module": "spaces",
                "resource_type": "process",
                "resource_id": "9d3a7c51-1e2f-4b6a-8c0d-3e4f5a6b7c8d",
                "visibility": "public",
            }
        },
    )

    id: uuid.UUID
    action: str = Field(
        description="`<layer or module>.<resource type>.<verb>`, e.g. `spaces.process.publish`."
    )
    actor_type: ActorType = Field(
        description="`user`, `api_key`, `system` (no caller: jobs, seeds) or `erased` (a person whose account "
        "was erased since: the entry stays, naming no one)."
    )
    actor_id: uuid.UUID | None = Field(
        description="The user's or API key's id; null for `system` and `erased`."
    )
    resource_module: str = Field(description="Layer or module owning the resource, e.g. `spaces`.")
    resource_type: str = Field(description="e.g. `process`, `phase`, `component`, `membership`.")
    resource_id: uuid.UUID | None
    changes: dict[str, Any] = Field(description=_CHANGES_DESCRIPTION)
    visibility: Visibility = Field(description="`admin`: the commune's admins only; `public`: anyone.")
    created_at: datetime


class PublicHistoryEntryRead(BaseModel):
    """One public change of a resource. Who made it is not disclosed beyond the kind of actor."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"example": _ENTRY_EXAMPLE})

    action: str = Field(
        description="`<layer or module>.<resource type>.<verb>`, e.g. `spaces.process.publish`."
    )
    actor_type: ActorType
    changes: dict[str, Any] = Field(description=_CHANGES_DESCRIPTION)
    created_at: datetime
