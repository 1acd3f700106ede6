"""Button labels are plain text in Telegram: what a person typed shows as typed."""

from __future__ import annotations

from bot.i18n import Translator
from handlers.keyboards import inline


def test_button_labels_are_not_html_escaped() -> None:
    t = Translator("en", {"fnb": {"id": "Makanan & Minuman", "en": "Food & Beverage"}})
    markup = inline(
        [
            (t.t("en", "btn-remove-site", name="Gardu <Induk> & Co"), "pf1:rm:1"),
            (t.sector("en", "fnb"), "av1:sectors:fnb"),
        ]
    )
    labels = [button.text for row in markup.inline_keyboard for button in row]
    assert labels == ["➖ Remove Gardu <Induk> & Co", "Food & Beverage"]
