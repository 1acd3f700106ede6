"""The catalogs: same keys and placeholders in both languages, and every key the code uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.i18n import LANGUAGES, Translator, catalog_keys, parse_errors, placeholders
from bot.reference import DEFAULT_SECTORS, PROVINCES
from handlers.commands import ALL_COMMANDS

ROOT = Path(__file__).resolve().parents[2]
KEY_IN_CODE = re.compile(
    r"""(?:\bt|\btr|ServiceError|NotAllowed|NotFound)\((?:[^()"']*?,\s*)?["']([a-z][a-z0-9-]+)["']"""
)


def test_catalogs_parse_without_errors() -> None:
    for language in LANGUAGES:
        assert parse_errors(language) == []


def test_same_keys_in_every_language() -> None:
    en, other = catalog_keys("en"), {lang: catalog_keys(lang) for lang in LANGUAGES}
    for language, keys in other.items():
        assert keys - en == set(), f"only in {language}"
        assert en - keys == set(), f"missing in {language}"


def test_same_placeholders_in_every_language() -> None:
    en = placeholders("en")
    for language in LANGUAGES:
        theirs = placeholders(language)
        differing = {k: (v, theirs[k]) for k, v in en.items() if theirs[k] != v}
        assert differing == {}, f"placeholders differ in {language}"


def test_every_literal_key_in_the_code_exists() -> None:
    keys = catalog_keys("en")
    used: set[str] = set()
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            if "emulator" in path.parts:
                continue
            used.update(KEY_IN_CODE.findall(path.read_text()))
    assert len(used) > 40, "the pattern stopped finding keys"
    used -= set(LANGUAGES)  # t("en", key) names a language first
    assert sorted(used - keys) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_reference_data_and_commands_have_names(language: str) -> None:
    keys = catalog_keys(language)
    missing = [f"sector-{c}" for c in DEFAULT_SECTORS if f"sector-{c}" not in keys]
    missing += [f"province-{p.code}" for p in PROVINCES if f"province-{p.code}" not in keys]
    missing += [f"cmd-{c}" for c in ALL_COMMANDS if f"cmd-{c}" not in keys]
    for prefix in ("role-", "member-type-", "status-"):
        assert any(k.startswith(prefix) for k in keys)
    assert missing == []
    assert len(PROVINCES) == 38


def test_arguments_are_escaped_and_catalog_html_is_not() -> None:
    t = Translator("id")
    text = t.t("en", "vet-ask-reason", number="7", name="<script>&")
    assert "&lt;script&gt;&amp;" in text
    nested = t.t(
        "en",
        "vet-card",
        number="7",
        card=t.t(
            "en",
            "site-line",
            name="A<B",
            sector=t.sector("en", "mall"),
            province=t.province("en", "JI"),
        ),
    )
    assert "<b>New registration #7</b>" in nested
    assert "A&lt;B — Shopping centres, East Java" in nested


def test_unknown_language_falls_back_to_default() -> None:
    t = Translator("id")
    assert t.t("fr", "flow-cancelled") == t.t("id", "flow-cancelled")
    assert t.t(None, "flow-cancelled") == t.t("id", "flow-cancelled")
