"""``civicapi`` command: serve | migrate | seed-demo | openapi | create-admin | events | recount."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from civicapi.config import Settings, get_settings


def uvicorn_options(settings: Settings, *, host: str, port: int, workers: int) -> dict[str, Any]:
    """What ``civicapi serve`` hands to uvicorn. Forwarding headers are believed only from the configured
    proxies (uvicorn's default would believe any local peer); the app applies the same rule to the
    client address it rate-limits (``core.ratelimit.TrustedProxies``)."""
    return {
        "factory": True,
        "host": host,
        "port": port,
        "workers": workers,
        "log_config": None,
        "access_log": False,  # civicapi.access logs each request once, with its request id and duration
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": ",".join(settings.trusted_proxies) or None,
        "server_header": False,
    }


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    if args.migrate:
        from civicapi import migrate

        migrate.upgrade(settings.database_url)
    options = uvicorn_options(settings, host=args.host, port=args.port, workers=args.workers)
    uvicorn.run("civicapi.main:app_factory", **options)
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    from civicapi import migrate

    url = get_settings().database_url
    if args.action == "upgrade":
        migrate.upgrade(url, args.revision or "heads")
    elif args.action == "downgrade":
        migrate.downgrade(url, args.revision or "-1")
    elif args.action == "revision":
        migrate.revision(url, args.message or "change")
    elif args.action == "check":
        from civicapi.registry import load_modules

        diff = migrate.drift(url, load_modules(get_settings().modules))  # the modules' tables too
        if diff:
            print("models and migrations differ:", *diff, sep="\n  ")
            return 1
        print("no drift")
    return 0


def _cmd_seed_demo(_args: argparse.Namespace) -> int:
    from civicapi.demo import seed_demo

    summary = asyncio.run(seed_demo(get_settings()))
    print(summary)
    return 0


def _cmd_openapi(args: argparse.Namespace) -> int:
    from civicapi.openapi_doc import render_openapi

    rendered = render_openapi()
    target = Path(args.output)
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != rendered:
            print(f"{target} is stale: run `civicapi openapi` and commit the result", file=sys.stderr)
            return 1
        print(f"{target} is up to date")
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(rendered, encoding="utf-8")
    print(f"wrote {target} ({len(json.loads(rendered)['paths'])} paths)")
    return 0


def _cmd_create_admin(args: argparse.Namespace) -> int:
    from civicapi.demo import create_platform_admin

    password = args.password or os.environ.get("CIVICAPI_ADMIN_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            print("give --password or CIVICAPI_ADMIN_PASSWORD", file=sys.stderr)
            return 2
        password = getpass.getpass("password: ")
    if len(password) < 10:
        print("the password must have at least 10 characters", file=sys.stderr)
        return 2
    created = asyncio.run(
        create_platform_admin(get_settings(), email=args.email, name=args.name, password=password)
    )
    print(("created" if created else "promoted") + f" platform administrator {args.email}")
    return 0


async def _events(database_url: str, retry: bool) -> list[str]:
    from civicapi.core import event_store as store
    from civicapi.core.db.base import utcnow
    from civicapi.core.db.session import Database, create_engine

    db = Database(create_engine(database_url))
    try:
        async with db.unit_of_work() as session:
            pending = await store.pending_count(session)
            aside = await store.set_aside(session)
            lines = [f"{pending} event(s) waiting for delivery, {len(aside)} set aside"]
            lines += [
                f"  {r.id} {r.name} commune={r.commune_id} occurred={r.occurred_at:%Y-%m-%d %H:%M:%S} "
                f"attempts={r.attempts}: {r.last_error}"
                for r in aside
            ]
            if retry:
                count = await store.retry_set_aside(session, now=utcnow())
                lines.append(f"{count} set-aside event(s) due again: a running worker delivers them")
        return lines
    finally:
        await db.dispose()


def _cmd_events(args: argparse.Namespace) -> int:
    print(*asyncio.run(_events(get_settings().database_url, args.retry)), sep="\n")
    return 0


async def _download(url: str, transport: Any = None) -> tuple[bytes, str | None, dict[str, Any]]:
    """A budget's ballots file, the digest it is served with and its published results, from its URL
    (``https://.../v1/communes/{commune}/budgets/components/{component_id}/budgets/{budget_id}``)."""
    import httpx

    async with httpx.AsyncClient(transport=transport, timeout=60, follow_redirects=True) as client:
        ballots = await client.get(url.rstrip("/") + "/ballots.pb")
        results = await client.get(url.rstrip("/") + "/results")
    for response in (ballots, results):
        if response.status_code != 200:
            raise ValueError(f"GET {response.url} answered {response.status_code}: {response.text[:300]}")
    published: dict[str, Any] = results.json()
    return ballots.content, ballots.headers.get("X-Content-SHA256"), published


def _cmd_recount(args: argparse.Namespace) -> int:
    import httpx

    from civicapi.modules.budgets.recount import recount, recount_as_published
    from civicapi.modules.budgets.settings import CountingRule

    if args.ballots is None and args.url is None:
        print("give the ballots file, or --url", file=sys.stderr)
        return 2
    try:
        sha256 = args.sha256
        published: dict[str, Any] | None
        if args.url is not None:
            data, served, published = asyncio.run(_download(args.url))
            sha256 = sha256 or served
        else:
            data = Path(args.ballots).read_bytes()
            published = json.loads(Path(args.results).read_text(encoding="utf-8")) if args.results else None
        if args.rule is None:
            if published is None:
                print(
                    "give --rule, or the published results to recount as they were counted", file=sys.stderr
                )
                return 2
            rule, compare, result = recount_as_published(data, published, sha256=sha256)
        else:
            rule, compare = CountingRule(args.rule), args.compare_with_greedy
            result = recount(data, rule, compare_with_greedy=compare, sha256=sha256, published=published)
    except (OSError, ValueError, httpx.HTTPError) as exc:  # unreachable, unreadable, not JSON, not Pabulib
        print(f"cannot recount: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result.outcome, indent=2, ensure_ascii=False))
    print(f"SHA-256 of the ballots file: {result.sha256}", file=sys.stderr)
    for problem in result.problems:
        print(f"DIFFERS: {problem}", file=sys.stderr)
    if sha256 or published is not None:
        verdict = "AGREES" if result.agrees else "DOES NOT AGREE"
        how = f"{rule.value}" + (" compared with greedy" if compare else "")
        print(f"{verdict}: recounted with {how}", file=sys.stderr)
    return 0 if result.agrees else 1


def build_parser() -> argparse.ArgumentParser:
    from civicapi.modules.budgets.settings import CountingRule

    parser = argparse.ArgumentParser(prog="civicapi", description="civicapi: civic participation backend")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP API (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--migrate", action="store_true", help="upgrade the database before serving")
    serve.set_defaults(func=_cmd_serve)

    mig = sub.add_parser("migrate", help="database migrations (Alembic)")
    mig.add_argument(
        "action", nargs="?", default="upgrade", choices=["upgrade", "downgrade", "revision", "check"]
    )
    mig.add_argument("revision", nargs="?", default=None)
    mig.add_argument("-m", "--message", default=None)
    mig.set_defaults(func=_cmd_migrate)

    seed = sub.add_parser("seed-demo", help="create the demo commune and its people (idempotent)")
    seed.set_defaults(func=_cmd_seed_demo)

    oa = sub.add_parser("openapi", help="write openapi/openapi.json from the app")
    oa.add_argument("--output", default="openapi/openapi.json")
    oa.add_argument("--check", action="store_true", help="fail if the file is stale")
    oa.set_defaults(func=_cmd_openapi)

    admin = sub.add_parser("create-admin", help="create (or promote) a platform administrator")
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", default="Platform administrator")
    admin.add_argument("--password", default=None, help="or CIVICAPI_ADMIN_PASSWORD, or asked interactively")
    admin.set_defaults(func=_cmd_create_admin)

    events = sub.add_parser("events", help="events waiting in the outbox; those set aside after failures")
    events.add_argument("--retry", action="store_true", help="make the set-aside events due again")
    events.set_defaults(func=_cmd_events)

    rc = sub.add_parser(
        "recount",
        help="recount a published vote from its ballots file (no database; --url downloads it)",
        description="Count the ballots file (GET .../ballots.pb) and print the outcome (JSON). With the "
        "published results (--results, the body of GET .../results) and/or the digest (--sha256, "
        "X-Content-SHA256), check them; --url <budget URL> downloads all three. Without --rule, the results "
        "say how they were counted. Exit 0 if everything agrees, 1 otherwise (each difference printed), 2 "
        "if nothing could be recounted.",
    )
    rc.add_argument("ballots", nargs="?", default=None, help="the Pabulib file (GET .../ballots.pb)")
    rc.add_argument("--url", default=None, help="the budget's URL (.../budgets/{budget_id}) instead of files")
    rc.add_argument("--rule", default=None, choices=[rule.value for rule in CountingRule])
    rc.add_argument("--compare-with-greedy", action="store_true", help="with --rule: as the count was asked")
    rc.add_argument("--sha256", default=None, help="the digest published at close (X-Content-SHA256)")
    rc.add_argument("--results", default=None, help="a file holding the body of GET .../results")
    rc.set_defaults(func=_cmd_recount)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
