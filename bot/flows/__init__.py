"""The one engine for multi-step conversations: a flow declares its steps, the engine runs it.

See ``engine.py``. Flows keep their state in ``flow_states`` (a typed draft stored as JSON),
so a conversation survives a restart and continues on whichever instance takes the next
message.
"""

from .engine import (
    Answer,
    Choice,
    Contact,
    End,
    Expects,
    Flow,
    Invalid,
    Location,
    Running,
    Step,
    Text,
    Turn,
    advance,
    load,
    start,
)

__all__ = [
    "Answer",
    "Choice",
    "Contact",
    "End",
    "Expects",
    "Flow",
    "Invalid",
    "Location",
    "Running",
    "Step",
    "Text",
    "Turn",
    "advance",
    "load",
    "start",
]
