"""The real Pabulib elections of ../shared/pabulib (the repository's sibling), parsed once per session."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from civicapi.config import Environment, Settings
from civicapi.modules.budgets.counting import Election, parse_pabulib

PABULIB = (Path(__file__).resolve().parents[3] / ".." / "shared" / "pabulib").resolve()
FILES = [
    "France_Toulouse_2019.pb",
    "Netherlands_Assen_2024.pb",
    "Poland_Swiecie_2023.pb",
    "Poland_Warszawa_2023_Praga-Polnoc.pb",
    "Switzerland_Zurich_D10.pb",
]


@cache
def _parse(name: str) -> Election:
    return parse_pabulib((PABULIB / name).read_text(encoding="utf-8"))


def load(name: str) -> Election:
    """The parsed file, or a skipped test when the shared folder is absent."""
    if not PABULIB.is_dir():
        pytest.skip(
            f"Pabulib golden files not found at {PABULIB} (expected the repository's sibling shared/)"
        )
    return _parse(name)


def published(election: Election) -> frozenset[str]:
    """The published winners: the PROJECTS ``selected`` column."""
    return frozenset(p.id for p in election.projects if p.fields["selected"] == "1")


def large_body_settings(database_url: str) -> Settings:
    """The suite's settings with a body limit that lets the largest golden file through."""
    return Settings(
        env=Environment.test,
        database_url=database_url,
        secret_key="test-secret-key-that-is-long-enough-0123456789",  # type: ignore[arg-type]
        modules=None,
        max_body_bytes=1_048_576,
    )
