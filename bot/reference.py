"""Reference data: Indonesia's provinces with their time zones, and the default sectors.

Names are not here: every name a user reads comes from the catalogs (``province-<code>``,
``sector-<code>``), so both languages stay in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

WIB = "Asia/Jakarta"
WITA = "Asia/Makassar"
WIT = "Asia/Jayapura"


@dataclass(frozen=True, slots=True)
class Province:
    code: str  # ISO 3166-2:ID without the "ID-" prefix: short enough for callback_data
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# The 38 provinces (since the 2022 Papua split), west to east.
PROVINCES: tuple[Province, ...] = (
    Province("AC", WIB),
    Province("SU", WIB),
    Province("SB", WIB),
    Province("RI", WIB),
    Province("KR", WIB),
    Province("JA", WIB),
    Province("SS", WIB),
    Province("BB", WIB),
    Province("BE", WIB),
    Province("LA", WIB),
    Province("JK", WIB),
    Province("JB", WIB),
    Province("BT", WIB),
    Province("JT", WIB),
    Province("YO", WIB),
    Province("JI", WIB),
    Province("BA", WITA),
    Province("NB", WITA),
    Province("NT", WITA),
    Province("KB", WIB),
    Province("KT", WIB),
    Province("KS", WITA),
    Province("KI", WITA),
    Province("KU", WITA),
    Province("SA", WITA),
    Province("GO", WITA),
    Province("ST", WITA),
    Province("SR", WITA),
    Province("SN", WITA),
    Province("SG", WITA),
    Province("MA", WIT),
    Province("MU", WIT),
    Province("PA", WIT),
    Province("PB", WIT),
    Province("PS", WIT),
    Province("PT", WIT),
    Province("PE", WIT),
    Province("PD", WIT),
)

PROVINCES_BY_CODE: dict[str, Province] = {p.code: p for p in PROVINCES}

# Default sectors of vulnerable targets and critical infrastructure; the config may replace them.
DEFAULT_SECTORS: tuple[str, ...] = (
    "mall",
    "stadium",
    "hotel",
    "worship",
    "transport",
    "tourism",
    "nightlife",
    "education",
    "healthcare",
    "energy",
    "water",
    "telecom",
    "finance",
    "government",
    "other",
)


def local_time(value: datetime | None, province: str | None = None) -> str:
    """A time as the reader's province sees it (WIB by default)."""
    if value is None:
        return "-"
    zone = PROVINCES_BY_CODE.get(province or "JK", PROVINCES_BY_CODE["JK"]).zone
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
