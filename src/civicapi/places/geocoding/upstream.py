"""One guarded GET to a provider: the URL is the configured base URL and a fixed path (a client's words
only ever travel as query parameters), redirects are never followed, the body is read a chunk at a time
and dropped past the size limit, and the whole exchange has one deadline."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import httpx

from civicapi.places.geocoding.errors import GeocoderFailed, GeocoderTimeout


@dataclass(frozen=True, slots=True)
class Upstream:
    """Where and how to ask a provider (from the deployment's configuration only)."""

    base_url: str
    user_agent: str
    timeout_seconds: float
    max_bytes: int

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")


async def _read(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise GeocoderFailed(f"the geocoder's answer is over {max_bytes} bytes", reason="too_large")
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise GeocoderFailed(f"the geocoder's answer is over {max_bytes} bytes", reason="too_large")
    return bytes(body)


def _check_status(response: httpx.Response) -> None:
    if response.is_redirect or 300 <= response.status_code < 400:
        raise GeocoderFailed(
            f"the geocoder answered a redirect ({response.status_code}); redirects are not followed",
            reason="redirect",
        )
    if response.status_code != 200:
        raise GeocoderFailed(
            f"the geocoder answered {response.status_code}",
            reason="bad_status",
            upstream_status=response.status_code,
        )


async def get_json(upstream: Upstream, path: str, params: dict[str, str]) -> Any:
    """The JSON the provider answers to ``GET {base_url}/{path}?{params}``, or a 502/504 problem."""
    try:
        async with (
            asyncio.timeout(upstream.timeout_seconds),
            httpx.AsyncClient(
                timeout=httpx.Timeout(upstream.timeout_seconds), follow_redirects=False, trust_env=False
            ) as client,
        ):
            request = client.build_request(
                "GET",
                upstream.url(path),
                params=params,
                headers={"User-Agent": upstream.user_agent, "Accept": "application/json"},
            )
            response = await client.send(request, stream=True)  # the body is read below, capped
            try:
                _check_status(response)
                body = await _read(response, upstream.max_bytes)
            finally:
                await response.aclose()
    except (TimeoutError, httpx.TimeoutException) as exc:
        raise GeocoderTimeout(
            f"the geocoder did not answer within {upstream.timeout_seconds:g} s", reason="timeout"
        ) from exc
    except httpx.HTTPError as exc:
        raise GeocoderFailed(
            f"the geocoder is unreachable ({type(exc).__name__})", reason="unreachable"
        ) from exc
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:  # not JSON, or nested past the parser's depth
        raise GeocoderFailed("the geocoder's answer is not JSON", reason="bad_answer") from exc
