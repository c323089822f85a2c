"""The real Pabulib elections of ../shared/pabulib (the repository's sibling), parsed once per session.

Every test that reads golden data goes through :func:`golden_file` (or :func:`load`): when the folder is
absent (a fresh clone has no ``../shared``) the test is skipped with the reason; under CI (``CI`` set to
``true``/``1``) a missing folder is a failure, never a silent skip. ``CIVICAPI_TEST_PABULIB_DIR`` names
another folder."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from civicapi.config import Environment, Settings
from civicapi.modules.budgets.counting import Election, parse_pabulib
from tests.fixtures.ci import missing

SIBLING = (Path(__file__).resolve().parents[3] / ".." / "shared" / "pabulib").resolve()
DIR_VARIABLE = "CIVICAPI_TEST_PABULIB_DIR"
FILES = [
    "France_Toulouse_2019.pb",
    "Netherlands_Assen_2024.pb",
    "Poland_Swiecie_2023.pb",
    "Poland_Warszawa_2023_Praga-Polnoc.pb",
    "Switzerland_Zurich_D10.pb",
]


def golden_dir() -> Path:
    """Where the golden files are: ``$CIVICAPI_TEST_PABULIB_DIR``, else the repository's sibling."""
    configured = os.environ.get(DIR_VARIABLE, "").strip()
    return Path(configured).resolve() if configured else SIBLING


def golden_file(name: str) -> Path:
    """The path of one golden file; the test is skipped when it is missing (failed under CI)."""
    path = golden_dir() / name
    if not path.is_file():
        missing(
            f"Pabulib golden file {name} not found in {path.parent} (expected the repository's sibling "
            f"shared/pabulib/, or a folder named by {DIR_VARIABLE})"
        )
    return path


def golden_names() -> list[str]:
    """The names of every golden ``.pb`` file; the test is skipped when there are none (failed under CI)."""
    folder = golden_dir()
    names = sorted(p.name for p in folder.glob("*.pb")) if folder.is_dir() else []
    if not names:
        missing(f"no Pabulib golden file in {folder} (expected the repository's sibling shared/pabulib/)")
    return names


def read_text(name: str) -> str:
    return golden_file(name).read_text(encoding="utf-8")


def read_bytes(name: str) -> bytes:
    return golden_file(name).read_bytes()


@cache
def _parse(path: Path) -> Election:
    return parse_pabulib(path.read_text(encoding="utf-8"))


def load(name: str) -> Election:
    """The parsed file, or a skipped test when the golden folder is absent (a failure under CI)."""
    return _parse(golden_file(name))


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
