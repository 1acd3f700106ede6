"""Typed configuration from a TOML file and ``PERISAI_*`` environment variables.

Built in ``main()``, never at import. Environment variables win over the file so secrets need
not be written down: ``PERISAI_TELEGRAM_TOKEN``, ``PERISAI_DATABASE_URL``,
``PERISAI_TELEGRAM_API_URL`` and so on (section, then key).
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.reference import DEFAULT_SECTORS

Language = Literal["id", "en"]
LANGUAGES: tuple[str, ...] = ("id", "en")
DEFAULT_CONFIG_NAME = "config.toml"
TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$")
SECTOR_CODE_RE = re.compile(r"^[a-z0-9_]{1,16}$")
BOTFATHER_HINT = (
    "telegram.token is not set: open @BotFather in Telegram, send /newbot, and put the token it "
    "gives in the config file under [telegram] token, or in the PERISAI_TELEGRAM_TOKEN variable"
)


class ConfigError(Exception):
    """Configuration that cannot run; the message is one line naming the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TelegramConfig(_Section):
    token: SecretStr = SecretStr("")
    api_url: str = "https://api.telegram.org/bot"
    file_url: str = "https://api.telegram.org/file/bot"
    concurrent_updates: Annotated[int, Field(ge=1, le=512)] = 32
    connection_pool_size: Annotated[int, Field(ge=1, le=1024)] = 128
    # aiohttp spends a fraction of httpx's CPU per call (bot/telegram_request.py); httpx
    # is python-telegram-bot's own transport, kept as a fallback.
    http_client: Literal["aiohttp", "httpx"] = "aiohttp"
    poll_timeout: Annotated[int, Field(ge=0, le=50)] = 30
    # Seconds to wait for Telegram's answer to a call (a send that times out may still have
    # arrived: the worker retries it once at most), and to open a connection.
    read_timeout_s: Annotated[float, Field(gt=0, le=120)] = 5.0
    connect_timeout_s: Annotated[float, Field(gt=0, le=60)] = 5.0

    @field_validator("api_url", "file_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value


class DatabaseConfig(_Section):
    # Empty: a SQLite file next to the config file (or in the working directory).
    url: SecretStr = SecretStr("")
    echo: bool = False
    sqlite_busy_timeout_ms: Annotated[int, Field(ge=0, le=600_000)] = 15_000
    # FULL: every commit reaches the disk before it is confirmed (survives a power loss).
    # NORMAL: faster commits; a power loss (not a crash of the program) may undo the last
    # transactions committed before it.
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"


class SectorNames(_Section):
    id: Annotated[str, Field(min_length=1, max_length=60)]
    en: Annotated[str, Field(min_length=1, max_length=60)]


class BotConfig(_Section):
    default_language: Language = "id"
    admins: list[Annotated[int, Field(gt=0)]] = []
    sectors: list[str] = list(DEFAULT_SECTORS)
    # Names for sectors the catalogs do not know, in both languages.
    sector_names: dict[str, SectorNames] = {}
    # Who runs this Perisai, and where people get help: shown by /help and /privacy.
    operator_name: Annotated[str, Field(min_length=1, max_length=120)] = (
        "the national counter-terrorism coordination body"
    )
    help_contact: Annotated[str, Field(min_length=1, max_length=200)] = "your regional coordinator"

    @field_validator("sectors")
    @classmethod
    def _sector_codes(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("must list at least one sector")
        for code in value:
            if not SECTOR_CODE_RE.match(code):
                raise ValueError(f"{code!r} is not a sector code (a-z, 0-9, _; at most 16)")
        if len(set(value)) != len(value):
            raise ValueError("lists a sector twice")
        return value


class RegistrationConfig(_Section):
    max_sites: Annotated[int, Field(ge=1, le=50)] = 10
    # Bump when the consent text in the catalogs changes; each consent records the version.
    consent_version: Annotated[str, Field(min_length=1, max_length=20)] = "2026-11"
    invite_max_uses: Annotated[int, Field(ge=1, le=10_000)] = 500
    invite_max_days: Annotated[int, Field(ge=1, le=365)] = 90


class DeliveryConfig(_Section):
    # Telegram's bulk limit is about 30 messages/s overall and 1/s per chat.
    rate_per_s: Annotated[float, Field(gt=0, le=1000)] = 30.0
    per_chat_interval_s: Annotated[float, Field(ge=0, le=60)] = 1.0
    # While the queue is sending, replies to people get at most this share of the rate and
    # the queue the rest, however much people write; while replies are recent, the queue
    # leaves this share free for them. Either alone may use the whole rate.
    interactive_share: Annotated[float, Field(ge=0.05, le=0.9)] = 0.2
    max_in_flight: Annotated[int, Field(ge=1, le=512)] = 64
    # How long a message may wait for Telegram through outages (5xx, time-outs, refused
    # connections) before it is marked failed; advisories stop earlier, at their expiry.
    max_age_minutes: Annotated[int, Field(ge=1, le=10_080)] = 360
    # A claimed row is the worker's for this long, renewed while it waits in memory (a long
    # 429 pause, an outage); a crashed worker's rows are sent by another after it lapses.
    lease_seconds: Annotated[float, Field(ge=5, le=600)] = 30.0
    # First retry wait after a server-side failure; doubles per attempt, up to 5 minutes.
    retry_base_s: Annotated[float, Field(gt=0, le=60)] = 1.0
    # Extreme advisories with allow_paid_broadcast (0.1 Star a message above the free rate).
    allow_paid_broadcast: bool = False
    paid_rate_per_s: Annotated[float, Field(gt=0, le=1000)] = 1000.0
    run_worker: bool = True


class AbuseConfig(_Section):
    # An account sending more than flood_messages within flood_window_s seconds is
    # throttled: its messages are dropped (one notice) until it slows down.
    flood_messages: Annotated[int, Field(ge=1, le=1000)] = 5
    flood_window_s: Annotated[float, Field(gt=0, le=3600)] = 3.0


class AdvisoriesConfig(_Section):
    # Minutes after release when those who have not acknowledged are reminded; after the
    # last one the coordinators get the list.
    reminder_minutes: list[Annotated[int, Field(ge=1, le=10_080)]] = [15, 60]
    check_interval_s: Annotated[float, Field(ge=1, le=3600)] = 30.0

    @field_validator("reminder_minutes")
    @classmethod
    def _ascending(cls, value: list[int]) -> list[int]:
        if value != sorted(set(value)):
            raise ValueError("must be ascending, without repeats")
        return value


class CheckinsConfig(_Section):
    # Run the scheduler of all due work (check-ins, and the advisory reminders, escalations
    # and late cancellation notices) in this instance. With several instances on PostgreSQL
    # they elect one holder of an advisory lock; the others stand by and take over within
    # leader_retry_s of its death.
    run_scheduler: bool = True
    tick_s: Annotated[float, Field(ge=1, le=3600)] = 30.0
    leader_retry_s: Annotated[float, Field(ge=0.1, le=600)] = 5.0
    leader_lock_id: int = 7_311_401  # PostgreSQL advisory-lock key; unique per bot on a server
    default_deadline_hours: Annotated[int, Field(ge=1, le=168)] = 24
    reminder_before_minutes: Annotated[int, Field(ge=1, le=10_080)] = 120
    compliance_weeks: Annotated[int, Field(ge=1, le=104)] = 8


class ReportsConfig(_Section):
    # Reports one member may submit per hour (counted in the database).
    max_per_hour: Annotated[int, Field(ge=1, le=1000)] = 10
    # Photos, videos and documents per report, and the size of each.
    max_attachments: Annotated[int, Field(ge=0, le=10)] = 5
    max_attachment_mb: Annotated[int, Field(ge=1, le=2000)] = 20
    # Characters of "what happened"; the other texts are bounded by the code.
    max_text: Annotated[int, Field(ge=100, le=3000)] = 2000


class LoggingConfig(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PERISAI_",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        env_ignore_empty=True,  # an unset ${TOKEN} in compose files must not blank the file's
        extra="forbid",
    )

    telegram: TelegramConfig = TelegramConfig()
    database: DatabaseConfig = DatabaseConfig()
    bot: BotConfig = BotConfig()
    registration: RegistrationConfig = RegistrationConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    abuse: AbuseConfig = AbuseConfig()
    advisories: AdvisoriesConfig = AdvisoriesConfig()
    checkins: CheckinsConfig = CheckinsConfig()
    reports: ReportsConfig = ReportsConfig()
    logging: LoggingConfig = LoggingConfig()
    # Where the file was read from; relative paths (the SQLite file) resolve against it.
    config_dir: Path = Path(".")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @model_validator(mode="after")
    def _sector_names_known(self) -> Settings:
        from bot.i18n import catalog_keys  # the catalogs decide which sectors need names

        known = catalog_keys()
        for code in self.bot.sectors:
            if f"sector-{code}" not in known and code not in self.bot.sector_names:
                raise ValueError(
                    f"bot.sectors: {code!r} has no name; add [bot.sector_names.{code}] id and en"
                )
        return self

    @model_validator(mode="after")
    def _pool_covers_senders(self) -> Settings:
        # The delivery worker and the handlers share one HTTP pool (PTB #3950).
        needed = self.delivery.max_in_flight + 8
        if self.telegram.connection_pool_size < needed:
            raise ValueError(
                f"telegram.connection_pool_size: must be at least delivery.max_in_flight + 8 "
                f"({needed})"
            )
        return self

    @property
    def token(self) -> str:
        return self.telegram.token.get_secret_value()

    @property
    def database_url(self) -> str:
        url = self.database.url.get_secret_value()
        if url:
            return url
        return f"sqlite+aiosqlite:///{(self.config_dir / 'perisai.db').resolve()}"


def resolve_config_path(cli_path: str | None) -> tuple[Path, bool]:
    """The file to read, and whether it must exist (named explicitly)."""
    if cli_path:
        return Path(cli_path), True
    env_path = os.environ.get("PERISAI_CONFIG")
    if env_path:
        return Path(env_path), True
    return Path(DEFAULT_CONFIG_NAME), False


def load_settings(path: Path, *, must_exist: bool, require_token: bool = True) -> Settings:
    """Read and validate; any problem becomes one ConfigError line naming the key."""
    if path.exists():
        try:
            with path.open("rb") as fh:
                tomllib.load(fh)  # syntax check first for a clear line; the source reads it again
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None
    elif must_exist:
        raise ConfigError(f"{path}: no such configuration file")

    class _FromFile(Settings):
        model_config = SettingsConfigDict(toml_file=path if path.exists() else None)

    try:
        settings: Settings = _FromFile(config_dir=path.resolve().parent)
    except ValidationError as exc:
        raise ConfigError(_first_error(exc)) from None
    if require_token:
        token = settings.token
        if not token:
            raise ConfigError(BOTFATHER_HINT)
        if not TOKEN_RE.match(token):
            raise ConfigError(
                "telegram.token: does not look like a bot token (digits, a colon, then the "
                "secret, as @BotFather gives it)"
            )
    return settings


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    key = ".".join(str(part) for part in err["loc"]) or "config"
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = "unknown key"
    return f"{key}: {message}" if err["loc"] else message
