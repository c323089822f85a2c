"""The golden-data helper: a fresh clone without ``../shared`` skips the golden tests with the reason, CI
fails them instead, and no test reads the shared folder around the helper."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.modules.budgets import pabulib_data
from tests.modules.budgets.pabulib_data import DIR_VARIABLE, golden_file, load, read_bytes, read_text

TESTS = Path(__file__).resolve().parents[2]


def test_missing_golden_data_skips_with_the_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DIR_VARIABLE, str(tmp_path / "absent"))
    monkeypatch.delenv("CI", raising=False)
    for read in (golden_file, load, read_text, read_bytes):
        with pytest.raises(pytest.skip.Exception, match=r"Netherlands_Assen_2024\.pb not found in .*absent"):
            read("Netherlands_Assen_2024.pb")


@pytest.mark.parametrize("ci", ["true", "1", "TRUE"])
def test_missing_golden_data_fails_under_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv(DIR_VARIABLE, str(tmp_path))
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="CI must run this test"):
        load("Netherlands_Assen_2024.pb")


def test_the_folder_can_be_named_and_is_read_through_the_helper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "META\nkey;value\nnum_projects;1\nnum_votes;1\nbudget;10\nvote_type;approval\n"
    text += "PROJECTS\nproject_id;cost\n1;5\nVOTES\nvoter_id;vote\n1;1\n"
    (tmp_path / "Tiny.pb").write_text(text, encoding="utf-8")
    monkeypatch.setenv(DIR_VARIABLE, str(tmp_path))
    monkeypatch.setenv("CI", "true")
    assert golden_file("Tiny.pb") == tmp_path / "Tiny.pb"
    assert read_text("Tiny.pb") == text and read_bytes("Tiny.pb") == text.encode()
    assert load("Tiny.pb").budget == 10
    monkeypatch.delenv(DIR_VARIABLE)
    assert pabulib_data.golden_dir() == pabulib_data.SIBLING


def test_no_test_reads_the_shared_folder_but_through_the_helper() -> None:
    """A path built around the helper would be read even when missing: a failure instead of a skip."""
    helper = Path(pabulib_data.__file__).resolve()
    around = ("PABULIB", "SIBLING", "golden_dir", '"shared"', "'shared'", '"../shared', "'../shared")
    readers = [
        path.relative_to(TESTS).as_posix()
        for path in TESTS.rglob("*.py")
        if path.resolve() not in {helper, Path(__file__).resolve()}
        and any(word in path.read_text(encoding="utf-8") for word in around)
    ]
    assert readers == []
