"""Open and cleared health problems per source (``source_problems``), and what changed.

:func:`assess` runs after a crawl: it compares each crawled source's findings
(:mod:`monitor.health`) with its open problems, opens the new ones and clears the ones no longer
found. The :class:`Change` it returns is what gets alerted, so a problem is alerted once when it
appears and once when it clears, however many runs it lasts.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.db import transaction
from monitor.health import Finding, ProblemKind, findings
from monitor.models import Source, SourceProblem, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProblemRecord:
    """A problem as shown: its kind, label and detail, since when, and whether it cleared."""

    source: str
    kind: ProblemKind
    detail: str
    opened_at: dt.datetime  # naive UTC, as stored
    cleared_at: dt.datetime | None = None

    @property
    def label(self) -> str:
        return self.kind.label

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "label": self.label,
            "detail": self.detail,
            "since": self.opened_at.isoformat(timespec="seconds") + "Z",
            "cleared": self.cleared_at.isoformat(timespec="seconds") + "Z"
            if self.cleared_at
            else None,
        }


@dataclass(frozen=True)
class Change:
    """What one assessment changed for one source."""

    source: str
    opened: tuple[ProblemRecord, ...]
    cleared: tuple[ProblemRecord, ...]
    still_open: tuple[ProblemRecord, ...]  # open before and after

    @property
    def recovered(self) -> bool:
        """Every problem cleared and none opened."""
        return bool(self.cleared) and not self.opened and not self.still_open


def _record(row: SourceProblem, key: str) -> ProblemRecord:
    return ProblemRecord(key, ProblemKind(row.kind), row.detail, row.opened_at, row.cleared_at)


def update_problems(
    session: Session, source: Source, found: Sequence[Finding], *, now: dt.datetime | None = None
) -> Change:
    """Open problems newly found, refresh those still found, clear those gone."""
    now = now or utcnow()
    open_rows = {
        row.kind: row
        for row in session.scalars(
            select(SourceProblem).where(
                SourceProblem.source_id == source.id, SourceProblem.cleared_at.is_(None)
            )
        )
    }
    opened, still = [], []
    for finding in found:
        row = open_rows.pop(finding.kind.value, None)
        if row is None:
            row = SourceProblem(
                source_id=source.id,
                kind=finding.kind.value,
                detail=finding.detail,
                opened_at=now,
                last_seen_at=now,
            )
            session.add(row)
            opened.append(_record(row, source.key))
        else:
            row.detail, row.last_seen_at = finding.detail, now
            still.append(_record(row, source.key))
    cleared = []
    for row in open_rows.values():
        row.cleared_at = now
        cleared.append(_record(row, source.key))
    return Change(source.key, tuple(opened), tuple(cleared), tuple(still))


def assess(
    factory: sessionmaker[Session],
    keys: Sequence[str],
    settings: Mapping[str, Any],
    *,
    day: dt.date | None = None,
) -> list[Change]:
    """Judge the given sources now and record what changed; a failure here spoils no crawl."""
    day = day or dt.datetime.now(dt.UTC).date()
    changes = []
    for key in keys:
        try:
            with transaction(factory) as session:
                source = session.scalar(select(Source).where(Source.key == key))
                if source is None:
                    continue
                changes.append(
                    update_problems(session, source, findings(session, source, day, settings))
                )
        except Exception:
            log.exception("health check of %s failed", key)
    return changes


def open_problems(session: Session) -> dict[str, list[ProblemRecord]]:
    """Every source's open problems, by source key, oldest first."""
    return _grouped(session, SourceProblem.cleared_at.is_(None))


def problems_during(
    session: Session, lo: dt.datetime, hi: dt.datetime
) -> dict[str, list[ProblemRecord]]:
    """Problems open at some time in ``[lo, hi)`` (naive UTC), by source key."""
    return _grouped(
        session,
        SourceProblem.opened_at < hi,
        (SourceProblem.cleared_at.is_(None)) | (SourceProblem.cleared_at >= lo),
    )


def _grouped(session: Session, *where: Any) -> dict[str, list[ProblemRecord]]:
    grouped: dict[str, list[ProblemRecord]] = defaultdict(list)
    for row, key in session.execute(
        select(SourceProblem, Source.key)
        .join(Source)
        .where(*where)
        .order_by(SourceProblem.opened_at, SourceProblem.id)
    ):
        grouped[key].append(_record(row, key))
    return dict(grouped)
