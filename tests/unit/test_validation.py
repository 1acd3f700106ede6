"""What people type, and what buttons carry, checked at the edge (issue #18)."""

from __future__ import annotations

from bot import callback_data as cd
from bot.services.validation import invisible, record_id, strip_controls


def test_ids_beyond_the_databases_integers_name_nothing() -> None:
    assert record_id("12") == 12 and record_id("#12") == 12
    assert record_id("2147483647") == 2**31 - 1
    for nothing in ("2147483648", "99999999999", "0", "-3", "12a", "", "#", "١٢"):
        assert record_id(nothing) is None, nothing
    # A forged button with such an id is malformed: the presser is told it is out of date.
    for data in ("vt1:a:99999999999", "ak1:99999999999", "rt1:a:2147483648", "ci1:99999999999:s"):
        assert cd.parse(data) is None, data
    assert cd.parse("vt1:a:2147483647") == cd.CallbackData("vt1", ("a", "2147483647"))


def test_shapes_match_whole_strings_only() -> None:
    assert cd.parse("ak1:12\n") is None
    assert cd.parse("ak1:12") is not None


def test_invisible_characters_but_not_emoji_sequences() -> None:
    assert not invisible("Keluarga 👨\u200d👩\u200d👧")  # joined emoji: legitimate
    for hidden in ("a\u200bb", "x\u202ey", "a\x00b", "\u200d", "a \u200d b", "a\u2066b"):
        assert invisible(hidden), repr(hidden)
    assert strip_controls("foto\x00.jpg\nok\t") == "foto.jpg\nok\t"
