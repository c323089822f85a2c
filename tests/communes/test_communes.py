from __future__ import annotations

import httpx

from tests.fixtures.factories import World

NEW = {
    "slug": "gamma",
    "name": "Gamma",
    "locales": ["fr", "de"],
    "default_locale": "fr",
    "timezone": "Europe/Brussels",
}


async def test_only_the_platform_admin_creates_communes(client: httpx.AsyncClient, world: World) -> None:
    assert (await client.post("/v1/communes", json=NEW)).status_code == 401
    r = await client.post("/v1/communes", json=NEW, headers=world.headers("admin"))
    assert r.status_code == 403
    assert r.headers["content-type"] == "application/problem+json"
    r = await client.post("/v1/communes", json=NEW, headers=world.headers("platform"))
    assert r.status_code == 201, r.text
    assert r.headers["location"] == "/v1/communes/gamma"
    body = r.json()
    assert body["locales"] == ["fr", "de"] and body["reference_prefix"] == "GAM"
    dup = await client.post("/v1/communes", json=NEW, headers=world.headers("platform"))
    assert dup.status_code == 409 and dup.json()["reason"] == "slug_taken"


async def test_commune_validation(client: httpx.AsyncClient, world: World) -> None:
    h = world.headers("platform")
    for bad in (
        {**NEW, "default_locale": "nl"},
        {**NEW, "timezone": "Mars/Olympus"},
        {**NEW, "slug": "Bad Slug"},
        {**NEW, "locales": ["fr", "fr"]},
        {**NEW, "locales": []},
    ):
        r = await client.post("/v1/communes", json=bad, headers=h)
        assert r.status_code == 422, bad
        assert r.json()["errors"]
    assert (await client.get("/v1/communes/gamma")).status_code == 404


async def test_list_is_paginated_with_link_header(client: httpx.AsyncClient, world: World) -> None:
    h = world.headers("platform")
    for i in range(5):
        await client.post("/v1/communes", json={**NEW, "slug": f"c{i}"}, headers=h)
    seen: list[str] = []
    url = "/v1/communes?limit=3"
    while url:
        r = await client.get(url)
        assert r.status_code == 200
        page = r.json()
        assert len(page["items"]) <= 3
        seen += [c["slug"] for c in page["items"]]
        url = r.headers.get("link", "").split(";")[0].strip("<>").replace("http://testserver", "")
        assert bool(url) == bool(page["next_cursor"])
    assert seen == sorted(seen) == sorted(["alpha", "beta", "c0", "c1", "c2", "c3", "c4"])


async def test_huge_limit_and_bad_cursor_are_422(client: httpx.AsyncClient, world: World) -> None:
    assert (await client.get("/v1/communes?limit=1000000")).status_code == 422
    assert (await client.get("/v1/communes?cursor=garbage")).status_code == 422
    assert (await client.get("/v1/communes?sort=password")).status_code == 422
    r = await client.get("/v1/communes?sort=-slug&limit=1")
    assert r.json()["items"][0]["slug"] == "beta"


async def test_patch_applies_only_sent_fields_and_honours_if_match(
    client: httpx.AsyncClient, world: World
) -> None:
    got = await client.get("/v1/communes/alpha")
    etag = got.headers["etag"]
    h = world.headers("admin")
    r = await client.patch(
        "/v1/communes/alpha", json={"name": "Alpha-sur-Meuse"}, headers={**h, "If-Match": etag}
    )
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Alpha-sur-Meuse" and r.json()["locales"] == ["fr", "nl", "en"]
    stale = await client.patch("/v1/communes/alpha", json={"name": "Again"}, headers={**h, "If-Match": etag})
    assert stale.status_code == 412
    assert (await client.get("/v1/communes/alpha")).json()["name"] == "Alpha-sur-Meuse"


async def test_patch_rights(client: httpx.AsyncClient, world: World) -> None:
    body = {"name": "X"}
    assert (await client.patch("/v1/communes/alpha", json=body)).status_code == 401
    assert (
        await client.patch("/v1/communes/alpha", json=body, headers=world.headers("staff"))
    ).status_code == 403
    assert (
        await client.patch("/v1/communes/alpha", json=body, headers=world.headers("beta_admin"))
    ).status_code == 403
    assert (
        await client.patch("/v1/communes/alpha", json=body, headers=world.headers("platform"))
    ).status_code == 200


async def test_patch_cannot_drop_the_default_locale(client: httpx.AsyncClient, world: World) -> None:
    r = await client.patch("/v1/communes/alpha", json={"locales": ["nl"]}, headers=world.headers("admin"))
    assert r.status_code == 422
    r = await client.patch("/v1/communes/alpha", json={"name": None}, headers=world.headers("admin"))
    assert r.status_code == 422
    # explicit nulls for the locales were a 500 (found by schemathesis): a 422 naming the field
    for body in ({"locales": None}, {"default_locale": None}, {"locales": None, "default_locale": None}):
        r = await client.patch("/v1/communes/alpha", json=body, headers=world.headers("admin"))
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["location"][1] in body
    assert (await client.get("/v1/communes/alpha")).json()["locales"] == ["fr", "nl", "en"]


async def test_members(client: httpx.AsyncClient, world: World) -> None:
    h = world.headers("admin")
    r = await client.post(
        "/v1/communes/alpha/members", json={"email": "nobody@test.org", "role": "staff"}, headers=h
    )
    assert r.status_code == 201, r.text
    membership = r.json()
    again = await client.post(
        "/v1/communes/alpha/members", json={"email": "nobody@test.org", "role": "staff"}, headers=h
    )
    assert again.status_code == 409
    unknown = await client.post(
        "/v1/communes/alpha/members", json={"email": "ghost@test.org", "role": "staff"}, headers=h
    )
    assert unknown.status_code == 404
    bad_role = await client.post(
        "/v1/communes/alpha/members", json={"email": "nobody@test.org", "role": "king"}, headers=h
    )
    assert bad_role.status_code == 422
    listed = (await client.get("/v1/communes/alpha/members", headers=h)).json()["items"]
    assert membership["id"] in {m["id"] for m in listed}
    assert (await client.get("/v1/communes/alpha/members", headers=world.headers("staff"))).status_code == 403
    # a membership of alpha cannot be removed through beta
    r = await client.delete(
        f"/v1/communes/beta/members/{membership['id']}", headers=world.headers("beta_admin")
    )
    assert r.status_code == 404
    assert (
        await client.delete(f"/v1/communes/alpha/members/{membership['id']}", headers=h)
    ).status_code == 204
