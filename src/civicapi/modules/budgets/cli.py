"""The budgets module's commands: ``civicapi budgets recount`` (no database: anyone can check a published
vote from its ballots file, its digest and its results)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import httpx

from civicapi.modules.budgets.results.recount import recount, recount_as_published
from civicapi.modules.budgets.settings import CountingRule


async def _download(url: str, transport: Any = None) -> tuple[bytes, str | None, dict[str, Any]]:
    """A budget's ballots file, the digest it is served with and its published results, from its URL
    (``https://.../v1/communes/{commune}/budgets/components/{component_id}/budgets/{budget_id}``)."""
    async with httpx.AsyncClient(transport=transport, timeout=60, follow_redirects=True) as client:
        ballots = await client.get(url.rstrip("/") + "/ballots.pb")
        results = await client.get(url.rstrip("/") + "/results")
    for response in (ballots, results):
        if response.status_code != 200:
            raise ValueError(f"GET {response.url} answered {response.status_code}: {response.text[:300]}")
    published: dict[str, Any] = results.json()
    return ballots.content, ballots.headers.get("X-Content-SHA256"), published


def _cmd_recount(args: argparse.Namespace) -> int:
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


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="budgets_command", required=True)
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
