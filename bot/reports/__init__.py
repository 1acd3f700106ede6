"""Suspicious activity reports, a module per job:

draft        the reporter's draft, step by step, with its files
submission   submitting it, and the card and files queued to the coordinators responsible
triage       the coordinators moving a report forward, and who is told
questions    a coordinator's question to the reporter, and the answer
queries      the open reports, one report's details, a reporter's own, the CSV rows
advisory     an advisory draft made from reports
access       who may act on a report
limits       what a reporter may send; typed text within bounds
routing      the coordinators responsible; the kind and priority of each message, queued
text         how a report reads: the card, its history

Callers use the package: ``from bot import reports`` then ``reports.answer(...)``.
"""

from bot.reports.access import check_triager, load_for
from bot.reports.advisory import MANY_MAX, begin_advisory
from bot.reports.draft import FLOW_REPORT, Attachment, ReportPrompt, answer, begin
from bot.reports.limits import Limits
from bot.reports.queries import (
    EXPORT_COLUMNS,
    Details,
    Filters,
    details,
    export_rows,
    mine,
    open_reports,
)
from bot.reports.questions import (
    FLOW_REPORT_ANSWER,
    FLOW_REPORT_QUESTION,
    ask,
    begin_question,
    question_replied_to,
    take_answer,
)
from bot.reports.routing import PRIORITY_IMMEDIATE, PRIORITY_REPORT, priority, responsible
from bot.reports.submission import Submitted, submitted_last_hour
from bot.reports.triage import (
    FLOW_REPORT_NOTE,
    TRIAGE_PREFIX,
    Change,
    apply_note,
    await_note,
    change,
    triage_markup,
)

__all__ = [
    "EXPORT_COLUMNS",
    "FLOW_REPORT",
    "FLOW_REPORT_ANSWER",
    "FLOW_REPORT_NOTE",
    "FLOW_REPORT_QUESTION",
    "MANY_MAX",
    "PRIORITY_IMMEDIATE",
    "PRIORITY_REPORT",
    "TRIAGE_PREFIX",
    "Attachment",
    "Change",
    "Details",
    "Filters",
    "Limits",
    "ReportPrompt",
    "Submitted",
    "answer",
    "apply_note",
    "ask",
    "await_note",
    "begin",
    "begin_advisory",
    "begin_question",
    "change",
    "check_triager",
    "details",
    "export_rows",
    "load_for",
    "mine",
    "open_reports",
    "priority",
    "question_replied_to",
    "responsible",
    "submitted_last_hour",
    "take_answer",
    "triage_markup",
]
