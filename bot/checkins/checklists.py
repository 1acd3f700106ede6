"""Checklists of protective measures per sector, versioned.

A sector's current checklist is its highest version. The first time a sector is needed and
has none, version 1 is written from the defaults (``bot/checklists.toml``). An import adds a
version per sector it names; rounds keep the version they were sent with.
"""

from __future__ import annotations

import re
import tomllib
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, TypeAlias

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.db.models import Checklist, ChecklistItem

ALL_SECTORS = "*"
MAX_ITEMS = 30  # one message shows them all; Telegram's 4096 characters bound this
TEXT_MAX = 200
KEY = re.compile(r"^[a-z0-9_]{1,32}$")


class ChecklistFileError(ValueError):
    """The file does not describe checklists; the message says where and why (for the CLI)."""


@dataclass(frozen=True, slots=True)
class ItemSpec:
    key: str
    critical: bool
    text_id: str
    text_en: str


@dataclass(frozen=True, slots=True)
class SectorSpec:
    mode: str  # "replace" or "extend"
    items: tuple[ItemSpec, ...]


def parse(text: str, known_sectors: Sequence[str]) -> dict[str, SectorSpec]:
    """Checklists from the TOML format of ``bot/checklists.toml``; raises ChecklistFileError."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ChecklistFileError(f"not valid TOML: {exc}") from exc
    sectors = document.get("sectors")
    if not isinstance(sectors, dict) or not sectors:
        raise ChecklistFileError("no [sectors.<code>] table")
    specs: dict[str, SectorSpec] = {}
    for code, table in sectors.items():
        where = f"sectors.{code}"
        if code != ALL_SECTORS and code not in known_sectors:
            raise ChecklistFileError(f"{where}: unknown sector (known: {', '.join(known_sectors)})")
        if not isinstance(table, dict):
            raise ChecklistFileError(f"{where}: must be a table")
        mode = table.get("mode", "replace")
        if mode not in ("replace", "extend"):
            raise ChecklistFileError(f"{where}.mode: must be 'replace' or 'extend'")
        raw_items = table.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            raise ChecklistFileError(f"{where}.items: must be a non-empty list")
        items = tuple(_item(f"{where}.items[{i}]", raw) for i, raw in enumerate(raw_items))
        keys = [item.key for item in items]
        if len(set(keys)) != len(keys):
            raise ChecklistFileError(f"{where}.items: a key appears twice")
        if len(items) > MAX_ITEMS:
            raise ChecklistFileError(f"{where}.items: at most {MAX_ITEMS} items")
        specs[code] = SectorSpec(mode, items)
    return specs


def _item(where: str, raw: Any) -> ItemSpec:
    if not isinstance(raw, dict):
        raise ChecklistFileError(f"{where}: must be a table {{ key, critical, id, en }}")
    unknown = set(raw) - {"key", "critical", "id", "en"}
    if unknown:
        raise ChecklistFileError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    key = raw.get("key")
    if not isinstance(key, str) or not KEY.match(key):
        raise ChecklistFileError(f"{where}.key: 1-32 of a-z, 0-9 and _")
    critical = raw.get("critical", False)
    if not isinstance(critical, bool):
        raise ChecklistFileError(f"{where}.critical: true or false")
    texts = []
    for language in ("id", "en"):
        value = raw.get(language)
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > TEXT_MAX:
            raise ChecklistFileError(f"{where}.{language}: text of 1-{TEXT_MAX} characters")
        texts.append(value.strip())
    return ItemSpec(key, critical, texts[0], texts[1])


def default_specs(known_sectors: Sequence[str]) -> dict[str, SectorSpec]:
    text = files("bot").joinpath("checklists.toml").read_text(encoding="utf-8")
    return parse(text, known_sectors)


def resolve(specs: dict[str, SectorSpec], sector: str, base: Sequence[ItemSpec]) -> list[ItemSpec]:
    """The items ``sector`` has after applying the file's "*" table, then its own, to ``base``."""
    items = list(base)
    for code in (ALL_SECTORS, sector):
        spec = specs.get(code)
        if spec is None:
            continue
        if spec.mode == "replace":
            items = list(spec.items)
        else:
            # Extending with a key the list has already updates that item in place.
            replaced = {item.key: item for item in spec.items}
            items = [replaced.pop(item.key, item) for item in items] + list(replaced.values())
    if len(items) > MAX_ITEMS:
        raise ChecklistFileError(f"sectors.{sector}: at most {MAX_ITEMS} items after extending")
    return items


async def current(session: AsyncSession, sector: str, known_sectors: Sequence[str]) -> Checklist:
    """The sector's current checklist, seeding version 1 from the defaults if it has none."""
    checklist = await _latest(session, sector)
    if checklist is not None:
        return checklist
    items = resolve(default_specs(known_sectors), sector, ())
    try:
        async with session.begin_nested():  # another instance may seed it at the same moment
            checklist = _new_version(sector, 1, "default", items)
            session.add(checklist)
    except IntegrityError:
        pass
    checklist = await _latest(session, sector)
    assert checklist is not None
    return checklist


async def current_for(
    session: AsyncSession, sectors: Iterable[str], known_sectors: Sequence[str]
) -> dict[str, Checklist]:
    return {
        sector: await current(session, sector, known_sectors) for sector in sorted(set(sectors))
    }


async def import_specs(
    session: AsyncSession,
    specs: dict[str, SectorSpec],
    *,
    source: str,
    known_sectors: Sequence[str],
) -> dict[str, Checklist]:
    """A new version for every sector the file touches ("*" touches all of them)."""
    touched = known_sectors if ALL_SECTORS in specs else [s for s in specs if s != ALL_SECTORS]
    created = {}
    for sector in touched:
        base = await current(session, sector, known_sectors)
        items = resolve(specs, sector, [_spec(item) for item in base.items])
        checklist = _new_version(sector, base.version + 1, source[:200], items)
        session.add(checklist)
        created[sector] = checklist
    await session.flush()
    return created


@dataclass(frozen=True, slots=True)
class Item:
    """A checklist item, detached from any session: versions never change once written."""

    id: int
    position: int
    key: str
    text_id: str
    text_en: str
    critical: bool


# An item as the texts read it: a row (a new round, the compliance report) or a detached copy
# (a press on a checklist, from ``items_of``).
AnyItem: TypeAlias = ChecklistItem | Item


# Per engine (tests make one per database), per checklist id: versions are immutable.
_ITEMS: weakref.WeakKeyDictionary[Any, dict[int, tuple[Item, ...]]] = weakref.WeakKeyDictionary()


async def items_of(session: AsyncSession, checklist_id: int) -> tuple[Item, ...]:
    """A checklist version's items, read once per process."""
    cache = _ITEMS.setdefault(session.bind.sync_engine, {}) if session.bind else {}
    items = cache.get(checklist_id)
    if items is None:
        rows = await session.scalars(
            select(ChecklistItem)
            .where(ChecklistItem.checklist_id == checklist_id)
            .order_by(ChecklistItem.position)
        )
        items = tuple(Item(r.id, r.position, r.key, r.text_id, r.text_en, r.critical) for r in rows)
        if len(cache) > 1000:  # versions are few; bound it anyway
            cache.clear()
        cache[checklist_id] = items
    return items


async def versions(session: AsyncSession) -> list[tuple[str, int, int]]:
    """(sector, current version, item count) for every sector that has a checklist."""
    latest = (
        select(Checklist.sector, func.max(Checklist.version).label("version"))
        .group_by(Checklist.sector)
        .subquery()
    )
    rows = await session.execute(
        select(Checklist.sector, Checklist.version, func.count(ChecklistItem.id))
        .join(
            latest,
            (latest.c.sector == Checklist.sector) & (latest.c.version == Checklist.version),
        )
        .join(ChecklistItem, ChecklistItem.checklist_id == Checklist.id)
        .group_by(Checklist.sector, Checklist.version)
        .order_by(Checklist.sector)
    )
    return [(sector, version, count) for sector, version, count in rows.all()]


async def _latest(session: AsyncSession, sector: str) -> Checklist | None:
    return await session.scalar(
        select(Checklist)
        .where(Checklist.sector == sector)
        .order_by(Checklist.version.desc())
        .limit(1)
        .options(selectinload(Checklist.items))
    )


def _new_version(sector: str, version: int, source: str, items: Sequence[ItemSpec]) -> Checklist:
    return Checklist(
        sector=sector,
        version=version,
        source=source,
        items=[
            ChecklistItem(
                position=i,
                key=item.key,
                text_id=item.text_id,
                text_en=item.text_en,
                critical=item.critical,
            )
            for i, item in enumerate(items)
        ],
    )


def _spec(item: ChecklistItem) -> ItemSpec:
    return ItemSpec(item.key, item.critical, item.text_id, item.text_en)


def item_text(item: AnyItem, language: str) -> str:
    return item.text_en if language == "en" else item.text_id
