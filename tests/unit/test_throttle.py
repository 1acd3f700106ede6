"""The per-account throttle's counting (pure; the bot's use of it is in test_flood.py)."""

from __future__ import annotations

import pytest

from bot.throttle import AccountThrottle, Verdict, account_tag

PASS, DROP, NOTIFY = Verdict.PASS, Verdict.DROP, Verdict.NOTIFY


def test_more_than_the_limit_in_the_window_is_one_spell_with_one_notice() -> None:
    throttle = AccountThrottle(limit=5, window_s=3.0)
    # Ten a second for two seconds: five get through, then one notice, then silence.
    verdicts = [throttle.check(1, t / 10) for t in range(20)]
    assert verdicts == [PASS] * 5 + [NOTIFY] + [DROP] * 14
    assert (throttle.throttled_total, throttle.dropped_total) == (1, 15)
    # Dropped messages count too: slowing to two a second is still more than 5 in 3 s...
    assert [throttle.check(1, 2.0 + k / 2) for k in range(1, 7)] == [DROP] * 6
    # ...until the window holds fewer than five: the spell ends, and a new one notifies again.
    assert throttle.check(1, 9.0) == PASS
    assert [throttle.check(1, 9.0 + t / 100) for t in range(1, 6)] == [PASS] * 4 + [NOTIFY]
    assert throttle.throttled_total == 2


def test_accounts_are_counted_apart() -> None:
    throttle = AccountThrottle(limit=2, window_s=1.0)
    assert [throttle.check(1, 0.0), throttle.check(1, 0.1), throttle.check(1, 0.2)] == [
        PASS,
        PASS,
        NOTIFY,
    ]
    assert [throttle.check(2, 0.2), throttle.check(2, 0.3)] == [PASS, PASS]
    # Exactly the limit within the window is allowed: 2 in any 1 s.
    assert [throttle.check(3, t) for t in (0.0, 0.5, 1.0, 1.5, 2.0)] == [PASS] * 5


def test_an_album_counts_as_one_message() -> None:
    throttle = AccountThrottle(limit=2, window_s=3.0)
    # Ten photos of one album arrive as ten messages within a moment.
    assert {throttle.check(1, i / 100, album="a1") for i in range(10)} == {PASS}
    assert throttle.check(1, 0.2) == PASS  # the caption's follow-up text
    assert throttle.check(1, 0.3, album="a2") == NOTIFY
    # The rest of an album whose first item was dropped is dropped too, silently.
    assert throttle.check(1, 0.31, album="a2") == DROP


def test_idle_accounts_are_forgotten() -> None:
    throttle = AccountThrottle(limit=5, window_s=3.0)
    for account in range(1000):
        throttle.check(account, account / 1000)
    assert len(throttle) == 1000
    throttle.check(5000, 10.0)  # a window later: everyone else has gone quiet
    assert len(throttle) == 1


def test_bounds() -> None:
    with pytest.raises(ValueError):
        AccountThrottle(limit=0, window_s=3.0)
    with pytest.raises(ValueError):
        AccountThrottle(limit=5, window_s=0)


def test_the_log_tag_is_stable_keyed_and_not_the_id() -> None:
    tag = account_tag(123456789, "key-a")
    assert tag == account_tag(123456789, "key-a")
    assert tag != account_tag(123456789, "key-b")
    assert tag != account_tag(123456780, "key-a")
    assert "123456789" not in tag and len(tag) == 12
