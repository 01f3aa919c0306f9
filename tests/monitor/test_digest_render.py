"""Every digest format, from a Digest built by hand: sections, order, escaping, empty digests."""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import feedparser
import lxml.etree
import lxml.html
import pytest
from markdown_it import MarkdownIt

from monitor.diff import FieldDiff, word_diff
from monitor.digest.model import (
    Baseline,
    Digest,
    Edit,
    ReleaseRef,
    Removal,
    SourceReport,
    ThreadItem,
    ThreadUpdate,
)
from monitor.digest.render import (
    RENDERERS,
    render_atom,
    render_html,
    render_json,
    render_markdown,
    render_text,
)
from monitor.digest.render_text import escape_markdown

ZONE = ZoneInfo("America/New_York")
SINCE = dt.datetime(2024, 9, 20, tzinfo=ZONE)
UNTIL = dt.datetime(2024, 9, 21, tzinfo=ZONE)

XSS_TITLE = "Governor signs <script>alert(1)</script> order"
XSS_BODY = "Statement follows. </details><img src=x onerror=alert(1)> End of statement."
XSS_URL = "javascript:alert(1)"
MD_LINK = "[click](http://evil)"
TERMINAL_ESCAPE = "\x1b]8;;http://evil\x1b\\"

OLD_BODY = (
    "SACRAMENTO — Attorney General Rob Bonta today announced that California declined the "
    "federal request to hold people in local jails beyond their release dates. "
    + " ".join(f"filler{i}" for i in range(60))
    + "\n\nThe department will publish the letter on its website."
)
NEW_BODY = OLD_BODY.replace("declined", "rejected").replace(
    "on its website.", "on its website. " + XSS_BODY
)


def at(hour: int, minute: int = 0, day: int = 20) -> dt.datetime:
    return dt.datetime(2024, 9, day, hour, minute, tzinfo=ZONE)


def ref(
    id: int,
    source: str,
    agency: str,
    title: str,
    *,
    url: str | None = None,
    published: dt.date | None = dt.date(2024, 9, 20),
    seen: dt.datetime | None = None,
) -> ReleaseRef:
    return ReleaseRef(
        id=id,
        source=source,
        agency=agency,
        url=url or f"https://{source}.example.gov/news/{id}?a=1&b=2",
        title=title,
        published=published,
        first_seen=seen or at(9, id % 60),
    )


def make_digest() -> Digest:
    """A realistic day: two threads, three agencies, an edit, a removal, two troubled sources."""
    ca_1 = ref(
        101,
        "ca_ag",
        "California Attorney General",
        "Bonta rejects DHS detainer request for county jails",
    )
    ca_2 = ref(102, "ca_ag", "California Attorney General", XSS_TITLE, url=XSS_URL)
    tx_1 = ref(201, "tx_gov", "Texas Governor", f"Abbott responds {MD_LINK} to California")
    tx_2 = ref(202, "tx_gov", "Texas Governor", "Texas deploys National Guard to border")
    dhs = ref(
        301,
        "dhs",
        "U.S. Department of Homeland Security",
        "DHS puts California on notice over detainers" + TERMINAL_ESCAPE,
    )
    edited = ref(
        110,
        "ca_ag",
        "California Attorney General",
        "Bonta declines the request",
        published=dt.date(2024, 9, 18),
        seen=at(8, day=18),
    )
    removed = ref(
        120,
        "ca_ag",
        "California Attorney General",
        "Statement on detainers (withdrawn)",
        published=dt.date(2024, 9, 17),
        seen=at(8, day=17),
    )
    diffs = (
        FieldDiff(
            "title",
            "Bonta declines the request",
            "Bonta rejects the request",
            word_diff("Bonta declines the request", "Bonta rejects the request"),
        ),
        FieldDiff("published", "2024-09-18", "2024-09-19", word_diff("2024-09-18", "2024-09-19")),
        FieldDiff("body", OLD_BODY, NEW_BODY, word_diff(OLD_BODY, NEW_BODY)),
    )
    return Digest(
        since=SINCE,
        until=UNTIL,
        timezone="America/New_York",
        thread_updates=(
            ThreadUpdate(
                7,
                "Sanctuary detainers <b>fight</b>",
                (
                    ThreadItem(
                        dhs, "joined", "title 91 vs 'Bonta rejects…'; keywords: detainer", 91.0
                    ),
                    ThreadItem(tx_1, "suggested", f"keywords: California {MD_LINK}", 61.5),
                ),
            ),
            ThreadUpdate(
                9,
                "Border deployments",
                (ThreadItem(tx_2, "joined", "attached by hand"),),
            ),
        ),
        new=(ca_1, tx_1, dhs, ca_2, tx_2),
        edited=(Edit(edited, 2, at(14, 5), ("title", "published", "body"), diffs),),
        removed=(
            Removal(removed, at(16, 30), "The statement has been withdrawn. " + XSS_BODY * 30),
        ),
        sources=(
            SourceReport("ca_ag", "California Attorney General", "ok", None, 24, 3, 1),
            SourceReport(
                "ny_ag",
                "New York Attorney General",
                "blocked",
                "HTTP 403 Forbidden <from Cloudflare>",
                24,
                0,
                0,
            ),
            SourceReport(
                "fl_gov",
                "Florida Governor",
                "silent",
                None,
                24,
                0,
                0,
                last_release=dt.date(2024, 9, 2),
                usual_gap_days=2.6,
            ),
        ),
    )


def empty_digest() -> Digest:
    return Digest(
        since=SINCE,
        until=UNTIL,
        timezone="America/New_York",
        sources=(SourceReport("ca_ag", "California Attorney General", "ok", None, 24, 0, 0),),
    )


def positions(text: str, markers: list[str]) -> list[int]:
    found = [text.find(marker) for marker in markers]
    assert -1 not in found, dict(zip(markers, found, strict=True))
    return found


SECTIONS = [
    "Thread updates",
    "New releases",
    "Edited releases",
    "Removed releases",
    "Sources that need attention",
]
EMPTY = (
    "No changes between Sep 20 and Sep 21: no new, edited or removed releases, "
    "and every source was crawled without trouble."
)


# --- every format -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["text", "markdown", "html"])
def test_sections_come_in_order(name: str) -> None:
    out = RENDERERS[name](make_digest())
    found = positions(out, ["Press-release changes for Friday, September 20, 2024", *SECTIONS])
    assert found == sorted(found)


@pytest.mark.parametrize("name", ["text", "markdown", "html"])
def test_sections_with_nothing_are_left_out(name: str) -> None:
    digest = make_digest()
    only_new = Digest(digest.since, digest.until, digest.timezone, new=digest.new)
    out = RENDERERS[name](only_new)
    assert "New releases" in out
    for title in [s for s in SECTIONS if s != "New releases"]:
        assert title not in out
    assert "No changes" not in out


@pytest.mark.parametrize("name", list(RENDERERS))
def test_empty_digest_says_so(name: str) -> None:
    out = RENDERERS[name](empty_digest())
    if name == "json":
        data = json.loads(out)
        assert (data["new"], data["edited"], data["removed"], data["thread_updates"]) == (
            [],
            [],
            [],
            [],
        )
        return
    if name == "atom":
        feed = feedparser.parse(out)
        assert feed.bozo == 0
        assert len(feed.entries) == 1
        assert feed.entries[0].summary == EMPTY
        return
    assert EMPTY in out
    for title in SECTIONS:
        assert title not in out


def test_renderers_table_names_every_format() -> None:
    assert list(RENDERERS) == ["text", "markdown", "html", "json", "atom"]
    digest = make_digest()
    for render in RENDERERS.values():
        assert render(digest).strip()


def test_short_period_empty_message_names_the_hours() -> None:
    digest = Digest(at(6), at(18), "America/New_York")
    assert "No changes between 06:00 and 18:00 on Sep 20" in render_text(digest)


# --- plain text -------------------------------------------------------------------------


def test_text_lists_thread_items_with_reason_and_link() -> None:
    out = render_text(make_digest())
    threads = out[out.index("Thread updates") : out.index("New releases")]
    assert "Sanctuary detainers <b>fight</b>" in threads
    assert "[joined] DHS puts California on notice over detainers" in threads
    assert "U.S. Department of Homeland Security · Sep 20, 2024" in threads
    assert "https://dhs.example.gov/news/301?a=1&b=2" in threads
    assert "Why: title 91 vs 'Bonta rejects…'; keywords: detainer" in threads
    assert "[suggested] Abbott responds" in threads
    assert threads.index("Sanctuary detainers") < threads.index("Border deployments")


def test_text_groups_new_releases_by_agency_in_order_of_appearance() -> None:
    out = render_text(make_digest())
    new = out[out.index("New releases (5)") : out.index("Edited releases")]
    found = positions(
        new,
        [
            "California Attorney General",
            "Bonta rejects DHS",
            XSS_TITLE,
            "Texas Governor",
            "Abbott responds",
            "Texas deploys",
            "U.S. Department of Homeland Security",
            "DHS puts California",
        ],
    )
    assert found == sorted(found)


def test_text_shows_word_diffs_with_long_runs_shortened() -> None:
    out = render_text(make_digest())
    edits = out[out.index("Edited releases") : out.index("Removed releases")]
    assert "version 2, edited Sep 20, 14:05" in edits
    assert "[-declines-] {+rejects+}" in edits
    assert "[-2024-09-18-] {+2024-09-19+}" in edits
    assert "[-declined-] {+rejected+}" in edits
    assert "…" in edits and "filler30" not in edits
    assert "{+Statement follows. </details><img src=x" in re.sub(
        r"\s+", " ", edits
    )  # text: shown as typed


def test_text_shortens_the_last_text_of_a_removal() -> None:
    out = render_text(make_digest())
    removed = out[out.index("Removed releases") : out.index("Sources that need attention")]
    assert "removed Sep 20, 16:30" in removed
    assert "The statement has been withdrawn." in removed
    body = removed[removed.index("Last text kept:") :]
    body = body[: body.index("\n\n\n")] if "\n\n\n" in body else body
    assert 300 < len(re.sub(r"\s+", " ", body)) < 700
    assert body.rstrip().endswith("…")


def test_text_names_troubled_sources_only() -> None:
    out = render_text(make_digest())
    sources = out[out.index("Sources that need attention") :]
    assert "New York Attorney General (ny_ag): blocked" in sources
    assert "HTTP 403 Forbidden <from Cloudflare>" in sources
    assert "Florida Governor (fl_gov): silent" in sources
    assert "no new release since Sep 2, 2024 (usually every 3 days)" in sources
    assert "ca_ag" not in sources


def test_text_has_no_control_characters() -> None:
    out = render_text(make_digest())
    assert "\x1b" not in out
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", out)


def test_text_header_names_period_and_counts() -> None:
    out = render_text(make_digest())
    head = out.split("\n")[:5]
    assert head[0] == "Press-release changes for Friday, September 20, 2024"
    assert head[3] == "Sep 20, 2024 00:00 – Sep 21, 2024 00:00 EDT"
    assert head[4] == ("3 thread updates · 5 new · 1 edited · 1 removed · 2 sources need attention")


# --- Markdown ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("[click](http://evil)", r"\[click\]\(http://evil\)"),
        ("<script>", r"\<script\>"),
        ("*bold* _it_ `code`", r"\*bold\* \_it\_ \`code\`"),
        ("# heading | cell ~~x~~", r"\# heading \| cell \~\~x\~\~"),
        ("![img](x) &amp;", r"\!\[img\]\(x\) \&amp;"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_markdown_escape(raw: str, escaped: str) -> None:
    assert escape_markdown(raw) == escaped


def test_markdown_links_only_web_addresses() -> None:
    out = render_markdown(make_digest())
    assert (
        "[Bonta rejects DHS detainer request for county jails](https://ca_ag.example.gov/news/101?a=1&b=2)"
        in out
    )
    assert "](javascript:" not in out
    assert "javascript:alert\\(1\\) (not a web link)" in out
    # the hostile title is text, not HTML, and the injected link is not a link
    assert "<script>" not in out
    assert "\\<script\\>alert\\(1\\)\\</script\\>" in out
    assert "[click](http://evil)" not in out
    assert "\\[click\\]\\(http://evil\\)" in out


def test_markdown_renders_as_intended_html() -> None:
    """The Markdown, read by a CommonMark parser, yields only our own links and no raw HTML."""
    parser = MarkdownIt("commonmark").enable(["strikethrough", "table"])
    html = parser.render(render_markdown(make_digest()))
    tree = lxml.html.fromstring(html)
    assert not tree.xpath("//script | //img | //@onerror")
    hrefs = tree.xpath("//a/@href")
    assert hrefs and all(h.startswith("https://") for h in hrefs)
    assert "http://evil" not in hrefs


def test_markdown_structure() -> None:
    out = render_markdown(make_digest())
    assert out.startswith("# Press-release changes for Friday, September 20, 2024\n")
    assert "\n## Thread updates\n" in out
    assert "\n### Sanctuary detainers \\<b\\>fight\\</b\\>\n" in out
    assert "- **joined** · [Texas deploys National Guard to border](https://" in out
    assert "  **Text**\n\n  > SACRAMENTO" in out
    assert "California [-declined-] {+rejected+} the federal" in out
    assert "{+Statement follows. \\</details\\>\\<img src=x onerror=alert\\(1\\)\\>" in out
    assert "- New York Attorney General (ny\\_ag): blocked\\\n" in out


# --- HTML -------------------------------------------------------------------------------


def test_html_is_a_self_contained_page() -> None:
    out = render_html(make_digest())
    tree = lxml.html.document_fromstring(out)
    assert tree.xpath("//meta[@name='viewport']/@content") == [
        "width=device-width, initial-scale=1"
    ]
    assert tree.findtext(".//title") == "Press-release changes for Friday, September 20, 2024"
    assert tree.xpath("//style")
    assert not tree.xpath("//link | //script | //img | //iframe | //@src")
    assert "ins {" in out and "del {" in out


def test_html_escapes_every_scraped_string() -> None:
    out = render_html(make_digest())
    tree = lxml.html.document_fromstring(out)
    assert not tree.xpath("//script | //img | //b")
    assert not tree.xpath("//@*[starts-with(name(), 'on')]")
    assert "<script" not in out and "<img" not in out and "<b>" not in out
    text = tree.text_content()
    assert XSS_TITLE in text
    assert "Sanctuary detainers <b>fight</b>" in text
    assert "</details><img src=x onerror=alert(1)>" in text
    assert "HTTP 403 Forbidden <from Cloudflare>" in text
    assert "\x1b" not in out


def test_html_links_only_web_addresses() -> None:
    tree = lxml.html.document_fromstring(render_html(make_digest()))
    hrefs = tree.xpath("//a/@href")
    releases = [h for h in hrefs if not h.startswith("#")]
    assert releases and all(h.startswith("https://") for h in releases)
    assert "https://ca_ag.example.gov/news/101?a=1&b=2" in releases
    assert not any("javascript" in h.lower() for h in hrefs)
    assert XSS_URL in tree.text_content()


def test_html_marks_insertions_and_deletions() -> None:
    tree = lxml.html.document_fromstring(render_html(make_digest()))
    edit = tree.get_element_by_id("edited")
    assert [e.text for e in edit.iter("del")][:3] == ["declines", "2024-09-18", "declined"]
    assert [e.text for e in edit.iter("ins")][:3] == ["rejects", "2024-09-19", "rejected"]
    inserted = " ".join(e.text_content() for e in edit.iter("ins"))
    assert "</details><img src=x onerror=alert(1)>" in inserted
    assert "filler30" not in edit.text_content()  # long unchanged runs shortened


def test_html_keeps_the_whole_last_text_in_details() -> None:
    tree = lxml.html.document_fromstring(render_html(make_digest()))
    removed = tree.get_element_by_id("removed")
    (details,) = removed.iter("details")
    assert details.find("summary").text_content().startswith("Last text kept (")
    assert details.text_content().count("onerror=alert(1)") == 30


def test_html_sections_and_sources() -> None:
    tree = lxml.html.document_fromstring(render_html(make_digest()))
    ids = [s.get("id") for s in tree.iter("section")]
    assert ids == ["threads", "new", "edited", "removed", "sources"]
    sources = tree.get_element_by_id("sources").text_content()
    assert "New York Attorney General" in sources and "Florida Governor" in sources
    assert "no new release since Sep 2, 2024 (usually every 3 days)" in sources
    assert "California Attorney General" not in sources
    new = tree.get_element_by_id("new")
    assert [h.text_content() for h in new.iter("h3")] == [
        "California Attorney General",
        "Texas Governor",
        "U.S. Department of Homeland Security",
    ]


# --- Atom -------------------------------------------------------------------------------


def test_atom_is_a_valid_feed_with_one_entry_per_change() -> None:
    feed = feedparser.parse(render_atom(make_digest()))
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.id == "urn:press-monitor:digest"
    kinds = [entry.tags[0].term for entry in feed.entries]
    assert kinds == [
        "digest",
        "thread",
        "thread",
        "thread",
        "new",
        "new",
        "new",
        "new",
        "new",
        "edited",
        "removed",
    ]
    ids = [entry.id for entry in feed.entries]
    assert len(set(ids)) == len(ids)
    assert "urn:press-monitor:release:110:v2" in ids
    assert "urn:press-monitor:release:101:new" in ids
    assert "urn:press-monitor:thread:7:release:301:joined:20240920T040000Z" in ids
    assert "urn:press-monitor:release:120:removed:20240920T203000Z" in ids
    assert ids[0] == "urn:press-monitor:digest:20240920T040000Z"


def test_atom_entries_have_times_links_and_summaries() -> None:
    feed = feedparser.parse(render_atom(make_digest(), feed_id="https://example.org/digest.atom"))
    by_id = {entry.id: entry for entry in feed.entries}
    edit = by_id["urn:press-monitor:release:110:v2"]
    assert edit.title == "Edited: Bonta declines the request"
    assert edit.updated == "2024-09-20T14:05:00-04:00"
    assert edit.link == "https://ca_ag.example.gov/news/110?a=1&b=2"
    assert edit.summary == "California Attorney General · changed: title, date, text"
    assert edit.author == "California Attorney General"
    summary = feed.entries[0]
    assert summary.id.startswith("https://example.org/digest.atom:")
    assert summary.title == "Press-release changes for Friday, September 20, 2024"
    assert "New York Attorney General" in summary.content[0].value
    hostile = by_id["urn:press-monitor:release:102:new"]
    assert hostile.title == "New: " + XSS_TITLE
    assert not any("javascript" in link.href for link in hostile.get("links", []))


def test_atom_never_carries_markup_from_scraped_text() -> None:
    xml = render_atom(make_digest())
    assert "<script" not in xml and "<img" not in xml and "<b>" not in xml
    root = lxml.etree.fromstring(xml.encode("utf-8"))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    contents = root.xpath("//a:entry/a:content", namespaces=ns)
    assert len(contents) == 11
    for content in contents:
        assert content.get("type") == "html"
        fragment = lxml.html.fragment_fromstring(content.text, create_parent="div")
        assert not fragment.xpath(".//script | .//img | .//b | .//@*[starts-with(name(), 'on')]")
        assert all(h.startswith("https://") for h in fragment.xpath(".//a/@href"))
    titles = root.xpath("//a:entry/a:title/text()", namespaces=ns)
    assert "New: " + XSS_TITLE in titles
    assert not root.xpath("//a:link[starts-with(@href, 'javascript')]", namespaces=ns)


def test_atom_survives_control_characters_and_empty_titles() -> None:
    digest = make_digest()
    odd = ref(999, "odd", "Odd\x00 Agency", "", url="https://odd.example.gov/\x0b1")
    feed = feedparser.parse(render_atom(Digest(SINCE, UNTIL, "America/New_York", new=(odd,))))
    assert feed.bozo == 0
    assert [e.title for e in feed.entries] == [digest.title, "New: (untitled)"]


# --- JSON -------------------------------------------------------------------------------

RELEASE_KEYS = {"id", "source", "url", "title", "published", "first_seen"}


def test_json_has_the_documented_shape() -> None:
    data = json.loads(render_json(make_digest()))
    assert {"since", "until", "thread_updates", "new", "edited", "removed", "sources"} <= set(data)
    assert data["since"] == "2024-09-20T00:00:00-04:00"
    update = data["thread_updates"][0]
    assert update["thread"] == {"id": 7, "name": "Sanctuary detainers <b>fight</b>"}
    assert RELEASE_KEYS | {"change", "reason"} <= set(update["releases"][0])
    assert all(set(r) >= RELEASE_KEYS for r in data["new"])
    assert [r["id"] for r in data["new"]] == [101, 201, 301, 102, 202]
    edit = data["edited"][0]
    assert set(edit["release"]) >= RELEASE_KEYS
    assert edit["fields"] == ["title", "published", "body"]
    assert "[-declines-] {+rejects+}" in edit["diff"]
    assert set(data["removed"][0]) >= RELEASE_KEYS
    assert [s["source"] for s in data["sources"]] == ["ca_ag", "ny_ag", "fl_gov"]
    assert {"source", "status", "error", "runs", "new", "edited"} <= set(data["sources"][1])
    assert data["sources"][1]["status"] == "blocked"


def test_json_keeps_unicode_and_is_indented() -> None:
    out = render_json(make_digest())
    assert "SACRAMENTO — Attorney" in out
    assert out.startswith('{\n  "since"')


# --- source health ------------------------------------------------------------------------


def health_digest() -> Digest:
    from monitor.health import ProblemKind
    from monitor.problems import ProblemRecord

    opened = dt.datetime(2024, 9, 20, 13, 0)
    hostile = "8 of 10 listing rows had no date <img src=x onerror=alert(1)>\x1b[2J"
    return Digest(
        since=SINCE,
        until=UNTIL,
        timezone="America/New_York",
        sources=(
            SourceReport(
                "il_ag",
                "Illinois Attorney General",
                "ok",
                None,
                12,
                2,
                0,
                problems=(
                    ProblemRecord("il_ag", ProblemKind.UNDATED, hostile, opened),
                    ProblemRecord(
                        "il_ag",
                        ProblemKind.BLOCKED,
                        "blocked by the site",
                        opened,
                        opened + dt.timedelta(hours=4),
                    ),
                ),
            ),
            SourceReport("ca_ag", "California Attorney General", "ok", None, 24, 3, 1),
        ),
    )


def test_health_problems_make_an_ok_source_need_attention() -> None:
    out = render_text(health_digest())
    sources = out[out.index("Sources that need attention") :]
    assert "Illinois Attorney General (il_ag): ok" in sources
    assert (
        "dates missing: 8 of 10 listing rows had no date <img src=x onerror=alert(1)>[2J "
        "(since Sep 20, 13:00 UTC)" in sources
    )
    assert (
        "blocked: blocked by the site (since Sep 20, 13:00 UTC, cleared Sep 20, 17:00 UTC)"
        in sources
    )
    assert "no error message recorded" not in sources
    assert "ca_ag" not in sources and "\x1b" not in out


def test_health_problems_are_escaped_in_html_and_carried_in_json() -> None:
    html = render_html(health_digest())
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    tree = lxml.html.document_fromstring(html)
    problems = [d.text_content() for d in tree.get_element_by_id("sources").find_class("problem")]
    assert problems[0].startswith("dates missing: 8 of 10 listing rows had no date")
    data = json.loads(render_json(health_digest()))
    [il] = [s for s in data["sources"] if s["source"] == "il_ag"]
    assert [(p["kind"], p["since"], p["cleared"]) for p in il["problems"]] == [
        ("undated", "2024-09-20T13:00:00Z", None),
        ("blocked", "2024-09-20T13:00:00Z", "2024-09-20T17:00:00Z"),
    ]
    assert "\\<img src=x onerror=alert\\(1\\)\\>" in render_markdown(health_digest())


# --- baselines and per-thread counts ------------------------------------------------------


def baseline_digest(*, complete: bool = True) -> Digest:
    return Digest(
        since=SINCE,
        until=UNTIL,
        timezone="America/New_York",
        sources=(
            SourceReport(
                "ice",
                "U.S. Immigration and Customs Enforcement",
                "ok",
                None,
                1,
                0,
                0,
                baseline=Baseline(runs=1, releases=14, complete=complete),
            ),
            SourceReport("ca_ag", "California Attorney General", "ok", None, 24, 3, 1),
        ),
    )


BASELINE_LINE = "ice: baseline, 14 releases stored as history"


@pytest.mark.parametrize("name", ["text", "markdown", "html"])
def test_a_baselined_source_is_named_and_the_day_is_not_empty(name: str) -> None:
    out = RENDERERS[name](baseline_digest())
    assert "Sources baselined" in out and BASELINE_LINE in out
    assert "1 source baselined" in re.sub(r"<[^>]+>", "", out)
    assert "No changes" not in out and "not complete yet" not in out
    assert "Sources that need attention" not in out and "California" not in out


def test_an_incomplete_baseline_says_so() -> None:
    out = render_text(baseline_digest(complete=False))
    assert "not complete yet: news starts after a crawl reads the whole listing window" in out


def test_baselines_in_json_and_atom() -> None:
    data = json.loads(render_json(baseline_digest()))
    assert [s["baseline"] for s in data["sources"]] == [
        {"runs": 1, "releases": 14, "complete": True},
        None,
    ]
    feed = feedparser.parse(render_atom(baseline_digest()))
    assert feed.bozo == 0 and len(feed.entries) == 1
    assert feed.entries[0].summary == "1 source baselined"
    assert BASELINE_LINE in feed.entries[0].content[0].value


def test_each_thread_says_what_joined_was_suggested_edited_or_removed() -> None:
    out = render_text(make_digest())
    threads = out[out.index("Thread updates") : out.index("New releases")]
    assert "Sanctuary detainers <b>fight</b>\n\n1 joined · 1 suggested\n" in threads
    tree = lxml.html.document_fromstring(render_html(make_digest()))
    heading = tree.get_element_by_id("thread-7")
    assert heading.getnext().text_content() == "1 joined · 1 suggested"
    data = json.loads(render_json(make_digest()))
    assert [u["counts"] for u in data["thread_updates"]] == [
        {"joined": 1, "suggested": 1},
        {"joined": 1},
    ]
