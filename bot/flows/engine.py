"""Run a declared flow: load its state, check an answer against the current step, advance, save.

A flow module only declares: its draft (a pydantic model, stored as JSON in ``flow_states``),
and its steps, each with

- the kind of answer it expects (buttons, text, a contact, a location),
- for buttons, its options (they may depend on the draft, e.g. "add another site" only while
  there is room),
- a parser that turns the answer into a typed value or raises :class:`Invalid` with a catalog
  key (the user sees that message and the same question again; nothing is lost),
- where the value goes (a field of the draft) and which step comes next, or an :class:`End`.

The engine does the rest, the same way for every flow: a button of another step is stale,
a wrong kind of answer gets the step's message, the draft is validated on load and saved on
every step. It knows nothing of Telegram: the edge turns an update into an :class:`Answer`
and renders the :class:`Turn` that comes back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import FlowState
from bot.services import flows as states

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

D = TypeVar("D", bound=BaseModel)


# ---------------------------------------------------------------------- answers


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Choice:
    """A button: the step it belongs to and the option pressed (both from callback data)."""

    step: str
    value: str


@dataclass(frozen=True, slots=True)
class Contact:
    phone: str
    user_id: int | None  # whose contact it is


@dataclass(frozen=True, slots=True)
class Location:
    latitude: float
    longitude: float


Answer = Text | Choice | Contact | Location


class Expects(StrEnum):
    BUTTONS = "buttons"
    TEXT = "text"
    CONTACT = "contact"
    LOCATION = "location"


_ANSWER_OF = {
    Expects.BUTTONS: Choice,
    Expects.TEXT: Text,
    Expects.CONTACT: Contact,
    Expects.LOCATION: Location,
}
# What a user is told when their answer is of the wrong kind for the step.
_WRONG_KIND = {
    Expects.BUTTONS: "error-use-buttons",
    Expects.TEXT: "error-type-answer",
    Expects.CONTACT: "error-use-buttons",
    Expects.LOCATION: "error-use-buttons",
}


class Invalid(Exception):
    """A refused answer: the catalog key (and its arguments) that says why."""

    def __init__(self, key: str, **args: Any) -> None:
        super().__init__(key)
        self.key, self.args_for_message = key, args


@dataclass(frozen=True, slots=True)
class End:
    """The flow is over (its state is cleared); ``outcome`` says how, for the service."""

    outcome: str


def _no_options(draft: Any, context: Any) -> list[str]:
    return []


def _as_is(answer: Any, draft: Any, context: Any) -> Any:
    return answer.value if isinstance(answer, Choice) else answer


# ---------------------------------------------------------------------- declarations


@dataclass(frozen=True, slots=True)
class Step(Generic[D]):
    """One question. ``then`` is the next step's name, or a function of (draft, value,
    context) that returns it or an :class:`End`, after ``field`` (if any) is set."""

    name: str
    expects: Expects
    then: str | Callable[[D, Any, Any], str | End]
    field: str | None = None
    parse: Callable[[Any, D, Any], Any] = _as_is
    options: Callable[[D, Any], list[str]] = _no_options
    wrong_kind: str | None = None  # catalog key; a default per kind of answer otherwise


@dataclass(frozen=True)
class Flow(Generic[D]):
    name: str
    draft: type[D]
    steps: Mapping[str, Step[D]]

    def step(self, name: str) -> Step[D]:
        return self.steps[name]


# ---------------------------------------------------------------------- running


@dataclass(slots=True)
class Turn(Generic[D]):
    """Where a flow stands after an answer: the question to show, with what went wrong."""

    flow: Flow[D]
    step: str
    draft: D
    options: list[str]
    error: str | None = None
    error_args: dict[str, Any] = field(default_factory=dict)
    stale: bool = False  # a button of an earlier step was pressed


@dataclass(slots=True)
class Running(Generic[D]):
    flow: Flow[D]
    step: str
    draft: D
    state: FlowState


async def start(
    session: AsyncSession, user_id: int, flow: Flow[D], draft: D, step: str, context: Any
) -> Turn[D]:
    """Begin ``flow`` at ``step``, replacing whatever flow the user was in."""
    await states.start(
        session, user_id, flow=flow.name, step=step, data=draft.model_dump(mode="json")
    )
    return _turn(flow, step, draft, context)


async def load(
    session: AsyncSession, user_id: int, known: Mapping[str, Flow[Any]]
) -> Running[Any] | None:
    """The user's running flow among ``known`` (locked for this transaction), or None."""
    state = await states.load(session, user_id)
    if state is None or state.flow not in known:
        return None
    flow = known[state.flow]
    return Running(flow, state.step, flow.draft.model_validate(state.data), state)


async def advance(
    session: AsyncSession, running: Running[D], answer: Answer, context: Any
) -> Turn[D] | tuple[End, D]:
    """Take one answer: the next question (or the same one with an error), or the end."""
    flow, step = running.flow, running.flow.step(running.step)
    draft = running.draft
    if isinstance(answer, Choice) and answer.step != step.name:
        return _turn(flow, step.name, draft, context, stale=True)
    try:
        value = _check(step, answer, draft, context)
    except Invalid as refused:
        return _turn(
            flow, step.name, draft, context, error=refused.key, error_args=refused.args_for_message
        )
    if step.field is not None:
        setattr(draft, step.field, value)
    following = step.then(draft, value, context) if callable(step.then) else step.then
    if isinstance(following, End):
        await states.clear(session, running.state.telegram_user_id)
        return following, draft
    states.save(running.state, step=following, data=draft.model_dump(mode="json"))
    running.step = following
    return _turn(flow, following, draft, context)


def _check(step: Step[D], answer: Answer, draft: D, context: Any) -> Any:
    if not isinstance(answer, _ANSWER_OF[step.expects]):
        raise Invalid(step.wrong_kind or _WRONG_KIND[step.expects])
    if step.expects is Expects.BUTTONS:
        assert isinstance(answer, Choice)
        if answer.value not in step.options(draft, context):
            raise Invalid("error-use-buttons")  # forged, or an option no longer offered
    return step.parse(answer, draft, context)


def _turn(flow: Flow[D], step: str, draft: D, context: Any, **extra: Any) -> Turn[D]:
    return Turn(flow, step, draft, flow.step(step).options(draft, context), **extra)
