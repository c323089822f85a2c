"""A bounded schemathesis pass over every operation of the OpenAPI document (``pytest -m contract``).

Every operation is exercised with data generated from its own schema, valid (positive) and invalid
(negative), anonymously and as the platform administrator, with the path parameters set to real ids of a
seeded world (the tenancy test's factories: a process, phases, components of every built-in module, a
proposal, a budget, a result ...). Each answer must be no server error and must conform to the contract:
its status is declared, its content type is declared, its body and headers match the declared schema,
invalid data is refused (nothing is coerced) and valid data is not refused as invalid.

The figures (operations, requests, failures by check) are printed, and the test fails on any failure.
Run on PostgreSQL only (the production database, and the one that refuses what SQLite stores).
"""

from __future__ import annotations

import asyncio
import os
import re
from collections import Counter
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import CHECKS
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.openapi.checks import RejectedPositiveData

from tests.fixtures.factories import World
from tests.fixtures.real_ids import path_ids, seed_ids

pytestmark = pytest.mark.contract

MAX_EXAMPLES = int(os.environ.get("CIVICAPI_SCHEMATHESIS_EXAMPLES", "4"))
# The same examples on every run (no flaky failures in CI); CIVICAPI_SCHEMATHESIS_RANDOM=1 explores anew.
DERANDOMIZE = not os.environ.get("CIVICAPI_SCHEMATHESIS_RANDOM")
CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
)
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            # Valid data may still meet a stale If-Match (412), the state of the world (409) or a rate limit.
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "412", "429"]
            },
            # A body too large for the test server (413), a stale If-Match (412) or a rate limit refuse too.
            "negative_data_rejection": {
                "expected-statuses": [
                    *("400", "401", "403", "404", "405", "406", "409", "412", "413", "415", "422", "429")
                ]
            },
        }
    }
)
# Operations that end the caller's session or erase data others use run last.
_LAST = ("DELETE", "/v1/auth/logout", "/v1/me/password")


# Error codes of the checks a schema expresses (types, required and unknown fields, lengths, bounds,
# patterns, enumerations, nullability): a schema-valid request refused with one of them means the document
# and the model disagree. Other 422s apply rules beyond a schema (a time zone that exists, a sort the list
# offers, a locale the commune offers, a code that matches): refusing valid-looking data is their job.
_SCHEMA_CODES = re.compile(
    r"^(missing|extra_forbidden|json_type|null|null_not_allowed|literal_error|enum|multiple_of"
    r"|string_pattern_mismatch|.*_type|.*_parsing|.*too_(short|long)|(greater|less)_than.*)$"
)


_REQUEST_VALIDATION = re.compile(r"^\d+ field\(s\) failed validation$")


def _rule_beyond_schema(response: httpx.Response) -> bool:
    """A 422 the request's validation did not give (FastAPI's "N field(s) failed validation": that one
    checks what the document says), or gave for a rule the document cannot state."""
    if response.status_code != 422:
        return False
    problem = response.json()
    if not _REQUEST_VALIDATION.match(str(problem.get("detail", ""))):
        return True
    codes = [str(e.get("code", "")) for e in problem.get("errors") or []]
    return not any(_SCHEMA_CODES.match(code) for code in codes)


class Tally:
    def __init__(self) -> None:
        self.requests = 0
        self.unsatisfiable = 0
        self.operations: set[str] = set()
        self.failures: Counter[tuple[str, str]] = Counter()
        self.examples: dict[tuple[str, str], str] = {}

    def fail(self, label: str, failure: Failure, response: httpx.Response) -> None:
        if isinstance(failure, RejectedPositiveData) and _rule_beyond_schema(response):
            return
        key = (label, failure.title)
        self.failures[key] += 1
        self.examples.setdefault(
            key, f"{response.status_code} {response.text[:300]} | {failure.message[:300]}"
        )


def _order(label: str) -> tuple[int, str]:
    return (1 if any(marker in label for marker in _LAST) else 0, label)


def _run(
    app: Any,
    client: httpx.AsyncClient,
    loop: asyncio.AbstractEventLoop,
    ids: dict[str, str],
    auth: Any,
    tally: Tally,
) -> None:
    schema = schemathesis.openapi.from_dict(app.openapi(), config=CONFIG)
    checks = [CHECKS.get_one(name) for name in CHECK_NAMES]
    operations = sorted(
        (result.ok() for result in schema.get_all_operations()), key=lambda o: _order(o.label)
    )
    for operation in operations:
        tally.operations.add(operation.label)
        values = path_ids(operation.path, ids)
        path_parameters = {p.name: values[p.name] for p in operation.path_parameters if p.name in values}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

            @given(case=strategy)
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                database=None,
                derandomize=DERANDOMIZE,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def exercise(case: Any) -> None:
                headers = {**(case.headers or {}), **auth()}
                kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
                request = client.request(
                    kwargs["method"],
                    kwargs["url"],
                    headers=kwargs.get("headers"),
                    params=kwargs.get("params"),
                    content=kwargs.get("data") if isinstance(kwargs.get("data"), bytes | str) else None,
                    json=kwargs.get("json"),
                    files=kwargs.get("files"),
                    data=kwargs.get("data") if isinstance(kwargs.get("data"), dict) else None,
                )
                response = asyncio.run_coroutine_threadsafe(request, loop).result()
                tally.requests += 1
                try:
                    case.validate_response(response, checks=checks, headers=headers)
                except FailureGroup as group:
                    for failure in group.exceptions:
                        tally.fail(case.operation.label, failure, response)
                except Failure as failure:
                    tally.fail(case.operation.label, failure, response)

            try:
                exercise()
            except Unsatisfiable:  # nothing to make invalid once the path holds real ids
                tally.unsatisfiable += 1


async def test_every_operation_keeps_its_contract(
    client: httpx.AsyncClient, world: World, app: Any, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("one backend is enough for the contract pass: PostgreSQL")
    ids = await seed_ids(client, world)
    tally = Tally()
    loop = asyncio.get_running_loop()
    platform = world.users["platform"]

    def administrator() -> dict[str, str]:  # a fresh token each time: logout revokes the previous one
        token, _ = app.state.tokens.issue(str(platform.id))
        return {"Authorization": f"Bearer {token}"}

    for auth in (dict, administrator):
        await asyncio.to_thread(_run, app, client, loop, ids, auth, tally)
    report = [
        f"schemathesis: {len(tally.operations)} operations, {tally.requests} requests, "
        f"{sum(tally.failures.values())} failures"
    ]
    for (label, title), count in sorted(tally.failures.items()):
        report.append(f"  {count:4d}  {label}: {title}: {tally.examples[(label, title)]}")
    print("\n".join(report))
    assert not tally.failures, "\n".join(report)
