"""The digest as an Atom 1.0 feed: one entry per thing that happened, plus the digest itself;
and a thread as a feed of its own (:func:`render_thread_atom`).

Entry ids are stable, so a feed reader that sees the same digest twice shows each entry once:

- ``{feed_id}:{since}`` the digest summary (period, counts, sources that need attention);
- ``urn:press-monitor:thread:<thread>:release:<id>:<change>:<since>`` a release in a thread update;
- ``urn:press-monitor:release:<id>:new`` a new release;
- ``urn:press-monitor:release:<id>:v<version>`` an edit;
- ``urn:press-monitor:release:<id>:removed:<at>`` a removal;
- ``urn:press-monitor:thread:<thread>:release:<id>:joined|suggested|history`` a member in a
  thread's own feed.

Times are UTC stamps such as ``20240920T040000Z``. Content is escaped HTML (``type="html"``) from
the same templates as the web page; titles and summaries are text.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from feedgen.feed import FeedGenerator
from markupsafe import escape

from .model import Digest, Edit, ReleaseRef, Removal
from .present import (
    FIELD_LABELS,
    SECTION_TITLES,
    attention,
    changed_diffs,
    clean,
    day,
    empty_message,
    moment,
    one_line,
    period,
    safe_url,
    summary_line,
    zone,
)
from .render_html import (
    baseline_html,
    edit_html,
    new_item_html,
    removal_html,
    source_html,
    thread_item_html,
)
from .thread_feed import MemberEntry, ThreadFeed

FEED_TITLE = "Press-release changes"


def render_atom(digest: Digest, *, feed_id: str = "urn:press-monitor:digest") -> str:
    """The digest as an Atom feed document (UTF-8 XML, as a string)."""
    tz = zone(digest)
    feed = _feed(feed_id, FEED_TITLE, digest.until)

    _add_summary(feed, digest, feed_id)
    for update in digest.thread_updates:
        for item in update.items:
            ref = item.release
            _add(
                feed,
                entry_id=f"urn:press-monitor:thread:{update.thread_id}:release:{ref.id}:"
                f"{item.change}:{_stamp(digest.since)}",
                title=f"[{one_line(update.thread_name)}] {item.change}: {_title(ref)}",
                updated=_within(ref.first_seen, digest),
                category="thread",
                ref=ref,
                summary=f"{one_line(ref.agency)} · why: {one_line(item.reason)}",
                html=thread_item_html(item),
            )
    for ref in digest.new:
        _add(
            feed,
            entry_id=f"urn:press-monitor:release:{ref.id}:new",
            title=f"New: {_title(ref)}",
            updated=ref.first_seen,
            category="new",
            ref=ref,
            summary=f"{one_line(ref.agency)} · published {day(ref.published)}",
            html=new_item_html(ref, tz),
        )
    for edit in digest.edited:
        _add_edit(feed, edit, tz)
    for removal in digest.removed:
        _add_removal(feed, removal, tz)
    xml: bytes = feed.atom_str(pretty=True, encoding="UTF-8")
    return xml.decode("utf-8")


def render_thread_atom(thread: ThreadFeed, *, page_url: str | None = None) -> str:
    """A thread as an Atom feed: see :mod:`monitor.digest.thread_feed` for its entries."""
    tz = zoneinfo.ZoneInfo(thread.timezone)
    title = f"Thread: {one_line(thread.name) or '(unnamed thread)'}"
    feed = _feed(f"urn:press-monitor:thread:{thread.thread_id}", title, thread.updated)
    if description := one_line(thread.description):
        feed.subtitle(description)
    if page_url:
        feed.link(href=page_url, rel="alternate")
    for entry in thread.entries:
        if isinstance(entry, Edit):
            _add_edit(feed, entry, tz)
        elif isinstance(entry, Removal):
            _add_removal(feed, entry, tz)
        else:
            _add_member(feed, thread.thread_id, entry)
    xml: bytes = feed.atom_str(pretty=True, encoding="UTF-8")
    return xml.decode("utf-8")


def _feed(feed_id: str, title: str, updated: dt.datetime) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(clean(title))
    feed.author({"name": "press-monitor"})
    feed.generator("press-monitor")
    feed.language("en")
    feed.updated(updated)
    return feed


def _add_member(feed: FeedGenerator, thread_id: int, entry: MemberEntry) -> None:
    item, ref = entry.item, entry.item.release
    kind = "history" if entry.history else item.change
    label = f"History ({item.change})" if entry.history else item.change.capitalize()
    _add(
        feed,
        entry_id=f"urn:press-monitor:thread:{thread_id}:release:{ref.id}:{kind}",
        title=f"{label}: {_title(ref)}",
        updated=entry.at,
        category=kind,
        ref=ref,
        summary=f"{one_line(ref.agency)} · why: {one_line(item.reason)}",
        html=thread_item_html(item),
    )


def _add_edit(feed: FeedGenerator, edit: Edit, tz: dt.tzinfo) -> None:
    fields = ", ".join(FIELD_LABELS.get(d.field, d.field).lower() for d in changed_diffs(edit))
    _add(
        feed,
        entry_id=f"urn:press-monitor:release:{edit.release.id}:v{edit.version}",
        title=f"Edited: {_title(edit.release)}",
        updated=edit.at,
        category="edited",
        ref=edit.release,
        summary=f"{one_line(edit.release.agency)} · changed: {fields or 'nothing visible'}",
        html=edit_html(edit, tz),
    )


def _add_removal(feed: FeedGenerator, removal: Removal, tz: dt.tzinfo) -> None:
    ref = removal.release
    _add(
        feed,
        entry_id=f"urn:press-monitor:release:{ref.id}:removed:{_stamp(removal.at)}",
        title=f"Removed: {_title(ref)}",
        updated=removal.at,
        category="removed",
        ref=ref,
        summary=f"{one_line(ref.agency)} · removed {moment(removal.at, tz)}",
        html=removal_html(removal, tz),
    )


def _add_summary(feed: FeedGenerator, digest: Digest, feed_id: str) -> None:
    parts = [f"<p>{_escape(period(digest))} ({_escape(digest.timezone)})</p>"]
    if digest.is_empty:
        parts.append(f"<p>{_escape(empty_message(digest))}</p>")
        summary = empty_message(digest)
    else:
        summary = summary_line(digest)
        parts.append(f"<p>{_escape(summary)}</p>")
    if baselined := digest.baselined:
        parts.append(f"<h3>{SECTION_TITLES['baselines']}</h3>")
        parts += [baseline_html(report) for report in baselined]
    if troubled := attention(digest):
        parts.append(f"<h3>{SECTION_TITLES['sources']}</h3>")
        parts += [source_html(report) for report in troubled]
    _add(
        feed,
        entry_id=f"{feed_id}:{_stamp(digest.since)}",
        title=digest.title,
        updated=digest.until,
        category="digest",
        ref=None,
        summary=summary,
        html="\n".join(parts),
    )


def _add(
    feed: FeedGenerator,
    *,
    entry_id: str,
    title: str,
    updated: dt.datetime,
    category: str,
    ref: ReleaseRef | None,
    summary: str,
    html: str,
) -> None:
    entry = feed.add_entry(order="append")
    entry.id(entry_id)
    entry.title(clean(title))
    entry.updated(updated)
    entry.category(term=category)
    entry.summary(clean(summary))
    entry.content(clean(html), type="html")
    if ref is not None:
        entry.author({"name": one_line(ref.agency) or "unknown agency"})
        if url := safe_url(ref.url):
            entry.link(href=url, rel="alternate")


def _title(ref: ReleaseRef) -> str:
    return one_line(ref.title) or "(untitled)"


def _within(time: dt.datetime, digest: Digest) -> dt.datetime:
    """``time`` if it falls in the digest's period, else the period's end."""
    return time if digest.since <= time < digest.until else digest.until


def _stamp(time: dt.datetime) -> str:
    return f"{time.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"


def _escape(text: str) -> str:
    return str(escape(clean(text)))
