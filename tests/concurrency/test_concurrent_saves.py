"""Eight people save at once on a served app, with its worker beside it: no save fails, every
acknowledged save is in the database afterwards, and ``tracker verify`` finds the audit chain
and the vault intact. On SQLite (the embedded default, ``make run``) and on PostgreSQL.

TRACKER_CONCURRENCY_SECONDS sets how long they save (default 30 s per backend).
"""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import BACKENDS, drop_pg_database, pg_test_url

from .served import Outcome, Served, run_load, served_app

SECONDS = float(os.environ.get("TRACKER_CONCURRENCY_SECONDS", "30"))
PEOPLE = 8

# One served app at a time: two of them on two cores would only measure each other.
pytestmark = pytest.mark.xdist_group("concurrency")


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield None  # served_app puts SQLite in its instance dir, as `make run` does
        return
    url = pg_test_url("_concurrency")
    yield url
    drop_pg_database(url)


def _initial_statuses(url: str, item_ids: list[int]) -> dict[int, str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, status FROM demanditem")).all()
    finally:
        engine.dispose()
    return {item_id: status for item_id, status in rows if item_id in item_ids}


def _assert_all_stored(served: Served, outcome: Outcome, before: dict[int, str]) -> None:
    engine = create_engine(served.database_url)
    try:
        with engine.connect() as conn:
            stored_facts = Counter(
                conn.execute(
                    text("SELECT text FROM fact WHERE matter_id = :m"), {"m": served.matter_id}
                ).scalars()
            )
            statuses = dict(conn.execute(text("SELECT id, status FROM demanditem")).all())
            events = conn.execute(
                text(
                    "SELECT actor_id, entity_id, after FROM auditevent"
                    " WHERE entity = 'DemandItem' AND action = 'update' ORDER BY seq"
                )
            ).all()
    finally:
        engine.dispose()
    by_email = {p.email: p for p in served.people}
    for email, texts in outcome.facts.items():
        missing = [t for t in texts if stored_facts[t] != 1]
        assert not missing, f"{email}: {len(missing)} acknowledged facts not stored once"
    for email, acks in outcome.statuses.items():
        if not acks:
            continue
        person = by_email[email]
        item = acks[0][0]
        recorded = [
            json.loads(after)["status"]
            for actor_id, entity_id, after in events
            if actor_id == person.user_id and int(entity_id) == item
        ]
        expected = [status for _item, status in acks]
        if expected[0] == before[item]:
            expected = expected[1:]  # saving the status it already had changes nothing
        # Each person has an item of their own, so the audit trail must hold exactly their
        # acknowledged changes, in order, and the item ends in the last one.
        assert recorded == expected, f"{email}: audit {recorded[:5]}… vs saved {expected[:5]}…"
        assert statuses[item] == acks[-1][1]


def test_eight_people_saving_at_once_lose_nothing(tmp_path, database_url):
    with served_app(tmp_path, database_url, people=PEOPLE) as served:
        assert len(served.item_ids) >= PEOPLE, "the demo matter needs an item per person"
        before = _initial_statuses(served.database_url, served.item_ids)
        outcome = run_load(served, SECONDS)
    errors = Counter(
        line.strip()
        for line in served.log_path.read_text(errors="replace").splitlines()
        if line.startswith("sqlalchemy.exc.") or line.startswith("psycopg.")
    )
    failures = Counter((f.what, f.status) for f in outcome.failures)
    sample = outcome.failures[0].body if outcome.failures else ""
    print(
        f"\n{PEOPLE} people, {outcome.seconds:.0f} s: {outcome.saves} saves "
        f"({outcome.saves / outcome.seconds:.1f}/s), {outcome.reads} reads, "
        f"{len(outcome.failures)} failed {dict(failures)} {dict(errors)}"
    )
    assert outcome.saves > PEOPLE * 2, "the people hardly saved anything"
    assert not outcome.failures, (
        f"{len(outcome.failures)} of {outcome.attempts} saves failed "
        f"({outcome.failure_rate:.0%}): {dict(failures)}; the server said {dict(errors)}"
        f"\n{sample}"
    )
    _assert_all_stored(served, outcome, before)
    done = served.cli("verify")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "audit chain intact" in done.stdout
    assert "vault intact" in done.stdout
