"""Dates as the newsrooms write them, to ``datetime.date``."""

from __future__ import annotations

import datetime as dt
import re

from dateutil import parser as dateutil_parser

_ISO_PREFIX = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")
_URL_DATE = re.compile(r"/(\d{4})/(\d{2})/(\d{2})/")
_LABEL = re.compile(r"^\s*(release date|date|posted|published)\s*:\s*", re.IGNORECASE)


def parse_date(text: str | None) -> dt.date | None:
    """Parse one date string; ``None`` when it holds no date.

    An ISO prefix wins and is taken literally (``2026-02-11T12:00:00Z`` is 11 February, whatever
    the zone: agencies put placeholder times there). Otherwise the text is read as a US date
    ("July 14, 2025", "Thursday, January 2, 2025", "May 01, 2026", "2026-05-01 2:00 PM").
    """
    if not text or not text.strip():
        return None
    match = _ISO_PREFIX.match(text)
    if match:
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    cleaned = _LABEL.sub("", " ".join(text.split()))
    try:
        parsed = dateutil_parser.parse(cleaned, fuzzy=True, default=dt.datetime(1, 1, 1))
    except (ValueError, OverflowError):
        return None
    if parsed.year == 1:  # no year in the text ("Sep 20"): not a date we can trust
        return None
    return parsed.date()


def date_from_url(url: str) -> dt.date | None:
    """The ``/YYYY/MM/DD/`` date in a release URL: when it was first published."""
    match = _URL_DATE.search(url)
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
