"""Benchmark a survey's results, uncached, against the FastAPI-hello ceiling measured in the same run.

    .venv/bin/python bench/surveys_results.py [--answers 100000] [--duration 40] [--rounds 1]
        [--connections 1] [--warmup 0] [--database-url postgresql+asyncpg://...]

``bench/run.py --scenario surveys`` with the response cache off (``CIVICAPI_RESPONSE_CACHE_SECONDS=0``:
every request counts the answers again, in SQL): a fresh database, ``civicapi seed-demo``, then
``bench/seed_surveys.py --count <answers>`` (bulk inserts), then ``GET .../surveys/{id}/results`` loaded
against the bare ASGI and FastAPI-hello ceilings answering the same bytes, interleaved. One connection, no
warm-up and long runs by default: one results request of 100,000 answers takes the database seconds. Other options go to
``bench/run.py``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os

import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=100_000, help="answers to seed (10-100000)")
    parser.add_argument("--duration", default="40")
    parser.add_argument("--rounds", default="1")
    parser.add_argument("--connections", default="1")
    parser.add_argument("--warmup", default="0")
    args, rest = parser.parse_known_args(argv)
    os.environ["CIVICAPI_RESPONSE_CACHE_SECONDS"] = "0"
    os.environ.setdefault("CIVICAPI_BENCH_REQUEST_TIMEOUT", "120")  # one request takes seconds
    run.SETUP["surveys"] = ("seed_surveys.py", "--count", str(args.answers))
    (endpoint,) = run.SCENARIOS["surveys"]
    label = f"survey results: {args.answers:,} answers to 10 questions, breakdowns, anonymous, uncached"
    run.SCENARIOS["surveys"] = [dataclasses.replace(run.as_endpoint(endpoint), label=label)]
    options = [
        *("--duration", args.duration, "--rounds", args.rounds),
        *("--connections", args.connections, "--warmup", args.warmup),
    ]
    return run.main(["--scenario", "surveys", *options, *rest])


if __name__ == "__main__":
    raise SystemExit(main())
