"""Pabulib ``.pb`` text <-> :class:`Election` (https://pabulib.org/format), on text only: no file I/O.

Reading: UTF-8 text (a leading BOM is ignored), CRLF or LF line endings, ``;``-separated fields with
CSV quoting (``"a;b"``, ``""`` for a quote) as Pabulib's own tooling reads it. Three sections, each
announced by a line holding only its name: ``META`` (``key;value`` rows), ``PROJECTS`` and ``VOTES``
(a header row, then one row per project / voter). ``vote_type`` must be ``approval`` or ``cumulative``
(cumulative ballots list their points in a ``points`` column aligned with ``vote``). ``budget`` and
costs must be whole numbers (``1000`` or ``1000.0``). Every other column is kept as text: project
columns other than ``project_id``, ``cost``, ``votes`` and ``name`` in :attr:`Project.fields`, voter
columns other than ``voter_id``, ``vote`` and ``points`` in :attr:`Ballot.fields`.

Writing is deterministic and canonical: equal elections give identical text. META keeps the election's
order with ``budget``, ``vote_type``, ``num_projects`` and ``num_votes`` set from the election;
PROJECTS has ``project_id;cost``, then ``votes`` and ``name`` when some project has them, then the
other columns in first-seen order; VOTES lists approvals (and points) in project order. Fields holding
``;``, ``"`` or a line break are quoted. ``parse(write(e)) == e`` whenever ``e.meta`` already states
``budget``, ``vote_type``, ``num_projects`` and ``num_votes`` (every parsed election does; otherwise they
are added), every project has the same field names, and names are given for all projects or none.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping

from .model import Ballot, BallotKind, Election, ElectionError, Project

__all__ = ["PabulibError", "pabulib_sha256", "parse_pabulib", "sha256_text", "write_pabulib"]

_SECTIONS = ("META", "PROJECTS", "VOTES")
_PROJECT_CORE = ("project_id", "cost", "votes", "name")
_VOTER_CORE = ("voter_id", "vote", "points")


class PabulibError(ValueError):
    """The text is not a valid Pabulib file (or uses a ballot kind this package does not count)."""


def _whole(text: str, what: str) -> int:
    try:
        value = float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError:
        raise PabulibError(f"{what} is not a number: {text!r}") from None
    if isinstance(value, float):
        if not value.is_integer():
            raise PabulibError(f"{what} must be a whole amount: {text!r}")
        return int(value)
    return value


def _split_ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _sections(text: str) -> dict[str, list[list[str]]]:
    if text.startswith("\ufeff"):
        text = text[1:]
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"'):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) == 1 and row[0].strip() in _SECTIONS:
            name = row[0].strip()
            if not sections and name != "META":
                raise PabulibError("text before the META section")
            if name in sections:
                raise PabulibError(f"section {name} appears twice")
            current = sections[name] = []
            continue
        if current is None:
            raise PabulibError("text before the META section")
        current.append(row)
    missing = [name for name in _SECTIONS if name not in sections]
    if missing:
        raise PabulibError(f"missing section(s): {', '.join(missing)}")
    return sections


def _table(rows: list[list[str]], section: str, required: Iterable[str]) -> tuple[list[str], list[list[str]]]:
    if not rows:
        raise PabulibError(f"section {section} has no header")
    header = [name.strip() for name in rows[0]]
    absent = [name for name in required if name not in header]
    if absent:
        raise PabulibError(f"section {section} lacks column(s): {', '.join(absent)}")
    body = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise PabulibError(f"{section} row {line}: {len(row)} fields for {len(header)} columns")
        body.append(row)
    return header, body


# Ballot kinds that read as approval ballots: one project chosen, or a ranking (whose order is dropped).
_READ_AS_APPROVAL = {"choose-1": "one project per ballot", "ordinal": "the rankings' order is not kept"}


def parse_pabulib(text: str, *, warnings: list[str] | None = None) -> Election:
    """Parse Pabulib text into an :class:`Election` (raises :class:`PabulibError`).

    Strict by default. With a ``warnings`` list, what the format allows but the model does not hold is
    normalised instead of refused, and said there: a ``choose-1`` or ``ordinal`` election reads as approval
    (META keeps the file's ``vote_type`` as ``original_vote_type``), a project approved twice on a ballot
    counts once (as pabutools reads it)."""
    sections = _sections(text)
    meta: dict[str, str] = {}
    for row in sections["META"]:
        if row[0].strip() == "key" and len(row) > 1 and row[1].strip() == "value" and not meta:
            continue
        meta[row[0].strip()] = ";".join(row[1:]).strip()
    if "budget" not in meta:
        raise PabulibError("META has no budget")
    budget = _whole(meta["budget"], "budget")
    vote_type = meta.get("vote_type", "approval").strip()
    if warnings is not None and vote_type in _READ_AS_APPROVAL:
        warnings.append(f"vote_type {vote_type} read as approval ({_READ_AS_APPROVAL[vote_type]})")
        meta["original_vote_type"] = vote_type
        meta["vote_type"] = vote_type = "approval"
    try:
        kind = BallotKind(vote_type)
    except ValueError:
        raise PabulibError(f"unsupported vote_type {vote_type!r} (approval or cumulative)") from None

    header, body = _table(sections["PROJECTS"], "PROJECTS", ("project_id", "cost"))
    projects = []
    for row in body:
        values = dict(zip(header, row, strict=True))
        pid = values["project_id"].strip()
        votes = values.get("votes", "").strip()
        projects.append(
            Project(
                id=pid,
                cost=_whole(values["cost"].strip(), f"cost of project {pid}"),
                name=values.get("name"),
                votes=_whole(votes, f"votes of project {pid}") if votes else None,
                fields={k: v for k, v in values.items() if k not in _PROJECT_CORE},
            )
        )

    header, body = _table(sections["VOTES"], "VOTES", ("voter_id", "vote"))
    if kind is BallotKind.CUMULATIVE and "points" not in header:
        raise PabulibError("cumulative VOTES lack a points column")
    ballots = []
    twice: list[str] = []
    for row in body:
        values = dict(zip(header, row, strict=True))
        voter = values["voter_id"].strip()
        ids = _split_ids(values["vote"])
        fields = {k: v for k, v in values.items() if k not in _VOTER_CORE}
        if kind is BallotKind.APPROVAL:
            if len(set(ids)) != len(ids):
                if warnings is None:
                    raise PabulibError(f"voter {voter} approves a project twice")
                twice.append(voter)
            ballots.append(Ballot(voter_id=voter, approvals=frozenset(ids), fields=fields))
            continue
        points = [_whole(p, f"points of voter {voter}") for p in _split_ids(values["points"])]
        if len(points) != len(ids) or len(set(ids)) != len(ids):
            raise PabulibError(f"voter {voter}: vote and points do not match")
        ballots.append(Ballot(voter_id=voter, points=dict(zip(ids, points, strict=True)), fields=fields))
    if twice and warnings is not None:
        shown = ", ".join(twice[:5]) + (f" and {len(twice) - 5} more" if len(twice) > 5 else "")
        warnings.append(f"{len(twice)} ballot(s) approve a project twice, counted once (voters {shown})")
    try:
        return Election(budget=budget, projects=tuple(projects), ballots=tuple(ballots), kind=kind, meta=meta)
    except ElectionError as exc:
        raise PabulibError(str(exc)) from exc


def _field(value: str) -> str:
    if any(c in value for c in ';"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _row(values: Iterable[str]) -> str:
    return ";".join(_field(v) for v in values)


def _columns(rows: Iterable[Mapping[str, str]]) -> list[str]:
    seen: dict[str, None] = {}
    for fields in rows:
        seen.update(dict.fromkeys(fields))
    return list(seen)


def write_pabulib(election: Election, *, newline: str = "\n") -> str:
    """Canonical Pabulib text of an election (see the module docstring); ``newline`` is ``\\n`` or
    ``\\r\\n``."""
    meta = dict(election.meta)
    meta.update(
        budget=str(election.budget),
        vote_type=election.kind.value,
        num_projects=str(len(election.projects)),
        num_votes=str(len(election.ballots)),
    )
    lines = ["META", "key;value", *(_row((k, v)) for k, v in meta.items())]

    has_votes = any(p.votes is not None for p in election.projects)
    has_name = any(p.name is not None for p in election.projects)
    extra = _columns(p.fields for p in election.projects)
    header = ["project_id", "cost", *(["votes"] if has_votes else []), *(["name"] if has_name else [])]
    lines += ["PROJECTS", _row(header + extra)]
    for p in election.projects:
        row = [p.id, str(p.cost)]
        if has_votes:
            row.append("" if p.votes is None else str(p.votes))
        if has_name:
            row.append(p.name or "")
        lines.append(_row(row + [p.fields.get(k, "") for k in extra]))

    cumulative = election.kind is BallotKind.CUMULATIVE
    voter_extra = _columns(b.fields for b in election.ballots)
    lines += ["VOTES", _row(["voter_id", "vote", *(["points"] if cumulative else []), *voter_extra])]
    order = election.project_index
    for b in election.ballots:
        ids = sorted(b.points if cumulative else b.approvals, key=order.__getitem__)
        row = [b.voter_id, ",".join(ids)]
        if cumulative:
            row.append(",".join(str(b.points[i]) for i in ids))
        lines.append(_row(row + [b.fields.get(k, "") for k in voter_extra]))
    return newline.join(lines) + newline


def sha256_text(text: str) -> str:
    """Hex SHA-256 of the UTF-8 encoding of ``text``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pabulib_sha256(election: Election) -> str:
    """Hex SHA-256 of the canonical Pabulib text of ``election`` (LF line endings)."""
    return sha256_text(write_pabulib(election))
