"""``civicapi`` command: serve | migrate | seed-demo | openapi | create-admin | events | places, and each module's
commands under ``civicapi <module key>`` (``civicapi budgets recount``)."""

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
        if not args.revision:
            print("give the revision to go down to: base, <module>@base, <module>@-1, platform@-1, an id")
            return 2
        migrate.downgrade(url, args.revision)
    elif args.action == "revision":
        migrate.revision(url, args.message or "change", module=args.module)
    elif args.action == "heads":
        print(*migrate.heads_in_database(url), sep="\n")
    elif args.action == "check":
        registry = migrate.installed_modules()  # the modules' tables too, each reported under its owner
        drift = migrate.drift_by_owner(url, registry)
        if drift:
            for owner, diffs in sorted(drift.items()):
                print(f"{owner}: models and migrations differ:", *diffs, sep="\n  ")
            return 1
        print("no drift (" + ", ".join(["platform", *registry.keys]) + ")")
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


async def reindex_places(settings: Settings, slug: str | None) -> list[str] | None:
    """``civicapi places reindex``: one line per commune and resource type rebuilt; None for an unknown
    commune."""
    from civicapi.core.db.session import Database, create_engine
    from civicapi.places.service_reindex import communes_to_reindex, reindex
    from civicapi.registry import load_modules

    registry = load_modules(settings.modules)
    db = Database(create_engine(settings.database_url))
    try:
        async with db.unit_of_work() as session:
            communes = await communes_to_reindex(session, slug)
        if slug is not None and not communes:
            return None
        lines = []
        for commune_id, commune_slug in communes:
            async with db.unit_of_work() as session:  # one commune at a time, each in its own transaction
                done = await reindex(session, registry, commune_id)
            lines += [
                f"{commune_slug}: {d.module}/{d.resource_type}: {d.written} place(s) written, {d.removed} removed"
                for d in done
            ]
        return lines
    finally:
        await db.dispose()


def _cmd_places_reindex(args: argparse.Namespace) -> int:
    lines = asyncio.run(reindex_places(get_settings(), args.commune))
    if lines is None:
        print(f"no commune {args.commune!r}", file=sys.stderr)
        return 2
    print(*lines, sep="\n")
    return 0


ALIASES = {"recount": ["budgets", "recount"]}
"""Former spellings kept for one release (0.2): ``civicapi recount`` is ``civicapi budgets recount``."""


def _modules_with_commands() -> list[Any]:
    from civicapi.registry import load_modules

    return [m for m in load_modules(get_settings().modules) if m.cli is not None]


def build_parser() -> argparse.ArgumentParser:
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
        "action", nargs="?", default="upgrade", choices=["upgrade", "downgrade", "revision", "check", "heads"]
    )
    mig.add_argument(
        "revision", nargs="?", default=None, help="e.g. heads, base, budgets@head, budgets@-1, a revision id"
    )
    mig.add_argument("-m", "--message", default=None)
    mig.add_argument("--module", default=None, help="revision: write it on this module's branch")
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

    from civicapi.places.geocoding import cli as geocoding_cli

    places = sub.add_parser("places", help="the places capability: its index, its address list")
    places_sub = geocoding_cli.register(places)
    reindex = places_sub.add_parser("reindex", help="rebuild the index from the loaded modules")
    reindex.add_argument("--commune", default=None, help="the commune's slug (default: every commune)")
    reindex.set_defaults(func=_cmd_places_reindex)

    for module in _modules_with_commands():
        assert module.cli is not None
        group = sub.add_parser(module.key, help=f"the {module.key} module's commands")
        module.cli(group)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ALIASES:
        print(
            f"note: `civicapi {argv[0]}` is now `civicapi {' '.join(ALIASES[argv[0]])}`; "
            "the old spelling goes in the next release",
            file=sys.stderr,
        )
        argv = [*ALIASES[argv[0]], *argv[1:]]
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
