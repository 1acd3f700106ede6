"""The ``perisai`` command: run the bot, migrate the database, grant roles, manage check-in
checklists and schedules."""

from __future__ import annotations

import argparse
import asyncio
import html
import logging
import re
import sys
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings, load_settings, resolve_config_path
from bot.db.models import Role

if TYPE_CHECKING:  # imported late below: `perisai --help` stays quick
    from bot.runtime import Runtime
    from bot.services.errors import ServiceError


def _plain(catalog_text: str) -> str:
    """A catalog message (HTML for Telegram) as terminal text."""
    return html.unescape(re.sub(r"<[^>]+>", "", catalog_text))


def _refused(runtime: Runtime, exc: ServiceError) -> int:
    """A rule said no: its message in English on stderr, exit code 2."""
    text = runtime.translator.t("en", exc.key, **exc.args_for_message)
    print(f"perisai: {_plain(text)}", file=sys.stderr)
    return 2


def _parser() -> argparse.ArgumentParser:
    # --config is accepted before or after the subcommand: `perisai run --config x.toml`.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        default=argparse.SUPPRESS,
        help="TOML file (default: $PERISAI_CONFIG, else ./config.toml if present)",
    )
    parser = argparse.ArgumentParser(prog="perisai", description=__doc__, parents=[common])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", parents=[common], help="apply pending migrations, then run the bot")
    db = sub.add_parser("db", parents=[common], help="database commands")
    db.add_argument("action", choices=["upgrade"], help="apply pending migrations")
    admin = sub.add_parser("admin", parents=[common], help="roles")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    grant = admin_sub.add_parser(
        "grant", parents=[common], help="make a Telegram user admin or coordinator"
    )
    grant.add_argument("telegram_user_id", type=int)
    grant.add_argument("--role", choices=[r.value for r in Role], required=True)
    grant.add_argument(
        "--province", action="append", default=[], help="coordinator scope (ISO code, e.g. JI)"
    )
    grant.add_argument("--sector", action="append", default=[], help="coordinator scope")
    grant.add_argument("--name", help="full name, shown on cards and notices")
    grant.add_argument("--org", help="organisation, e.g. the coordination body")
    lists = sub.add_parser("checklists", parents=[common], help="check-in checklists")
    lists_sub = lists.add_subparsers(dest="checklists_command", required=True)
    imported = lists_sub.add_parser(
        "import",
        parents=[common],
        help="add a version of the sectors' checklists from a TOML file (see bot/checklists.toml)",
    )
    imported.add_argument("file")
    lists_sub.add_parser("show", parents=[common], help="each sector's current checklist")
    schedules = sub.add_parser("schedules", parents=[common], help="recurring check-ins")
    schedules_sub = schedules.add_subparsers(dest="schedules_command", required=True)
    add = schedules_sub.add_parser(
        "add", parents=[common], help="add a recurring check-in (cron in each venue's local time)"
    )
    add.add_argument("--name", required=True)
    add.add_argument("--cron", required=True, help='five fields, e.g. "0 8 * * 1" (Mon 08:00)')
    add.add_argument("--sector", action="append", default=[], help="repeatable; default all")
    add.add_argument("--province", action="append", default=[], help="repeatable; default all")
    add.add_argument("--deadline-hours", type=int, default=24)
    schedules_sub.add_parser("list", parents=[common], help="the active schedules")
    remove = schedules_sub.add_parser("remove", parents=[common], help="deactivate a schedule")
    remove.add_argument("schedule_id", type=int)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    path, must_exist = resolve_config_path(getattr(args, "config", None))
    try:
        settings = load_settings(path, must_exist=must_exist, require_token=args.command == "run")
    except ConfigError as exc:
        print(f"perisai: configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.logging.level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request URL, and the URL holds the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    if args.command != "run":
        # One-shot commands print their own result line; migration chatter is noise there.
        logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.command == "run":
        from bot.app import serve

        return asyncio.run(serve(settings))
    if args.command == "db":
        asyncio.run(_db_upgrade(settings))
        print("database is up to date")
        return 0
    if args.command == "checklists":
        return asyncio.run(_checklists(settings, args))
    if args.command == "schedules":
        return asyncio.run(_schedules(settings, args))
    return asyncio.run(_grant(settings, args))


async def _db_upgrade(settings: Settings) -> None:
    from bot.db.migrate import upgrade
    from bot.db.session import create_engine

    engine = create_engine(
        settings.database_url,
        echo=settings.database.echo,
        busy_timeout_ms=settings.database.sqlite_busy_timeout_ms,
    )
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def _grant(settings: Settings, args: argparse.Namespace) -> int:
    from bot.db.migrate import upgrade
    from bot.runtime import Runtime
    from bot.services import members
    from bot.services.audit import Actor
    from bot.services.errors import ServiceError

    runtime = Runtime.from_settings(settings)
    try:
        await upgrade(runtime.engine)
        async with runtime.transaction() as session:
            member = await members.grant_role(
                session,
                telegram_user_id=args.telegram_user_id,
                role=Role(args.role),
                actor=Actor.system("cli"),
                default_language=settings.bot.default_language,
                known_sectors=settings.bot.sectors,
                provinces=[p.upper() for p in args.province],
                sectors=args.sector,
                full_name=args.name,
                organisation=args.org,
            )
        scope = "national"
        if member.scope_provinces or member.scope_sectors:
            scope = (
                f"provinces {','.join(member.scope_provinces) or 'all'}; "
                f"sectors {','.join(member.scope_sectors) or 'all'}"
            )
        print(f"{args.telegram_user_id} is now {member.role} (member #{member.id}, {scope})")
        return 0
    except ServiceError as exc:
        return _refused(runtime, exc)
    finally:
        await runtime.engine.dispose()


async def _checklists(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.checkins import checklists
    from bot.db.migrate import upgrade
    from bot.runtime import Runtime
    from bot.services import audit

    sectors = settings.bot.sectors
    specs = None
    if args.checklists_command == "import":
        path = Path(args.file)
        try:
            text = await asyncio.to_thread(path.read_text, encoding="utf-8")
            specs = checklists.parse(text, sectors)
        except (OSError, UnicodeDecodeError, checklists.ChecklistFileError) as exc:
            print(f"perisai: {path}: {exc}", file=sys.stderr)
            return 2
    runtime = Runtime.from_settings(settings)
    try:
        await upgrade(runtime.engine)
        async with runtime.transaction() as session:
            if specs is not None:
                try:
                    created = await checklists.import_specs(
                        session, specs, source=Path(args.file).name, known_sectors=sectors
                    )
                except checklists.ChecklistFileError as exc:
                    print(f"perisai: {args.file}: {exc}", file=sys.stderr)
                    return 2
                await audit.record(
                    session,
                    action="checklist_import",
                    actor=audit.Actor.system("cli"),
                    details={s: c.version for s, c in created.items()},
                )
                for sector, checklist in created.items():
                    print(f"{sector}: version {checklist.version}, {len(checklist.items)} items")
                return 0
            for sector, checklist in (
                await checklists.current_for(session, sectors, sectors)
            ).items():
                print(f"{sector} v{checklist.version} ({checklist.source}):")
                for item in checklist.items:
                    flag = " [critical]" if item.critical else ""
                    print(f"  {item.position + 1}. {item.key}{flag}: {item.text_en}")
        return 0
    finally:
        await runtime.engine.dispose()


async def _schedules(settings: Settings, args: argparse.Namespace) -> int:
    from bot import checkins
    from bot.db.migrate import upgrade
    from bot.db.models import utcnow
    from bot.runtime import Runtime
    from bot.services.audit import Actor
    from bot.services.errors import ServiceError

    runtime = Runtime.from_settings(settings)
    try:
        await upgrade(runtime.engine)
        async with runtime.transaction() as session:
            if args.schedules_command == "add":
                schedule = await checkins.add_schedule(
                    session,
                    name=args.name,
                    cron=args.cron,
                    sectors=args.sector,
                    provinces=[p.upper() for p in args.province],
                    deadline_hours=args.deadline_hours,
                    known_sectors=settings.bot.sectors,
                    actor=Actor.system("cli"),
                )
                print(f"schedule #{schedule.id} added")
                return 0
            if args.schedules_command == "remove":
                await checkins.remove_schedule(
                    session, schedule_id=args.schedule_id, actor=Actor.system("cli")
                )
                print(f"schedule #{args.schedule_id} removed")
                return 0
            now = utcnow()
            for schedule in await checkins.active_schedules(session):
                upcoming = [
                    f"{zone}: {checkins.next_slot(checkins.cron_trigger(schedule.cron, zone), now)}"
                    for zone in checkins.zones_of(schedule.provinces)
                ]
                print(
                    f"#{schedule.id} {schedule.name!r} cron={schedule.cron!r} "
                    f"sectors={','.join(schedule.sectors) or 'all'} "
                    f"provinces={','.join(schedule.provinces) or 'all'} "
                    f"deadline={schedule.deadline_hours}h next: {'; '.join(upcoming)}"
                )
            return 0
    except ServiceError as exc:
        return _refused(runtime, exc)
    finally:
        await runtime.engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
