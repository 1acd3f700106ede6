"""Callback data: a versioned prefix and fields, built and parsed here only.

Both the handlers (buttons on replies) and the features (buttons on queued messages: the
Acknowledge button, a checklist's answers, a report card's triage) build it here, and the
handlers parse it here. It knows nothing of Telegram beyond the 64-byte limit.

callback_data comes back from the client and is user input: ``parse`` checks its shape, and
every handler re-checks in the database what it names and whether the presser may act on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.services.validation import ID_MAX

MAX_BYTES = 64  # Telegram's limit for callback_data

REGISTRATION = "rg1"  # rg1:<step>:<value>
VETTING = "vt1"  # vt1:<a|r>:<member id>
PROFILE = "pf1"  # pf1:add | pf1:rm:<site id> | pf1:leave | pf1:name | pf1:org
LANGUAGE = "lg1"  # lg1:<id|en>
COMPOSE = "av1"  # av1:<step>:<value>
REVIEW = "ar1"  # ar1:<a|r>:<advisory id>
ACKNOWLEDGE = "ak1"  # ak1:<advisory id>; on every advisory copy that needs acknowledging
ADVISORY = "ax1"  # ax1:<s|c|y|e|u>:<advisory id>  status, cancel?, cancel confirmed, export, update
CHECKIN = "ci1"  # ci1:<site checkin id>:<y|n|a|m>:<item id> | ci1:<id>:<b|s>; a checklist
LAUNCH = "cl1"  # cl1:<step>:<value>  the /checkin flow
COMPLIANCE = "cp1"  # cp1:csv
REPORT = "rp1"  # rp1:<step>:<value>  the reporter's draft
# rt1:<action>:<report id>; on report cards. Actions: a acknowledge, t take, q ask the
# reporter, e escalate, c close?, r/u/d closed resolved/unfounded/duplicate, n no note,
# v view with history, m advisory draft from it.
TRIAGE = "rt1"
REPORT_EXPORT = "rx1"  # rx1:<province|_>:<sector|_>:<category|_>  CSV of the listed reports
REPORTS_ADVISORY = "rm1"  # rm1:<province|_>:<sector|_>:<category|_>  advisory from those listed

_SHAPES = {
    REGISTRATION: re.compile(r"^rg1:([a-z_]{1,20}):([A-Za-z0-9_]{1,20})$"),
    VETTING: re.compile(r"^vt1:([ar]):(\d{1,12})$"),
    PROFILE: re.compile(r"^pf1:(add|leave|rm|name|org)(?::(\d{1,12}))?$"),
    LANGUAGE: re.compile(r"^lg1:(id|en)$"),
    COMPOSE: re.compile(r"^av1:([a-z]{1,12}):([A-Za-z0-9_]{1,20})$"),
    REVIEW: re.compile(r"^ar1:([ar]):(\d{1,12})$"),
    ACKNOWLEDGE: re.compile(r"^ak1:(\d{1,12})$"),
    ADVISORY: re.compile(r"^ax1:([scyeu]):(\d{1,12})$"),
    CHECKIN: re.compile(r"^ci1:(\d{1,12}):(?:([ynam]):(\d{1,12})|([bs]))$"),
    LAUNCH: re.compile(r"^cl1:([a-z]{1,12}):([A-Za-z0-9_]{1,20})$"),
    COMPLIANCE: re.compile(r"^cp1:(csv)$"),
    REPORT: re.compile(r"^rp1:([a-z_]{1,12}):([A-Za-z0-9_]{1,20})$"),
    TRIAGE: re.compile(r"^rt1:([atqecrudnvm]):(\d{1,12})$"),
    REPORT_EXPORT: re.compile(r"^rx1:([A-Z]{2}|_):([a-z0-9_]{1,16}):([a-z_]{1,16})$"),
    REPORTS_ADVISORY: re.compile(r"^rm1:([A-Z]{2}|_):([a-z0-9_]{1,16}):([a-z_]{1,16})$"),
}


@dataclass(frozen=True, slots=True)
class CallbackData:
    prefix: str
    fields: tuple[str, ...]


def build(prefix: str, *fields: str | int) -> str:
    data = ":".join([prefix, *(str(f) for f in fields)])
    if len(data.encode()) > MAX_BYTES or not _SHAPES[prefix].fullmatch(data):
        raise ValueError(f"callback data {data!r} does not fit its shape")
    return data


def parse(data: str | None) -> CallbackData | None:
    """The parsed data, or None for anything malformed, unknown or oversized."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    prefix = data.split(":", 1)[0]
    shape = _SHAPES.get(prefix)
    # fullmatch: "$" alone would also accept a trailing newline.
    match = shape.fullmatch(data) if shape else None
    if match is None:
        return None
    fields = tuple(g for g in match.groups() if g is not None)
    # Numeric fields are ids (or small numbers): beyond the database's integers they name
    # nothing, and PostgreSQL would refuse them as query arguments.
    if any(f.isdigit() and int(f) > ID_MAX for f in fields):
        return None
    return CallbackData(prefix, fields)


def pattern(prefix: str) -> str:
    """For CallbackQueryHandler(pattern=...): routes by prefix; parse() validates the rest."""
    return rf"^{re.escape(prefix)}(:|$)"
