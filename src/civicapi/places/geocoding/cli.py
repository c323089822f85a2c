"""``civicapi places import-addresses <commune> <file>``: replace a commune's address list from a CSV file
(the columns of :mod:`civicapi.places.geocoding.addresses`), all or nothing, as the upload route does."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from civicapi.communes.repository import CommuneRepository
from civicapi.config import Settings, get_settings
from civicapi.core.db.session import Database, create_engine
from civicapi.core.errors import InvalidInput
from civicapi.places.geocoding.addresses import AddressesReplaced, replace_addresses


class UnknownCommune(LookupError):
    pass


async def import_addresses(settings: Settings, commune_slug: str, data: bytes) -> AddressesReplaced:
    db = Database(create_engine(settings.database_url))
    try:
        async with db.unit_of_work() as session:
            commune = await CommuneRepository(session).by_slug(commune_slug)
            if commune is None:
                raise UnknownCommune(commune_slug)
            return await replace_addresses(session, commune.id, data)
    finally:
        await db.dispose()


def _cmd_import_addresses(args: argparse.Namespace) -> int:
    try:
        data = Path(args.file).read_bytes()
        done = asyncio.run(import_addresses(get_settings(), args.commune, data))
    except OSError as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    except UnknownCommune:
        print(f"no commune {args.commune!r}", file=sys.stderr)
        return 2
    except InvalidInput as exc:
        print(f"{exc.detail}:", file=sys.stderr)
        for error in exc.extras.get("errors") or ():
            column = f" ({error['location'][2]})" if len(error["location"]) > 2 else ""
            print(f"  line {error['row']}{column}: {error['message']} [{error['code']}]", file=sys.stderr)
        return 1
    print(f"{done.addresses} address(es) imported for {args.commune} (replacing {done.previous_addresses})")
    return 0


def register(group: argparse.ArgumentParser) -> Any:
    """Add ``import-addresses`` to the ``civicapi places`` command group; answers the group's commands (for
    the others to add theirs)."""
    commands = group.add_subparsers(dest="places_command", required=True)
    command = commands.add_parser(
        "import-addresses",
        help="replace a commune's address list (what the offline geocoder searches) from a CSV file",
    )
    command.add_argument("commune", help="the commune's slug")
    command.add_argument("file", help="CSV: street,house_number,postcode,city,latitude,longitude")
    command.set_defaults(func=_cmd_import_addresses)
    return commands
