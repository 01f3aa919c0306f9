"""Schedules as the config writes them: ``"every 2h"`` or a crontab line such as ``"0 7 * * *"``."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

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
    fields = text.split()
    try:
        if len(fields) != 5:
            raise ValueError(f"Wrong number of fields; got {len(fields)}, expected 5")
        minute, hour, day, month, day_of_week = fields  # as CronTrigger.from_crontab reads them
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=day_of_week,
            timezone=timezone,
            jitter=jitter,
        )
    except ValueError as exc:
        raise ValueError(
            f"{text!r} is neither 'every N s|m|h|d' nor a crontab line like '0 7 * * *' ({exc})"
        ) from None


def trigger_fields(trigger: BaseTrigger) -> tuple[Any, ...]:
    """What makes two triggers fire alike: kind, schedule, time zone and jitter (a trigger's
    text form leaves out the last two, and an interval's start moves with the time it was made)."""
    schedule: Any = str(trigger)
    if isinstance(trigger, IntervalTrigger):
        schedule = trigger.interval
    elif isinstance(trigger, CronTrigger):
        schedule = (tuple(str(f) for f in trigger.fields), trigger.start_date, trigger.end_date)
    zone = getattr(trigger, "timezone", None)
    return type(trigger).__name__, schedule, str(zone), getattr(trigger, "jitter", None)


def valid_schedule(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parse_schedule(value, timezone="UTC")
    except ValueError:
        return False
    return True
