"""Schedules as the config writes them: ``"every 2h"`` or a crontab line such as ``"0 7 * * *"``."""

from __future__ import annotations

import datetime as dt
import re

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

_EVERY = re.compile(r"^\s*every\s+(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_schedule(text: str, *, timezone: str, jitter: int | None = None) -> BaseTrigger:
    """A trigger for ``text``; ``ValueError`` with a readable message when it is neither form."""
    match = _EVERY.match(text)
    if match:
        amount = float(match[1])
        if amount <= 0:
            raise ValueError(f"{text!r}: the interval must be positive")
        delta = dt.timedelta(**{_UNITS[match[2].lower()]: amount})
        return IntervalTrigger(seconds=delta.total_seconds(), timezone=timezone, jitter=jitter)
    try:
        return CronTrigger.from_crontab(text, timezone=timezone)
    except ValueError as exc:
        raise ValueError(
            f"{text!r} is neither 'every N s|m|h|d' nor a crontab line like '0 7 * * *' ({exc})"
        ) from None


def valid_schedule(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parse_schedule(value, timezone="UTC")
    except ValueError:
        return False
    return True
