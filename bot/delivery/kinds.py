"""What each kind of queued message is, and when it must no longer be sent.

The worker checks these rules right before a send (batched), whoever queued the row and
whenever: a cancellation, an expiry, a /leave or a suspension committed after a row was
queued still stops it.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["VOID_WITH_ADVISORY", "Kind"]


class Kind(StrEnum):
    ADVISORY = "advisory"  # a copy of a released advisory
    ADVISORY_NOTICE = "advisory_notice"  # to the author: approved, going out
    REMINDER = "reminder"  # acknowledge, please
    ESCALATION = "escalation"  # to the coordinators: who has not acknowledged
    CANCEL = "cancel"  # the advisory you received was cancelled
    NOTICE = "notice"  # a card or notice to another person (vetting, status, review)
    CHECKIN = "checkin"
    CHECKIN_ALERT = "checkin_alert"
    CHECKIN_REMINDER = "checkin_reminder"
    CHECKIN_OVERDUE = "checkin_overdue"
    REPORT = "report"
    REPORT_MEDIA = "report_media"
    REPORT_NOTICE = "report_notice"
    REPORT_QUESTION = "report_question"
    REPORT_ANSWER = "report_answer"
    REPORT_COLLEAGUE = "report_colleague"


# Not sent once their advisory is cancelled or has expired: they would present a retracted
# or stale advisory as live.
VOID_WITH_ADVISORY = frozenset(
    {Kind.ADVISORY, Kind.ADVISORY_NOTICE, Kind.REMINDER, Kind.ESCALATION}
)
# A row addressed to a member (member_id set) is sent only while that member is active.
# Notices about a person's own status ("you were suspended") are addressed by chat alone,
# so they still reach the person they concern.
