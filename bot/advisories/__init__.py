"""Advisories: compose (a flow in the database), two-person approval, release into the
durable delivery queue, acknowledgement, reminders, cancellation, and the figures coordinators
see. One module per job:

- ``compose``: the compose flow's steps, choices and validation, and the draft behind the preview
- ``approval``: submit, who reviews, the decision, and the release to the audience
- ``acknowledgement``: the Acknowledge button and recording the press
- ``reminders``: reminders to those who have not acknowledged, then escalation
- ``cancellation``: retracting an advisory and the notices to those who got it
- ``queries``: delivery figures, lists, the CSV export, which version is current
- ``scope``: who may act on an advisory (an active coordinator covering its audience)
- ``text``: the advisory as recipients read it, its TLP labels and its place in the queue

The names other code uses are re-exported here: ``from bot import advisories``, then
``advisories.decide(...)``.
"""

from .acknowledgement import ACK_PREFIX, ack_markup, acknowledge
from .approval import (
    FLOW_ADVISORY_REJECT,
    Release,
    Submitted,
    audience,
    check_reviewer,
    decide,
    reviewers_for,
)
from .cancellation import cancel, cancellable, queue_cancel_notices
from .compose import (
    ACTIONS_LEN,
    BODY_LEN,
    FLOW_ADVISORY,
    TITLE_LEN,
    ComposePrompt,
    answer,
    begin,
    begin_update,
)
from .queries import (
    EXPORT_COLUMNS,
    Status,
    active_for,
    export_rows,
    latest_version,
    recent,
    recipient_provinces,
    status,
    superseded,
)

__all__ = [
    "ACK_PREFIX",
    "ACTIONS_LEN",
    "BODY_LEN",
    "EXPORT_COLUMNS",
    "FLOW_ADVISORY",
    "FLOW_ADVISORY_REJECT",
    "TITLE_LEN",
    "ComposePrompt",
    "Release",
    "Status",
    "Submitted",
    "ack_markup",
    "acknowledge",
    "active_for",
    "answer",
    "audience",
    "begin",
    "begin_update",
    "cancel",
    "cancellable",
    "check_reviewer",
    "decide",
    "export_rows",
    "latest_version",
    "queue_cancel_notices",
    "recent",
    "recipient_provinces",
    "reviewers_for",
    "status",
    "superseded",
]
