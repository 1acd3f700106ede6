"""Translation catalogs (Project Fluent, ``bot/locales/<lang>/perisai.ftl``).

Every message is HTML (Telegram's parse_mode HTML), so string arguments are escaped here,
in one place, before they meet the catalog text.
"""

from __future__ import annotations

import html
import logging
from functools import cache
from importlib.resources import files
from typing import Any

from fluent.runtime import FluentBundle, FluentResource
from fluent.syntax import FluentParser, ast
from fluent.syntax.visitor import Visitor

LANGUAGES: tuple[str, ...] = ("id", "en")
LOCALES = {"id": "id-ID", "en": "en-GB"}
log = logging.getLogger(__name__)


def catalog_text(language: str) -> str:
    return files("bot").joinpath("locales", language, "perisai.ftl").read_text("utf-8")


@cache
def catalog_keys(language: str = "en") -> frozenset[str]:
    resource = FluentParser().parse(catalog_text(language))
    return frozenset(e.id.name for e in resource.body if isinstance(e, ast.Message))


def placeholders(language: str) -> dict[str, frozenset[str]]:
    """For each message, the variable names it uses (tests compare languages with this)."""
    found: dict[str, frozenset[str]] = {}

    class _Collect(Visitor):
        def __init__(self) -> None:
            self.names: set[str] = set()

        def visit_VariableReference(self, node: ast.VariableReference) -> None:
            self.names.add(node.id.name)

    for entry in FluentParser().parse(catalog_text(language)).body:
        if isinstance(entry, ast.Message):
            collector = _Collect()
            collector.visit(entry)
            found[entry.id.name] = frozenset(collector.names)
    return found


def parse_errors(language: str) -> list[str]:
    resource = FluentParser().parse(catalog_text(language))
    return [
        f"{language}: {(a.content or '')[:60]!r}: "
        f"{a.annotations[0].message if a.annotations else ''}"
        for a in resource.body
        if isinstance(a, ast.Junk)
    ]


class Safe(str):
    """Text that is already HTML (catalog output): not escaped again when nested."""

    __slots__ = ()


def _escape(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, Safe):
        return html.escape(value, quote=False)
    return value


class Translator:
    """Formats catalog messages; str arguments are HTML-escaped."""

    def __init__(
        self,
        default_language: str = "id",
        sector_names: dict[str, dict[str, str]] | None = None,
    ) -> None:
        self.default_language = default_language
        self._sector_names = sector_names or {}
        self._bundles: dict[str, FluentBundle] = {}
        for language in LANGUAGES:
            bundle = FluentBundle([LOCALES[language]], use_isolating=False)
            bundle.add_resource(FluentResource(catalog_text(language)))
            self._bundles[language] = bundle

    def language(self, language: str | None) -> str:
        return language if language in self._bundles else self.default_language

    def t(self, language: str | None, key: str, **args: Any) -> Safe:
        bundle = self._bundles[self.language(language)]
        if not bundle.has_message(key):
            # The catalog tests keep this from happening; do not crash a user's flow if it does.
            log.error("missing catalog key %s", key)
            bundle = self._bundles[self.default_language]
            if not bundle.has_message(key):
                return Safe(key)
        safe = {k: _escape(v) for k, v in args.items()}
        pattern = bundle.get_message(key).value
        if pattern is None:  # a message with attributes only: none in these catalogs
            return Safe(key)
        value, errors = bundle.format_pattern(pattern, safe)
        if errors:
            log.error("catalog key %s: %s", key, errors)
        return Safe(value)

    def sector(self, language: str | None, code: str) -> Safe:
        names = self._sector_names.get(code)
        if names:
            return Safe(html.escape(names[self.language(language)], quote=False))
        return self.t(language, f"sector-{code}")

    def province(self, language: str | None, code: str) -> Safe:
        return self.t(language, f"province-{code}")
