"""The ``perisai`` command: run the bot, migrate the database, grant roles."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.config import ConfigError, Settings, load_settings, resolve_config_path
from bot.db.models import Role


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

        asyncio.run(serve(settings))
        return 0
    if args.command == "db":
        asyncio.run(_db_upgrade(settings))
        print("database is up to date")
        return 0
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
        message = runtime.translator.t("en", exc.key, **exc.args_for_message)
        print(f"perisai: {message}", file=sys.stderr)
        return 2
    finally:
        await runtime.engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
