"""Per-user flow state in the database: which multi-step flow a user is in, and where."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import FlowState


async def load(session: AsyncSession, telegram_user_id: int) -> FlowState | None:
    # FOR UPDATE: two quick taps from one user are taken one after the other (PostgreSQL;
    # SQLite's BEGIN IMMEDIATE already serialises them).
    return await session.scalar(
        select(FlowState).where(FlowState.telegram_user_id == telegram_user_id).with_for_update()
    )


async def start(
    session: AsyncSession, telegram_user_id: int, *, flow: str, step: str, data: dict[str, Any]
) -> FlowState:
    """Begin a flow, replacing whatever flow the user was in."""
    state = await load(session, telegram_user_id)
    if state is None:
        state = FlowState(telegram_user_id=telegram_user_id, flow=flow, step=step, data=data)
        session.add(state)
    else:
        state.flow, state.step, state.data = flow, step, data
    await session.flush()
    return state


def save(state: FlowState, *, step: str, data: dict[str, Any]) -> None:
    # A new dict, so SQLAlchemy sees the JSON column change.
    state.step = step
    state.data = dict(data)


async def clear(session: AsyncSession, telegram_user_id: int) -> bool:
    """End whatever flow the user is in; False if they were in none."""
    deleted = await session.scalars(
        delete(FlowState)
        .where(FlowState.telegram_user_id == telegram_user_id)
        .returning(FlowState.telegram_user_id)
    )
    return deleted.first() is not None
