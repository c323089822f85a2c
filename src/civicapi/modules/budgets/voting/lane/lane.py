"""The ballot lane: a person's first whole ballot (``POST .../budgets/{budget_id}/ballot``), the busiest
write of a vote, served outside FastAPI's dependency system and the ORM session (PostgreSQL).

It takes the lane only when it can give the route's own answer (:mod:`civicapi.core.lanes`): a bearer
token (no API key), the commune, component and budget held by the row memo (the route loads them there
on a miss), a valid body, the person eligible, the ballot valid and accepted by the register. Then it
runs the same checks as the route, with the same functions, in the same order, and writes the same rows.
Only the way to the database differs: two SQLAlchemy Core statements compiled once and run on the pooled
asyncpg connection (:mod:`civicapi.core.db.raw`), without ``BEGIN`` or ``COMMIT``:

1. one read (:data:`~civicapi.modules.budgets.voting.lane.repository.LANE_READ`): the account's token checks,
   the person's verifications, whether the budget is open and its projects' costs;
2. one write, its own transaction: the route's statement *guarded*: it holds the budget's lid ``FOR
   SHARE`` as the route does, and writes only if the budget is still open and the chosen projects still
   cost what the ballot was checked against; a register row or a key that already exists aborts all of it.

Anything else (a problem to report, a retry, a second ballot, SQLite, a memo miss, a guard or a
constraint that refused the write) declines with nothing committed, and the route serves it from
scratch.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy.sql import ClauseElement
from starlette.types import Scope

from civicapi.communes.dependencies import kept_commune, module_is_enabled
from civicapi.core.audit import AUDIT_TABLE, Actor, ActorType
from civicapi.core.db.raw import RawStatement, driver_connection, is_constraint_violation, transient
from civicapi.core.db.session import Database
from civicapi.core.errors import ProblemError
from civicapi.core.lanes import LaneAnswer
from civicapi.core.security import TokenService
from civicapi.identity.tokens import is_revoked_token
from civicapi.identity.verification.models import Verification
from civicapi.identity.verification.repository import ATTRIBUTES
from civicapi.modules.budgets.catalog.service import kept_budget
from civicapi.modules.budgets.dependencies import KEY, make_context
from civicapi.modules.budgets.models import Ballot, BallotItem, IdempotencyRecord, Voter
from civicapi.modules.budgets.voting.lane.repository import LANE_READ, lane_facts
from civicapi.modules.budgets.voting.repository_cast import cast_accepted, cast_at_once
from civicapi.modules.budgets.voting.schemas import BallotSubmit
from civicapi.modules.budgets.voting.service_cast import checked_lines, first_cast, submission
from civicapi.modules.budgets.voting.service_voters import check_district, ensure_open, identity_of
from civicapi.registry import ModuleRegistry
from civicapi.spaces.service import current_phase
from civicapi.spaces.service_components import kept_component
from civicapi.spaces.settings import resolve_settings

_UUID = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
PATH = re.compile(
    rf"^/v1/communes/(?P<commune>[^/]+)/budgets/components/(?P<component>{_UUID})"
    rf"/budgets/(?P<budget>{_UUID})/ballot$"
)
WRITES = frozenset(
    {
        Ballot.__tablename__,
        BallotItem.__tablename__,
        Voter.__tablename__,
        IdempotencyRecord.__tablename__,
        AUDIT_TABLE,
    }
)
"""The tables a first cast writes (all quiet for the response cache: see ``CivicModule.cache_quiet_tables``)."""
MAX_KEY = 200
"""The route's bound on ``Idempotency-Key`` (``civicapi.core.deps.IdempotencyKey``)."""


class _Declined(Exception):
    """Leave the request to the route (after rolling back what the lane's transaction did)."""


class BallotLane:
    def __init__(self, db: Database, registry: ModuleRegistry, tokens: TokenService) -> None:
        self.db = db
        self.registry = registry
        self.tokens = tokens
        self.module = registry.get(KEY)
        dialect = db.engine.dialect
        self.enabled = (
            dialect.name == "postgresql" and dialect.driver == "asyncpg" and self.module is not None
        )
        self._compiled: dict[int, RawStatement] = {}

    def _raw(self, statement: ClauseElement) -> RawStatement:
        raw = self._compiled.get(id(statement))
        if raw is None:
            raw = self._compiled[id(statement)] = RawStatement(statement, self.db.engine.dialect)
        return raw

    def matches(self, method: str, path: str) -> bool:
        return self.enabled and method == "POST" and PATH.match(path) is not None

    async def answer(self, scope: Scope, body: bytes) -> LaneAnswer | None:
        match = PATH.match(scope["path"])
        assert match is not None and self.module is not None
        headers = _headers(scope)
        if b"x-api-key" in headers or not _is_json(headers.get(b"content-type")):
            return None
        scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        key = headers.get(b"idempotency-key")
        if scheme.lower() != "bearer" or not token or (key is not None and not 0 < len(key) <= MAX_KEY):
            return None
        try:
            claims = self.tokens.verify(token)
            user_id = uuid.UUID(claims.sub)
            submitted = BallotSubmit.model_validate_json(body)
        except (ProblemError, ValueError, ValidationError):
            return None
        commune = kept_commune(self.db, match["commune"])
        if commune is None or not module_is_enabled(commune, KEY):
            return None
        component = kept_component(self.db, commune, self.registry, uuid.UUID(match["component"]), KEY)
        if component is None:
            return None
        resolved = resolve_settings(
            component, current_phase(component.process, commune.timezone), self.module
        )
        ctx = make_context(commune, component, component.process, resolved.settings, resolved.step_settings)
        budget = kept_budget(self.db, ctx, uuid.UUID(match["budget"]))
        if budget is None:
            return None
        try:
            ensure_open(ctx, budget)
        except ProblemError:
            return None
        idempotency = submission(
            None if key is None else key.decode("latin-1"), ctx, budget, user_id, submitted
        )
        params: dict[str, Any] = {
            "user_id": user_id,
            "jti": claims.jti,
            "commune_id": commune.id,
            "budget_id": budget.id,
        }
        try:
            async with driver_connection(self.db.engine) as connection:
                facts = lane_facts(await self._raw(LANE_READ).fetch(connection, params))
                if facts is None or not facts.active or not facts.email_confirmed:
                    raise _Declined  # an unconfirmed address: the route decides (the caller's check)
                if is_revoked_token(claims, facts.token_listed, facts.sessions_revoked_at):
                    raise _Declined
                verifications = [transient(Verification, ATTRIBUTES, row) for row in facts.verification_rows]
                identity = identity_of(ctx, user_id, verifications)
                check_district(ctx, budget, identity)
                lines = checked_lines(
                    ctx, budget, submitted.projects, submitted.points, facts.is_open, facts.costs
                )
                first = first_cast(ctx, budget, identity, lines, idempotency, Actor(ActorType.user, user_id))
                if first is None:
                    raise _Declined
                statement, values = cast_at_once(
                    commune.id, first.ballot, lines, first.voter, first.record, first.entry, costs=facts.costs
                )
                try:
                    row = await self._raw(statement).fetchrow(connection, values)
                except Exception as exc:
                    if is_constraint_violation(exc):  # the register or the key: nothing was written
                        raise _Declined from exc
                    raise
                if row is None or row[0] != 1 or not all(cast_accepted(row, first.record is not None)):
                    raise _Declined  # the budget closed or its projects changed: nothing was written
        except (_Declined, ProblemError):
            return None
        self.db.wrote(WRITES)
        return LaneAnswer(first.answer.status_code, first.answer.body.encode())


def _headers(scope: Scope) -> dict[bytes, bytes]:
    """The request's headers by lower-case name; the first of repeated ones, as the route reads them."""
    return {name.lower(): value for name, value in reversed(scope["headers"])}


def _is_json(content_type: bytes | None) -> bool:
    """The media types FastAPI reads a JSON body from (none given included)."""
    if content_type is None:
        return True
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or (media.startswith(b"application/") and media.endswith(b"+json"))
