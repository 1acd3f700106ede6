"""Where each kind of message stands in the delivery queue: lower goes first.

One table, so that the order of everything the bot sends can be read and argued in one place.
Advisories take 0-36 from their severity and urgency (``advisories.text.priority``): an
Extreme/Immediate advisory is 0, a Minor/Future one 36.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["Priority"]


class Priority(IntEnum):
    # Someone is in danger now: an Immediate report's card beats even an Extreme advisory.
    IMMEDIATE_REPORT = -10
    # A retraction must overtake any copy of the advisory still waiting, whatever its rank.
    CANCELLATION = 0
    # Coordinators act on these: a report card, vetting cards, decisions, status notices.
    REPORT = 12
    NOTICE = 15
    # A protective measure found missing: coordinators should hear within minutes.
    CHECKIN_CRITICAL = 20
    # The coordinators' list of who has not acknowledged an advisory.
    ESCALATION = 30
    # Routine advisory traffic sits here, between 0 and 36 (see the docstring).
    ADVISORY_REMINDER = 40
    CHECKIN_OVERDUE = 45
    CHECKIN_REMINDER = 58
    # A whole round of checklists can be thousands of rows: it must not hold up the rest.
    CHECKIN_ROUND = 60
