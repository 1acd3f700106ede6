"""Configuration (``bot.config``), the shipped ``config.example.toml``, and the ``perisai``
command run as a subprocess the way an operator runs it."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from bot.config import ConfigError, Settings, load_settings, resolve_config_path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config.example.toml"
TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"
SECTIONS = (
    "telegram",
    "database",
    "bot",
    "registration",
    "delivery",
    "abuse",
    "advisories",
    "checkins",
    "reports",
    "logging",
)
# Lines of the logging format bot.cli sets up (alembic reports migrations at INFO).
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO) ")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No PERISAI_* variable from the caller's shell or CI, and no ./config.toml but ours."""
    for name in list(os.environ):
        if name.startswith("PERISAI_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def write_config(path: Path, telegram: str = "", rest: str = "", *, token: str = TOKEN) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'[telegram]\ntoken = "{token}"\n{telegram}\n{rest}', encoding="utf-8")
    return path


def load(path: Path, **kwargs: bool) -> Settings:
    return load_settings(path, must_exist=True, **kwargs)


def config_error(path: Path, **kwargs: bool) -> str:
    with pytest.raises(ConfigError) as info:
        load(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message, message
    return message


# --- config.example.toml ---------------------------------------------------------------------


def test_example_lists_every_key() -> None:
    example = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert set(example) == set(SECTIONS)
    for section in SECTIONS:
        model = Settings.model_fields[section].annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        expected = set(model.model_fields) - {"sector_names"}  # shown commented out
        assert set(example[section]) == expected, section


def test_example_loads_with_the_code_defaults(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert text.count('\ntoken = ""\n') == 1
    path = tmp_path / "config.toml"
    path.write_text(text.replace('\ntoken = ""\n', f'\ntoken = "{TOKEN}"\n'), encoding="utf-8")
    settings = load(path)
    assert settings.token == TOKEN
    for section in SECTIONS:
        default = Settings.model_fields[section].default.model_dump()
        if section == "telegram":
            default["token"] = settings.telegram.token
        assert getattr(settings, section).model_dump() == default, section
    assert settings.database_url == f"sqlite+aiosqlite:///{(tmp_path / 'perisai.db').resolve()}"


def test_example_sector_names_block_works_uncommented(tmp_path: Path) -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").replace('token = ""', f'token = "{TOKEN}"')
    pattern = re.compile(r"^# (\[bot\.sector_names\.[a-z0-9_]+\]|id = \".+\"|en = \".+\")$")
    uncommented = [line[2:] if pattern.match(line) else line for line in lines.splitlines()]
    assert sum(1 for a, b in zip(lines.splitlines(), uncommented, strict=True) if a != b) == 3
    path = tmp_path / "config.toml"
    path.write_text("\n".join(uncommented) + "\n", encoding="utf-8")
    names = load(path).bot.sector_names
    assert len(names) == 1
    (entry,) = names.values()
    assert entry.id and entry.en


# --- load_settings -----------------------------------------------------------------------------


def test_missing_token_points_at_botfather(tmp_path: Path) -> None:
    path = write_config(tmp_path / "config.toml", token="")
    assert "@BotFather" in config_error(path)
    # No file at all (none named): the same hint, and the rest of the defaults are fine.
    with pytest.raises(ConfigError, match="@BotFather"):
        load_settings(tmp_path / "absent.toml", must_exist=False)
    assert load_settings(tmp_path / "absent.toml", must_exist=False, require_token=False)


def test_token_only_required_to_run(tmp_path: Path) -> None:
    path = write_config(tmp_path / "config.toml", token="")
    assert load(path, require_token=False).token == ""


@pytest.mark.parametrize("token", ["abc", "123456", "123456:short", "bot123456:" + "a" * 30])
def test_malformed_token(tmp_path: Path, token: str) -> None:
    path = write_config(tmp_path / "config.toml", token=token)
    message = config_error(path)
    assert message.startswith("telegram.token:")
    assert token not in message  # a secret, even a broken one, is not echoed


def test_invalid_toml_is_one_line_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('[telegram\ntoken = "x"\n', encoding="utf-8")
    message = config_error(path)
    assert str(path) in message
    assert "TOML" in message


@pytest.mark.parametrize(
    ("telegram", "rest", "key"),
    [
        ('tokn = "x"', "", "telegram.tokn"),
        ("", "[databse]\nurl = 'x'", "databse"),
        ("", "[bot]\nadmin = [1]", "bot.admin"),
    ],
)
def test_unknown_key_is_named(tmp_path: Path, telegram: str, rest: str, key: str) -> None:
    path = write_config(tmp_path / "config.toml", telegram, rest)
    assert config_error(path) == f"{key}: unknown key"


@pytest.mark.parametrize(
    ("telegram", "rest", "key"),
    [
        ("concurrent_updates = 0", "", "telegram.concurrent_updates"),
        ("concurrent_updates = 513", "", "telegram.concurrent_updates"),
        ('concurrent_updates = "many"', "", "telegram.concurrent_updates"),
        ("connection_pool_size = 0", "", "telegram.connection_pool_size"),
        ('http_client = "requests"', "", "telegram.http_client"),
        ("poll_timeout = 51", "", "telegram.poll_timeout"),
        ('api_url = "api.telegram.org/bot"', "", "telegram.api_url"),
        ('file_url = "ftp://example.org/file/bot"', "", "telegram.file_url"),
        ("", "[database]\nsqlite_busy_timeout_ms = -1", "database.sqlite_busy_timeout_ms"),
        ("", '[database]\necho = "loud"', "database.echo"),
        ("", '[bot]\ndefault_language = "fr"', "bot.default_language"),
        ("", "[bot]\nadmins = [0]", "bot.admins"),
        ("", '[bot]\nadmins = ["@someone"]', "bot.admins"),
        ("", "[bot]\nsectors = []", "bot.sectors"),
        ("", '[bot]\nsectors = ["Mall"]', "bot.sectors"),
        ("", '[bot]\nsectors = ["mall", "mall"]', "bot.sectors"),
        ("", "[registration]\nmax_sites = 51", "registration.max_sites"),
        ("", '[registration]\nconsent_version = ""', "registration.consent_version"),
        ("", "[registration]\ninvite_max_days = 366", "registration.invite_max_days"),
        ("", '[logging]\nlevel = "TRACE"', "logging.level"),
    ],
)
def test_bad_value_names_the_key(tmp_path: Path, telegram: str, rest: str, key: str) -> None:
    path = write_config(tmp_path / "config.toml", telegram, rest)
    assert config_error(path).startswith(f"{key}")


def test_default_language_fr_is_refused(tmp_path: Path) -> None:
    path = write_config(tmp_path / "config.toml", rest='[bot]\ndefault_language = "fr"')
    message = config_error(path)
    assert "bot.default_language" in message
    assert "'id'" in message and "'en'" in message


def test_sector_without_a_name_is_refused(tmp_path: Path) -> None:
    path = write_config(tmp_path / "config.toml", rest='[bot]\nsectors = ["mall", "port"]')
    message = config_error(path)
    assert "bot.sectors" in message
    assert "'port'" in message
    assert "[bot.sector_names.port]" in message


def test_custom_sector_with_names(tmp_path: Path) -> None:
    rest = (
        '[bot]\nsectors = ["mall", "port"]\n[bot.sector_names.port]\nid = "Pelabuhan"\nen = "Ports"'
    )
    settings = load(write_config(tmp_path / "config.toml", rest=rest))
    assert settings.bot.sectors == ["mall", "port"]
    assert settings.bot.sector_names["port"].model_dump() == {"id": "Pelabuhan", "en": "Ports"}


def test_custom_sector_names_need_both_languages(tmp_path: Path) -> None:
    rest = '[bot]\nsectors = ["port"]\n[bot.sector_names.port]\nid = "Pelabuhan"'
    assert config_error(write_config(tmp_path / "config.toml", rest=rest)).startswith(
        "bot.sector_names.port.en"
    )


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(
        tmp_path / "config.toml",
        'api_url = "https://api.telegram.org/bot"',
        '[database]\nurl = "sqlite+aiosqlite:///from-file.db"\n[bot]\ndefault_language = "id"',
        token="111111:FILE-TOKEN-abcdefghijklmnopqrstuvwxyz",
    )
    monkeypatch.setenv("PERISAI_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("PERISAI_DATABASE_URL", "postgresql+asyncpg://u:p@db:5432/perisai")
    monkeypatch.setenv("PERISAI_TELEGRAM_API_URL", "http://127.0.0.1:8081/bot")
    monkeypatch.setenv("PERISAI_BOT_DEFAULT_LANGUAGE", "en")
    monkeypatch.setenv("PERISAI_BOT_ADMINS", "[42, 43]")
    monkeypatch.setenv("PERISAI_REGISTRATION_MAX_SITES", "3")
    settings = load(path)
    assert settings.token == TOKEN
    assert settings.database_url == "postgresql+asyncpg://u:p@db:5432/perisai"
    assert settings.telegram.api_url == "http://127.0.0.1:8081/bot"
    assert settings.telegram.file_url == "https://api.telegram.org/file/bot"  # untouched
    assert settings.bot.default_language == "en"
    assert settings.bot.admins == [42, 43]
    assert settings.registration.max_sites == 3


def test_environment_values_are_validated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(tmp_path / "config.toml")
    monkeypatch.setenv("PERISAI_TELEGRAM_CONCURRENT_UPDATES", "0")
    assert config_error(path).startswith("telegram.concurrent_updates")


def test_token_from_environment_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(tmp_path / "config.toml", token="")
    monkeypatch.setenv("PERISAI_TELEGRAM_TOKEN", TOKEN)
    assert load(path).token == TOKEN


def test_perisai_config_chooses_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(tmp_path / "config.toml")  # ./config.toml, which must lose
    chosen = write_config(tmp_path / "etc" / "perisai.toml", rest='[bot]\ndefault_language = "en"')
    monkeypatch.setenv("PERISAI_CONFIG", str(chosen))
    path, must_exist = resolve_config_path(None)
    assert (path, must_exist) == (chosen, True)
    settings = load_settings(path, must_exist=must_exist)
    assert settings.bot.default_language == "en"
    assert settings.config_dir == chosen.parent.resolve()
    # --config wins over PERISAI_CONFIG.
    assert resolve_config_path("other.toml") == (Path("other.toml"), True)


def test_perisai_config_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERISAI_CONFIG", str(tmp_path / "gone.toml"))
    path, must_exist = resolve_config_path(None)
    with pytest.raises(ConfigError, match=r"gone\.toml"):
        load_settings(path, must_exist=must_exist)


def test_explicit_config_that_does_not_exist(tmp_path: Path) -> None:
    path, must_exist = resolve_config_path(str(tmp_path / "missing.toml"))
    assert must_exist
    with pytest.raises(ConfigError, match=r"missing\.toml: no such configuration file"):
        load_settings(path, must_exist=must_exist)


def test_default_path_is_optional(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, must_exist = resolve_config_path(None)
    assert (path, must_exist) == (Path("config.toml"), False)
    monkeypatch.setenv("PERISAI_TELEGRAM_TOKEN", TOKEN)
    settings = load_settings(path, must_exist=must_exist)
    assert settings.database_url == f"sqlite+aiosqlite:///{(tmp_path / 'perisai.db').resolve()}"


def test_default_database_is_sqlite_next_to_the_config(tmp_path: Path) -> None:
    path = write_config(tmp_path / "deploy" / "config.toml")  # the working directory is tmp_path
    expected = (tmp_path / "deploy" / "perisai.db").resolve()
    assert load(path).database_url == f"sqlite+aiosqlite:///{expected}"
    assert load(Path("deploy/config.toml")).database_url == f"sqlite+aiosqlite:///{expected}"


# --- the perisai command -------------------------------------------------------------------


def perisai(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PERISAI_")}
    clean["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), clean.get("PYTHONPATH")]))
    clean["PYTHONUTF8"] = "1"
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def error_lines(stderr: str) -> list[str]:
    """stderr without the INFO log records (alembic logs each migration step)."""
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if not LOG_LINE.match(line)]


def test_cli_run_without_token(tmp_path: Path) -> None:
    result = perisai("run", cwd=tmp_path)
    assert result.returncode == 2, result
    line = one_line(result.stderr)
    assert "@BotFather" in line
    assert "PERISAI_TELEGRAM_TOKEN" in line
    assert result.stdout == ""
    assert not (tmp_path / "perisai.db").exists()


def test_cli_run_with_malformed_config(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("[telegram\ntoken = 1\n", encoding="utf-8")
    result = perisai("run", "--config", "bad.toml", cwd=tmp_path)
    assert result.returncode == 2, result
    assert "bad.toml" in one_line(result.stderr)


@pytest.mark.parametrize(
    "args",
    [
        ["--config", "fr.toml", "run"],
        ["run", "--config", "fr.toml"],
        ["--config", "fr.toml", "db", "upgrade"],
        ["db", "upgrade", "--config", "fr.toml"],
        ["admin", "grant", "1", "--role", "admin", "--config", "fr.toml"],
    ],
    ids=" ".join,
)
def test_cli_config_before_or_after_the_subcommand(tmp_path: Path, args: list[str]) -> None:
    # A file only this option can have supplied: its error proves it was the one read.
    write_config(tmp_path / "fr.toml", rest='[bot]\ndefault_language = "fr"')
    result = perisai(*args, cwd=tmp_path)
    assert result.returncode == 2, result
    assert "bot.default_language" in one_line(result.stderr)


def test_cli_explicit_config_missing(tmp_path: Path) -> None:
    result = perisai("db", "upgrade", "--config", "nowhere.toml", cwd=tmp_path)
    assert result.returncode == 2, result
    assert "nowhere.toml" in one_line(result.stderr)
    assert not (tmp_path / "perisai.db").exists()


def test_cli_db_upgrade_creates_the_database(tmp_path: Path) -> None:
    # No token needed to migrate; the database goes next to the config file, not into cwd.
    config = write_config(tmp_path / "deploy" / "perisai.toml", token="")
    result = perisai("db", "upgrade", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 0, result
    assert "up to date" in result.stdout
    database = tmp_path / "deploy" / "perisai.db"
    assert database.exists()
    assert not (tmp_path / "perisai.db").exists()
    with contextlib.closing(sqlite3.connect(database)) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        assert {"alembic_version", "members", "audit_log"} <= tables
        assert db.execute("SELECT version_num FROM alembic_version").fetchone()


def test_cli_admin_grant(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.toml", token="")
    args = ["admin", "grant", "12345", "--role", "coordinator", "--province", "JI"]
    args += ["--name", "Rina  Wulandari", "--org", "BNPT"]
    result = perisai(*args, "--sector", "mall", cwd=tmp_path, env={"PERISAI_CONFIG": str(config)})
    assert result.returncode == 0, result
    assert "12345" in result.stdout and "coordinator" in result.stdout
    assert "Traceback" not in result.stderr

    with contextlib.closing(sqlite3.connect(tmp_path / "perisai.db")) as db:
        rows = db.execute(
            "SELECT id, role, status, scope_provinces, scope_sectors, full_name, organisation "
            "FROM members WHERE telegram_user_id = 12345"
        ).fetchall()
        assert len(rows) == 1
        member_id, role, status, provinces, sectors, name, organisation = rows[0]
        assert (role, status) == ("coordinator", "active")
        assert (name, organisation) == ("Rina Wulandari", "BNPT")  # cleaned as at registration
        assert json.loads(provinces) == ["JI"]
        assert json.loads(sectors) == ["mall"]
        audit = db.execute(
            "SELECT action, actor_id, actor_label, target_member_id FROM audit_log"
        ).fetchall()
        assert audit == [("grant", None, "cli", member_id)]

    args = ["admin", "grant", "1", "--role", "coordinator", "--province", "XX"]
    result = perisai(*args, "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2, result
    lines = error_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert "XX" in lines[0] and "province" in lines[0].lower()
    with contextlib.closing(sqlite3.connect(tmp_path / "perisai.db")) as db:
        assert db.execute("SELECT count(*) FROM members").fetchone() == (1,)
        assert db.execute("SELECT count(*) FROM audit_log").fetchone() == (1,)
