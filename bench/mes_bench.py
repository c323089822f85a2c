"""Time the Method of Equal Shares with the add1 completion (civicapi's counting package).

    .venv/bin/python bench/mes_bench.py [--voters 100000] [--repeat 3] [--output result.json]
    .venv/bin/python bench/mes_bench.py --pabutools-python /tmp/pabu/bin/python [--pabutools-timeout 900]

Instances: the largest ``.pb`` file of ../shared/pabulib (the repository's sibling folder) and a synthetic
approval election (seeded: ``--voters`` voters, 40 projects, skewed popularity, 1 to 10 approvals each).
For each, the best of ``--repeat`` runs of ``equal_shares_add1`` is reported with its outcome.

With ``--pabutools-python``, the same instance is counted by pabutools (GPL, so only ever run from a
separate throwaway virtualenv, in a subprocess, e.g. ``python3 -m venv /tmp/pabu && /tmp/pabu/bin/pip
install pabutools``): ``exhaustion_by_budget_increase(method_of_equal_shares, Cost_Sat, budget_step =
voters, exhaustive_stop=False)``, the same add1 rule. The figure that matters is the ratio of the two
times measured in the same run, and whether both select the same projects. pabutools is never imported
here.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from civicapi.modules.budgets.counting import (  # noqa: E402
    Ballot,
    Election,
    Project,
    equal_shares_add1,
    parse_pabulib,
    write_pabulib,
)

PABULIB = (ROOT / ".." / "shared" / "pabulib").resolve()

PABUTOOLS_SCRIPT = """
import json, sys, time
from pabutools.election import parse_pabulib, Cost_Sat
from pabutools.rules import method_of_equal_shares, exhaustion_by_budget_increase
instance, profile = parse_pabulib(sys.argv[1])
start = time.perf_counter()
outcome = exhaustion_by_budget_increase(
    instance, profile, method_of_equal_shares, {"sat_class": Cost_Sat},
    budget_step=profile.num_ballots(), exhaustive_stop=False,
)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "selected": sorted(p.name for p in outcome),
                  "total_cost": int(sum(p.cost for p in outcome))}))
"""


def synthetic(voters: int, seed: int = 2026) -> Election:
    """A seeded approval election: 40 projects costing 20,000 to 800,000, budget 5,000,000 (a large
    city's district budget), popularity decreasing with the project number."""
    rng = random.Random(seed)
    ids = [f"p{i}" for i in range(1, 41)]
    projects = tuple(Project(pid, rng.randrange(20_000, 800_001, 100)) for pid in ids)
    popularity = [1 / (rank + 3) for rank in range(len(ids))]
    ballots = []
    for v in range(voters):
        size = rng.randint(1, 10)
        ballots.append(Ballot.approval(f"v{v}", set(rng.choices(ids, weights=popularity, k=size))))
    return Election(5_000_000, projects, tuple(ballots), meta={"description": "synthetic", "currency": "EUR"})


def time_ours(election: Election, repeat: int) -> dict[str, Any]:
    best, outcome = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        outcome = equal_shares_add1(election)
        best = min(best, time.perf_counter() - start)
    assert outcome is not None
    return {
        "seconds": best,
        "selected": sorted(outcome.selected),
        "total_cost": outcome.total_cost,
        "increment": int(outcome.details["increment"]),
        "mes_runs": int(outcome.details["runs"]),
    }


def time_pabutools(python: str, election: Election, timeout: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "instance.pb"
        path.write_text(write_pabulib(election), encoding="utf-8")
        try:
            done = subprocess.run(
                [python, "-c", PABUTOOLS_SCRIPT, str(path)],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=True,
            )
        except subprocess.TimeoutExpired:
            return {"timeout": timeout}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def bench(name: str, election: Election, args: argparse.Namespace) -> dict[str, Any]:
    print(f"{name}: {len(election.ballots)} voters, {len(election.projects)} projects", file=sys.stderr)
    row: dict[str, Any] = {
        "instance": name,
        "voters": len(election.ballots),
        "projects": len(election.projects),
    }
    row["civicapi"] = time_ours(election, args.repeat)
    print(f"  civicapi  {row['civicapi']['seconds']:.3f} s", file=sys.stderr)
    if args.pabutools_python:
        theirs = time_pabutools(args.pabutools_python, election, args.pabutools_timeout)
        row["pabutools"] = theirs
        if "seconds" in theirs:
            row["speed_ratio"] = theirs["seconds"] / row["civicapi"]["seconds"]
            row["same_outcome"] = theirs["selected"] == row["civicapi"]["selected"]
            print(f"  pabutools {theirs['seconds']:.3f} s, ratio {row['speed_ratio']:.1f}x", file=sys.stderr)
        else:
            row["speed_ratio_at_least"] = theirs["timeout"] / row["civicapi"]["seconds"]
            print(f"  pabutools timed out after {theirs['timeout']} s", file=sys.stderr)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pabutools-python", help="python of a throwaway venv with pabutools installed")
    parser.add_argument("--pabutools-timeout", type=float, default=900.0)
    parser.add_argument("--skip-synthetic", action="store_true")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    rows = []
    if PABULIB.is_dir():
        largest = max(PABULIB.glob("*.pb"), key=lambda p: p.stat().st_size)
        rows.append(bench(largest.name, parse_pabulib(largest.read_text(encoding="utf-8")), args))
    else:
        print(f"no Pabulib files at {PABULIB}: skipping the real instance", file=sys.stderr)
    if not args.skip_synthetic:
        rows.append(bench(f"synthetic-{args.voters}", synthetic(args.voters), args))
    report = {"python": platform.python_version(), "machine": platform.machine(), "results": rows}
    text = json.dumps(report, indent=2)
    print(text)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
