"""A thread's Atom feed, from a ThreadFeed built by hand: entries, ids, history, escaping."""

from __future__ import annotations

import datetime as dt

import feedparser
import lxml.etree
import lxml.html

from monitor.digest.model import ThreadItem
from monitor.digest.render_atom import render_thread_atom
from monitor.digest.thread_feed import MemberEntry, ThreadFeed
from tests.monitor.test_digest_render import XSS_TITLE, XSS_URL, ZONE, at, make_digest, ref

HOSTILE_NAME = "Detainers <b>fight</b> \x1b[2J & more"


def thread_feed() -> ThreadFeed:
    digest = make_digest()
    [edit], [removal] = digest.edited, digest.removed
    joined = digest.thread_updates[0].items[0]
    suggested = digest.thread_updates[0].items[1]
    old = ref(103, "ca_ag", "California Attorney General", XSS_TITLE, url=XSS_URL)
    history = MemberEntry(
        ThreadItem(old, "joined", "keywords: detainer <script>", 70.0),
        dt.datetime(2024, 8, 1, tzinfo=ZONE),
        history=True,
    )
    entries = [
        MemberEntry(joined, at(15), history=False),
        MemberEntry(suggested, at(11), history=False),
        edit,
        removal,
        history,
    ]
    entries.sort(key=lambda e: e.at, reverse=True)
    return ThreadFeed(
        7, HOSTILE_NAME, "Who honours <i>detainers</i>", "America/New_York", at(8), tuple(entries)
    )


def test_the_thread_feed_is_valid_with_one_entry_per_member_and_change() -> None:
    feed = feedparser.parse(
        render_thread_atom(thread_feed(), page_url="http://127.0.0.1:8080/threads/7")
    )
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.feed.id == "urn:press-monitor:thread:7"
    assert feed.feed.title == "Thread: Detainers <b>fight</b> [2J & more"
    assert feed.feed.subtitle == "Who honours <i>detainers</i>"
    assert feed.feed.link == "http://127.0.0.1:8080/threads/7"
    assert feed.feed.updated == "2024-09-20T16:30:00-04:00"  # the newest entry
    assert [(e.tags[0].term, e.id) for e in feed.entries] == [
        ("removed", "urn:press-monitor:release:120:removed:20240920T203000Z"),
        ("joined", "urn:press-monitor:thread:7:release:301:joined"),
        ("edited", "urn:press-monitor:release:110:v2"),
        ("suggested", "urn:press-monitor:thread:7:release:201:suggested"),
        ("history", "urn:press-monitor:thread:7:release:103:history"),
    ]
    history = feed.entries[-1]
    assert history.title == "History (joined): " + XSS_TITLE
    assert history.updated == "2024-08-01T00:00:00-04:00"  # its own date
    assert not history.get("links")  # a javascript: address is no link


def test_the_thread_feed_carries_no_markup_from_scraped_text() -> None:
    xml = render_thread_atom(thread_feed())
    assert "<script" not in xml and "<b>" not in xml and "<i>" not in xml and "\x1b" not in xml
    root = lxml.etree.fromstring(xml.encode("utf-8"))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    for content in root.xpath("//a:entry/a:content", namespaces=ns):
        fragment = lxml.html.fragment_fromstring(content.text, create_parent="div")
        assert not fragment.xpath(".//script | .//img | .//b | .//@*[starts-with(name(), 'on')]")
        assert all(h.startswith("https://") for h in fragment.xpath(".//a/@href"))


def test_a_thread_without_entries_is_an_empty_valid_feed() -> None:
    empty = ThreadFeed(3, "Quiet story", "", "America/New_York", at(8), ())
    feed = feedparser.parse(render_thread_atom(empty))
    assert feed.bozo == 0 and feed.entries == []
    assert feed.feed.updated == "2024-09-20T08:00:00-04:00"
