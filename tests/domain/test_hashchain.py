from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from tracker.domain.hashchain import GENESIS, ChainedEvent, canonical_json, event_hash, verify_chain


@pytest.mark.parametrize(
    "value, expected",
    [
        ({"b": 1, "a": "가"}, '{"a":"가","b":1}'),
        ({"d": date(2022, 2, 28)}, '{"d":"2022-02-28"}'),
        (
            {"t": datetime(2022, 2, 28, 15, 0, tzinfo=timezone(timedelta(hours=9)))},
            '{"t":"2022-02-28T06:00:00Z"}',
        ),
        (None, "null"),
    ],
)
def test_canonical_json(value, expected):
    assert canonical_json(value) == expected


def test_canonical_json_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        canonical_json({"t": datetime(2022, 1, 1)})


def chain(n=4):
    events, prev = [], GENESIS
    for seq in range(1, n + 1):
        fields = {"seq": seq, "at": datetime(2022, 1, seq, tzinfo=UTC), "after": f"v{seq}"}
        h = event_hash(fields, prev)
        events.append(ChainedEvent(seq * 10, seq, fields, prev, h))
        prev = h
    return events


def test_intact_chain():
    assert verify_chain(chain()) == (4, None)


def test_edited_event_is_named():
    events = chain()
    events[2] = ChainedEvent(
        30, 3, {**events[2].fields, "after": "forged"}, events[2].prev_hash, events[2].hash
    )
    checked, broken = verify_chain(events)
    assert checked == 2 and broken.seq == 3 and "edited" in broken.reason


def test_deleted_event_is_named():
    events = chain()
    del events[1]
    checked, broken = verify_chain(events)
    assert checked == 1 and broken.seq == 3 and "deleted" in broken.reason


def test_event_inserted_out_of_order():
    events = chain()
    events[1], events[2] = events[2], events[1]
    _checked, broken = verify_chain(events)
    assert broken is not None and broken.seq == 3


def test_recomputed_forgery_breaks_the_next_link():
    events = chain()
    forged_fields = {**events[1].fields, "after": "forged"}
    forged = ChainedEvent(
        20, 2, forged_fields, events[1].prev_hash, event_hash(forged_fields, events[1].prev_hash)
    )
    events[1] = forged
    _checked, broken = verify_chain(events)
    assert broken.seq == 3 and "previous-hash" in broken.reason
