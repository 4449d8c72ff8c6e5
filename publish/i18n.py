"""The national reports in the languages of each state: gettext catalogues read through Babel.

The catalogues are the .po files shipped in publish/locales/<lang>/LC_MESSAGES/messages.po,
read at run time with babel's pofile (no compiled file, no build step); msgids are the English
texts of the templates, of publish/ and of the contract's labels. Numbers and dates are written
in the locale's format by Babel (1.870 in German, 1 870 in French). A text a catalogue lacks is
shown in English and named in the report's closing note, so a missing translation is visible.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from contracts.contract import custom_properties
from publish.notes import period_text

LOCALES = Path(__file__).parent / "locales"
SOURCE = "en"  # the language of the msgids
# ISO 639-1 -> the EU language authority's code (the catalogue's dct:language), for every
# language a report can be written in: English and each shipped catalogue.
AUTHORITY_CODES = {"en": "ENG", "de": "DEU", "fr": "FRA"}


def shipped() -> list[str]:
    """The languages a catalogue is shipped for."""
    return sorted(p.parents[1].name for p in LOCALES.glob("*/LC_MESSAGES/messages.po"))


def languages(contract, geo: str) -> list[str]:
    """The languages of a state (the contract's publicationLanguages) that a catalogue exists for;
    every report is also written in English."""
    wanted = custom_properties(contract.doc)["publicationLanguages"].get(geo, [])
    return [lang for lang in wanted if lang in shipped()]


@cache
def messages(lang: str) -> dict[str, str]:
    """msgid -> translation of a shipped catalogue (empty and fuzzy entries left out)."""
    with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=lang)
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


class Translator:
    """`_` of one report: text, numbers and dates in its language; remembers what it lacked."""

    def __init__(self, lang: str = SOURCE):
        self.lang = lang
        # English as the EU institutions write it ("10 June 2027"), not the US default of "en"
        self.locale = Locale.parse("en_IE" if lang == SOURCE else lang)
        self.missing: set[str] = set()

    def __call__(self, text: str) -> str:
        if self.lang == SOURCE:
            return text
        translated = messages(self.lang).get(text)
        if translated is None:
            self.missing.add(text)
            return text
        return translated

    def number(self, value: int) -> str:
        return format_decimal(value, locale=self.locale)

    def date(self, day: dt.date | str) -> str:
        day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10])
        return format_date(day, "long", locale=self.locale)

    def period(self, start: dt.date | str, end: dt.date | str) -> str:
        """'2 August to 31 December 2021', '2. August 2021 bis 31. Dezember 2021'."""
        if self.lang == SOURCE:
            return period_text(start, end)
        return self("{start} to {end}").format(start=self.date(start), end=self.date(end))

    def language_name(self, lang: str) -> str:
        return Locale.parse(lang).get_display_name(lang)
