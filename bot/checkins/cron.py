"""Cron in the venue's local time: a schedule's five-field crontab read in each time zone
of its audience, and the slots it fires at (the latest missed one, the next one)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.reference import PROVINCES
from bot.services.errors import ServiceError

SLOT_SEARCH_LIMIT = 100_000  # cron fire times walked to find the latest missed one
SLOT_WINDOWS = (timedelta(days=1), timedelta(days=35), timedelta(days=400), None)

_DOW_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_DOW_PART = re.compile(r"^(\*|\d)(?:-(\d))?(?:/(\d))?$")


def _day_of_week(field_: str) -> str:
    """Standard cron numbers weekdays from Sunday = 0 (7 too); APScheduler 3 from Monday = 0.
    Numbers become names, so "1" means Monday as every crontab reader expects."""
    if field_ == "*" or re.search(r"[a-z]", field_, re.IGNORECASE):
        return field_.lower()
    days: set[int] = set()
    for part in field_.split(","):
        match = _DOW_PART.match(part)
        if match is None:
            raise ValueError(f"day of week {part!r}")
        start, end, step = match.groups()
        low, high = (0, 6) if start == "*" else (int(start), int(end if end else start))
        if high < low or high > 7:
            raise ValueError(f"day of week {part!r}")
        days.update(d % 7 for d in range(low, high + 1, int(step or 1)))
    return ",".join(_DOW_NAMES[d] for d in sorted(days))


def cron_trigger(expression: str, zone: str) -> CronTrigger:
    """A standard five-field crontab expression, read in ``zone``; ServiceError if invalid."""
    fields = expression.split()
    if len(fields) != 5 or len(expression) > 100:
        raise ServiceError("checkin-error-cron", cron=expression)
    minute, hour, day, month, dow = fields
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=_day_of_week(dow),
            timezone=ZoneInfo(zone),
        )
    except ValueError as exc:
        raise ServiceError("checkin-error-cron", cron=expression) from exc


def zones_of(provinces: Sequence[str]) -> dict[str, list[str]]:
    """The time zones of an audience and, for each, its provinces (all of them when empty)."""
    by_zone: dict[str, list[str]] = defaultdict(list)
    for province in PROVINCES:
        if not provinces or province.code in provinces:
            by_zone[province.timezone].append(province.code)
    return dict(by_zone)


def latest_slot(trigger: CronTrigger, after: datetime, now: datetime) -> datetime | None:
    """The last fire time in (after, now], or None: missed slots collapse into one.

    Cron triggers only walk forward, so the walk starts a day before ``now`` and widens only
    if that window holds no fire time: a per-minute schedule down for a year costs 1,440
    steps, not half a million."""
    for window in SLOT_WINDOWS:
        start = after if window is None else max(after, now - window)
        found = None
        fire = trigger.get_next_fire_time(None, start + timedelta(seconds=1))
        for _ in range(SLOT_SEARCH_LIMIT):
            if fire is None or fire > now:
                break
            found = fire
            fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        if found is not None or start == after:
            return found
    return None


def next_slot(trigger: CronTrigger, now: datetime) -> datetime | None:
    return trigger.get_next_fire_time(None, now)
