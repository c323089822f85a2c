"""An export's memory does not grow with the number of responses: it is read batch by batch (both
backends). The 250,000-response measure is ``bench/forms_export.py``."""

from __future__ import annotations

import tracemalloc

import pytest

from civicapi.core.db.session import Database
from civicapi.forms import exports
from civicapi.forms.models import Questionnaire
from tests.fixtures.factories import World
from tests.forms.helpers import every_type_questionnaire
from tests.forms.results_helpers import seed_responses


async def _peak(db: Database, questionnaire: Questionnaire, fmt: str) -> tuple[int, int]:
    """(bytes sent, peak bytes allocated while streaming the export)."""
    tracemalloc.start()
    try:
        sent = 0
        async for chunk in await exports.export_responses(db, questionnaire, fmt):
            sent += len(chunk)
        return sent, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_export_memory_does_not_grow_with_the_responses(
    db: Database, world: World, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.setattr(exports, "BATCH", 50)
    small = await every_type_questionnaire(db, world.alpha.id)
    large = await every_type_questionnaire(db, world.alpha.id)
    await seed_responses(db, world.alpha.id, small, 150)
    await seed_responses(db, world.alpha.id, large, 900, seed=2)
    async with db.unit_of_work(readonly=True) as session:
        found = [await session.get(Questionnaire, built.id) for built in (small, large)]
    assert found[0] is not None and found[1] is not None
    await _peak(db, found[0], fmt)  # warm up (imports, caches, compiled statements)
    sent_small, peak_small = await _peak(db, found[0], fmt)
    sent_large, peak_large = await _peak(db, found[1], fmt)
    assert sent_large > 4 * sent_small  # six times the rows (xlsx compresses)
    assert peak_large < 1.5 * peak_small, (peak_small, peak_large)
