"""Check-ins on protective measures.

A schedule (``schedules``, its crontab read in each venue's time zone by ``cron``) makes a
round when it is due (``due``, which also sends the reminders and the overdue lists); a
coordinator can start one at once (``rounds``). Every site's operator answers its sector's
checklist (``checklists``) with buttons (``answers``) on a message rendered by ``text``.
``compliance`` shows the coordinators where measures slip.

The names other code calls are re-exported here: ``from bot import checkins``, then
``checkins.run_due(...)``.
"""

from bot.checkins.answers import CHECKIN_PREFIX, FLOW_CHECKIN_NOTE, Pressed, press, take_note
from bot.checkins.cron import cron_trigger, latest_slot, next_slot, zones_of
from bot.checkins.due import Due, run_due
from bot.checkins.rounds import RoundCreated, count_sites, launch, scope_of, start_round
from bot.checkins.schedules import active_schedules, add_schedule, remove_schedule

__all__ = [
    "CHECKIN_PREFIX",
    "FLOW_CHECKIN_NOTE",
    "Due",
    "Pressed",
    "RoundCreated",
    "active_schedules",
    "add_schedule",
    "count_sites",
    "cron_trigger",
    "latest_slot",
    "launch",
    "next_slot",
    "press",
    "remove_schedule",
    "run_due",
    "scope_of",
    "start_round",
    "take_note",
    "zones_of",
]
