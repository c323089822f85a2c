"""``Idempotency-Key`` for ballot submissions: the first successful answer is stored with a digest of the
request; a retry with the same key and body gets that answer again, the same key with another body a 422.

Records live in the budget's unit of work (inserted in the same savepoint as the ballot, so a racing
duplicate finds the winner's record once it has committed) and are deleted when the vote closes: they
hold the choices of an identified person.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.modules.budgets.exceptions import IdempotencyKeyReused
from civicapi.modules.budgets.models import IdempotencyRecord
from civicapi.modules.budgets.voting.repository import IdempotencyRepository

REPLAYED_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True, slots=True)
class Answer:
    status_code: int
    body: str
    """The JSON text of the answer (replayed byte for byte)."""
    replayed: bool = False


def digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class IdempotentRequest:
    commune_id: uuid.UUID
    budget_id: uuid.UUID
    owner: str
    key: str
    request_hash: str

    @classmethod
    def of(
        cls,
        key: str | None,
        *,
        commune_id: uuid.UUID,
        budget_id: uuid.UUID,
        owner: str,
        operation: str,
        payload: Any,
    ) -> IdempotentRequest | None:
        if key is None:
            return None
        return cls(commune_id, budget_id, owner, key, digest([operation, payload]))

    async def replay(self, session: AsyncSession) -> Answer | None:
        """The stored answer to this key, or None; 422 when the key came with another request."""
        found = await IdempotencyRepository(session, self.commune_id).find(
            self.budget_id, self.owner, self.key
        )
        if found is None:
            return None
        if found.request_hash != self.request_hash:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used with a different request; use a new key", reason="key_reused"
            )
        return Answer(found.status_code, found.response, replayed=True)

    def record(self, answer: Answer) -> IdempotencyRecord:
        """The record of ``answer`` to this request (not inserted)."""
        return IdempotencyRecord(
            commune_id=self.commune_id,
            budget_id=self.budget_id,
            owner=self.owner,
            key=self.key,
            request_hash=self.request_hash,
            status_code=answer.status_code,
            response=answer.body,
        )

    async def remember(self, session: AsyncSession, answer: Answer) -> None:
        await IdempotencyRepository(session, self.commune_id).insert(self.record(answer))
