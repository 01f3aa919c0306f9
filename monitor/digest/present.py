"""Wording and safety rules shared by every digest format.

The renderers differ in syntax only: what a period, a source problem or an empty digest is called,
how times are shown, which links may be followed and which characters scraped text may keep are
decided here once.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.diff import Chunk, FieldDiff

from .model import Digest, Edit, SourceReport, ThreadUpdate

SECTION_TITLES = {
    "threads": "Thread updates",
    "new": "New releases",
    "edited": "Edited releases",
    "removed": "Removed releases",
    "baselines": "Sources baselined",
    "sources": "Sources that need attention",
}
FIELD_LABELS = {"title": "Title", "published": "Date", "body": "Text"}
DIFF_CONTEXT = 12  # unchanged words kept on each side of a change in shortened diffs
LAST_TEXT_LIMIT = 600  # characters of a removed release's last text in text and Markdown

# C0 and C1 controls (tab and newline excepted), lone surrogates and XML's non-characters:
# terminal escape sequences in scraped text must not reach a terminal, nor junk an XML feed.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """Scraped text without control characters; CR becomes a newline."""
    return _UNPRINTABLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def one_line(text: str) -> str:
    """Scraped text for a single line: cleaned, runs of whitespace made one space."""
    return _SPACES.sub(" ", clean(text)).strip()


def safe_url(url: str) -> str | None:
    """The URL if it is an absolute http(s) link, else None (render it as text)."""
    url = clean(url).strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(c.isspace() for c in url):
        return None
    return url


def zone(digest: Digest) -> dt.tzinfo:
    """The digest's time zone; the zone of ``since`` if the name is unknown."""
    try:
        return ZoneInfo(digest.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return digest.since.tzinfo or dt.UTC


def day(date: dt.date | None) -> str:
    return f"{date:%b %-d, %Y}" if date else "no date"


def moment(time: dt.datetime, tz: dt.tzinfo) -> str:
    """``Sep 20, 14:05`` in the digest's zone."""
    return f"{time.astimezone(tz):%b %-d, %H:%M}"


def period(digest: Digest) -> str:
    """``Sep 20, 2024 00:00 – Sep 21, 2024 00:00 EDT``."""
    tz = zone(digest)
    since, until = digest.since.astimezone(tz), digest.until.astimezone(tz)
    return f"{since:%b %-d, %Y %H:%M} – {until:%b %-d, %Y %H:%M %Z}"


def empty_message(digest: Digest) -> str:
    tz = zone(digest)
    since, until = digest.since.astimezone(tz), digest.until.astimezone(tz)
    if since.date() == until.date():
        between = f"{since:%H:%M} and {until:%H:%M} on {since:%b %-d}"
    else:
        between = f"{since:%b %-d} and {until:%b %-d}"
    return (
        f"No changes between {between}: no new, edited or removed releases, "
        "and every source was crawled without trouble."
    )


def attention(digest: Digest) -> list[SourceReport]:
    return [s for s in digest.sources if s.needs_attention]


def counts(digest: Digest) -> list[tuple[str, int, str]]:
    """What the digest holds, as (section, number, noun) for a summary line; zeros left out."""
    triples = [
        ("threads", sum(len(u.items) for u in digest.thread_updates), "thread update"),
        ("new", len(digest.new), "new"),
        ("edited", len(digest.edited), "edited"),
        ("removed", len(digest.removed), "removed"),
        ("baselines", len(digest.baselined), "source baselined"),
        ("sources", len(attention(digest)), "source needs attention"),
    ]
    return [(key, n, _plural(n, noun)) for key, n, noun in triples if n]


def summary_line(digest: Digest) -> str:
    return " · ".join(f"{n} {noun}" for _, n, noun in counts(digest))


def _plural(n: int, noun: str) -> str:
    if n == 1 or noun in ("new", "edited", "removed"):
        return noun
    if noun == "source needs attention":
        return "sources need attention"
    if noun == "source baselined":
        return "sources baselined"
    return noun + "s"


def problem(report: SourceReport) -> str:
    """Why a source needs attention, in one line."""
    if report.status == "silent":
        if report.last_release is None:
            text = "no release seen yet"
        else:
            text = f"no new release since {day(report.last_release)}"
        if report.usual_gap_days:
            gap = round(report.usual_gap_days)
            text += " (usually every day)" if gap <= 1 else f" (usually every {gap} days)"
        return text
    if report.status == "no runs":
        text = "not crawled in this period"
        return f"{text}: {one_line(report.error)}" if report.error else text
    return one_line(report.error) if report.error else "no error message recorded"


def problem_lines(report: SourceReport) -> list[str]:
    """Why a source needs attention: its runs' verdict (unless ok), then each health problem
    open during the period, with since when (and when it cleared)."""
    lines = [] if report.status == "ok" else [problem(report)]
    for item in report.problems:
        if report.status == "silent" and item.kind == "silent":
            continue  # said once is enough
        when = f"since {item.opened_at:%b %-d, %H:%M} UTC"
        if item.cleared_at is not None:
            when += f", cleared {item.cleared_at:%b %-d, %H:%M} UTC"
        lines.append(f"{item.label}: {one_line(item.detail)} ({when})")
    return lines


def baseline_line(report: SourceReport) -> str:
    """``ice: baseline, 14 releases stored as history``."""
    n = report.baseline.releases if report.baseline else 0
    return (
        f"{one_line(report.source)}: baseline, {n} release{'' if n == 1 else 's'} stored as history"
    )


def baseline_note(report: SourceReport) -> str:
    """What an incomplete baseline still needs ("" once it is complete)."""
    if report.baseline is None or report.baseline.complete:
        return ""
    return "not complete yet: news starts after a crawl reads the whole listing window and ends ok"


def thread_counts(update: ThreadUpdate) -> str:
    """``2 joined · 1 suggested · 1 edited``."""
    return " · ".join(f"{n} {change}" for change, n in update.counts().items())


def runs_line(report: SourceReport) -> str:
    runs = f"{report.runs} run" + ("" if report.runs == 1 else "s")
    return f"{runs}, {report.new} new, {report.edited} edited"


def changed_diffs(edit: Edit) -> list[FieldDiff]:
    return [d for d in edit.diffs if d.changed]


def shorten_diff(diff: FieldDiff, context: int = DIFF_CONTEXT) -> FieldDiff:
    """The diff with long unchanged runs cut to ``context`` words either side of a change."""
    chunks = []
    last = len(diff.chunks) - 1
    for i, chunk in enumerate(diff.chunks):
        words = chunk.text.split(" ")
        if chunk.op != "equal" or len(words) <= 2 * context:
            chunks.append(chunk)
            continue
        head = words[:context] if i > 0 else []
        tail = words[-context:] if i < last else []
        chunks.append(Chunk("equal", " ".join([*head, "…", *tail])))
    return FieldDiff(diff.field, diff.old, diff.new, tuple(chunks))


def shorten(text: str, limit: int = LAST_TEXT_LIMIT) -> str:
    """At most about ``limit`` characters, cut at a word and marked with an ellipsis."""
    text = clean(text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if re.search(r"\s", cut):
        cut = cut.rsplit(maxsplit=1)[0]
    return cut.rstrip(" ,.;:") + " …"
