"""Immediate alerts after a crawl, sent through Apprise to the URLs of ``[alerts] urls``.

Three kinds of event, each chosen in ``[alerts] events``:

- ``thread``: a release joined a thread, or was suggested for one;
- ``source``: a source broke (a health problem appeared) or recovered (its problems cleared);
- ``watched``: a release in an open thread was edited or removed (one that joined as history
  too: its joining was no news, but a later edit of it is).

One notification per event, plain text: a title and a short body with the release's title,
thread, agency and link. Apprise retries a failed delivery itself (``retries`` times,
``retry_delay`` seconds apart); what still fails is logged, naming the service by its scheme
and host only, and never reaches the crawl. A URL that failed is not tried again for the rest
of the batch, so a dead endpoint costs one round of retries per crawl, not one per alert.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.digest.present import one_line
from monitor.models import (
    Event,
    EventKind,
    MemberState,
    Release,
    Thread,
    ThreadMember,
    ThreadStatus,
)
from monitor.problems import Change, ProblemRecord
from monitor.threads import membership_verb

log = logging.getLogger(__name__)

AlertEvent = Literal["thread", "source", "watched"]
Level = Literal["info", "success", "warning", "failure"]  # Apprise's notify types
TITLE_LIMIT = 160


@dataclass(frozen=True)
class Alert:
    event: AlertEvent
    title: str
    body: str
    level: Level = "info"


def thread_alerts(session: Session, joined: Iterable[Mapping[str, Any]]) -> list[Alert]:
    """A release joined (or was suggested for) a thread: one alert each."""
    joined = list(joined)
    releases = _releases(session, [j["release_id"] for j in joined])
    alerts = []
    for item in joined:
        release = releases[item["release_id"]]
        verb = membership_verb(item["state"])
        alerts.append(
            Alert(
                "thread",
                _title(f"Thread '{item['thread']}': {release.title}"),
                _release_body(release, f"{verb} the thread (score {item['score']:.0f})"),
            )
        )
    return alerts


def watched_alerts(session: Session, run_ids: Sequence[int]) -> list[Alert]:
    """Members of open threads that these runs saw edited or removed."""
    rows = session.execute(
        select(Event, Thread.name, Release)
        .join(Release, Event.release_id == Release.id)
        .join(ThreadMember, ThreadMember.release_id == Release.id)
        .join(Thread, ThreadMember.thread_id == Thread.id)
        .where(
            Event.run_id.in_(list(run_ids)),
            Event.kind.in_([EventKind.EDITED, EventKind.REMOVED]),
            ThreadMember.state == MemberState.CONFIRMED,
            Thread.status == ThreadStatus.OPEN,
        )
        .order_by(Event.id)
    ).all()
    alerts = []
    for event, thread, release in rows:
        verb = "removed" if event.kind is EventKind.REMOVED else "edited"
        if event.kind is EventKind.REMOVED:
            what = "removed from the agency's site"
        else:
            what = f"edited ({event.fields.replace(',', ', ') or 'text'} changed)"
        alerts.append(
            Alert(
                "watched",
                _title(f"Thread '{thread}': {verb}: {release.title}"),
                _release_body(release, what),
                "warning",
            )
        )
    return alerts


def source_alerts(changes: Iterable[Change]) -> list[Alert]:
    """A source broke (problems opened) or recovered (problems cleared): one alert each."""
    alerts = []
    for change in changes:
        if not change.opened and not change.cleared:
            continue
        lines = [f"{p.label}: {one_line(p.detail)}" for p in change.opened]
        lines += [f"no longer {p.label} (since {_utc(p)})" for p in change.cleared]
        lines += [f"still {p.label}: {one_line(p.detail)}" for p in change.still_open]
        if change.opened:
            labels = ", ".join(p.label for p in change.opened)
            alerts.append(
                Alert(
                    "source",
                    _title(f"{change.source} is broken: {labels}"),
                    "\n".join(lines),
                    "failure",
                )
            )
        else:
            title = (
                f"{change.source} recovered"
                if change.recovered
                else f"{change.source} partly recovered"
            )
            alerts.append(Alert("source", title, "\n".join(lines), "success"))
    return alerts


def send_alerts(alerts: Sequence[Alert], settings: Mapping[str, Any]) -> int:
    """Send the alerts of the chosen events to every URL; the number of deliveries that worked.

    Never raises: a failure is logged and the crawl goes on.
    """
    wanted = [a for a in alerts if a.event in settings["events"]]
    if not wanted or not settings["urls"]:
        return 0
    try:
        return _deliver(wanted, settings)
    except Exception as exc:  # its message may quote a URL: name the error only
        log.error("alerts could not be sent: %s", type(exc).__name__)
        return 0


def _deliver(alerts: Sequence[Alert], settings: Mapping[str, Any]) -> int:
    import apprise  # imported here: a crawl without alerts does not pay for loading it

    # Apprise logs request URLs and payloads at DEBUG; URLs can hold secrets.
    logging.getLogger("apprise").setLevel(max(logging.INFO, logging.getLogger().level))
    asset = apprise.AppriseAsset(
        default_service_retry=int(settings["retries"]),
        default_service_wait=float(settings["retry_delay"]),
    )
    targets = []
    for url in settings["urls"]:
        bell = apprise.Apprise(asset=asset)
        if bell.add(url):
            targets.append((describe(url), bell))
        else:
            log.error("alert URL not understood by Apprise, skipped: %s", describe(url))
    sent = 0
    dead: dict[str, int] = {}  # a URL that failed gets no more tries in this batch
    for alert in alerts:
        for name, bell in targets:
            if name in dead:
                dead[name] += 1
                continue
            try:
                ok = bool(
                    bell.notify(
                        body=alert.body,
                        title=alert.title,
                        notify_type=apprise.NotifyType(alert.level),
                        body_format=apprise.NotifyFormat.TEXT,
                    )
                )
            except Exception as exc:  # a plugin bug: its message may quote the URL
                log.error("alert to %s failed: %s", name, type(exc).__name__)
                ok = False
            if ok:
                sent += 1
            else:
                dead[name] = 0
                log.error(
                    "alert %r could not be sent to %s (%d retries)",
                    alert.title,
                    name,
                    settings["retries"],
                )
    for name, skipped in dead.items():
        if skipped:
            log.error("%d more alerts not sent to %s after it failed", skipped, name)
    return sent


def describe(url: str) -> str:
    """The URL's scheme and host only, for logs: paths, users and tokens are secrets.

    Some services put a token where the host goes (``slack://TokenA/…``): a host is shown only
    when it looks like a host name or an address.
    """
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return "an unreadable URL"
    if "." not in host and host != "localhost":
        return f"{parts.scheme}://…"
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def _releases(session: Session, ids: Sequence[int]) -> dict[int, Release]:
    if not ids:
        return {}
    return {r.id: r for r in session.scalars(select(Release).where(Release.id.in_(list(ids))))}


def _release_body(release: Release, what: str) -> str:
    published = release.published.isoformat() if release.published else "no date"
    return "\n".join(
        [
            one_line(release.title),
            f"{release.source.name} ({release.source.key}) · {published} · {what}",
            one_line(release.url),
        ]
    )


def _title(text: str) -> str:
    text = one_line(text)
    return text if len(text) <= TITLE_LIMIT else text[: TITLE_LIMIT - 1].rstrip() + "…"


def _utc(problem: ProblemRecord) -> str:
    return f"{problem.opened_at:%Y-%m-%d %H:%M} UTC"
