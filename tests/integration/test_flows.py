"""The flow engine on a real database: a toy flow, every rule the engine applies."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from bot.db.models import FlowState
from bot.db.session import transaction
from bot.flows import Choice, Contact, End, Expects, Flow, Invalid, Step, Text, Turn, engine


class Order(BaseModel):
    size: str | None = None
    note: str | None = None
    phone: str | None = None


def _note(answer: Text, draft: Order, context: Any) -> str:
    if len(answer.text) > 10:
        raise Invalid("error-too-long", max=10)
    return answer.text


TOY = Flow(
    "toy",
    Order,
    {
        s.name: s
        for s in [
            Step(
                "size",
                Expects.BUTTONS,
                lambda d, v, c: End("small") if v == "s" else "note",
                field="size",
                options=lambda d, c: ["s", "m"],
            ),
            Step("note", Expects.TEXT, "phone", field="note", parse=_note),
            Step(
                "phone",
                Expects.CONTACT,
                lambda d, v, c: End("done"),
                field="phone",
                parse=lambda a, d, c: a.phone,
            ),
        ]
    },
)
KNOWN = {TOY.name: TOY}


async def answer(sessionmaker, given) -> Any:
    """One answer in one transaction, as the edge does: the draft is reloaded each time."""
    async with transaction(sessionmaker) as session:
        running = await engine.load(session, 7, KNOWN)
        assert running is not None
        return await engine.advance(session, running, given, None)


async def test_a_flow_is_checked_saved_and_ended_by_the_engine(sessionmaker) -> None:
    async with transaction(sessionmaker) as session:
        first = await engine.start(session, 7, TOY, Order(), "size", None)
    assert first.step == "size" and first.options == ["s", "m"]

    stale = await answer(sessionmaker, Choice("note", "x"))  # a button of another step
    assert isinstance(stale, Turn) and stale.stale and stale.step == "size"
    forged = await answer(sessionmaker, Choice("size", "xl"))  # not an option
    assert forged.error == "error-use-buttons"
    typed = await answer(sessionmaker, Text("m"))  # typed where buttons are expected
    assert typed.error == "error-use-buttons"

    noted = await answer(sessionmaker, Choice("size", "m"))
    assert noted.step == "note" and noted.draft.size == "m"
    too_long = await answer(sessionmaker, Text("x" * 11))
    assert (too_long.step, too_long.error, too_long.error_args) == (
        "note",
        "error-too-long",
        {"max": 10},
    )
    assert too_long.draft.note is None  # a refused answer changes nothing
    await answer(sessionmaker, Text("by noon"))

    async with sessionmaker() as session:  # stored as JSON: survives a restart
        state = await session.get(FlowState, 7)
        assert state is not None
        assert (state.flow, state.step, state.data["note"]) == ("toy", "phone", "by noon")

    end, draft = await answer(sessionmaker, Contact("+62812", 7))
    assert end == End("done") and draft.phone == "+62812"
    async with sessionmaker() as session:
        assert await session.get(FlowState, 7) is None  # ended: nothing left behind


async def test_an_unknown_flow_is_not_loaded(sessionmaker) -> None:
    async with transaction(sessionmaker) as session:
        await engine.start(session, 8, TOY, Order(), "size", None)
        assert await engine.load(session, 8, {}) is None
