"""The digest as plain text for a terminal and as GitHub-flavoured Markdown.

Both walk the digest the same way (:func:`_render`); a writer decides the syntax. Scraped text
reaches a terminal without control characters, and Markdown with every character that could make
markup, a link or HTML escaped.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from urllib.parse import quote

from monitor.diff import Chunk, FieldDiff
from monitor.diff import render_text as diff_text

from .model import Digest, ReleaseRef
from .present import (
    FIELD_LABELS,
    SECTION_TITLES,
    attention,
    baseline_line,
    baseline_note,
    changed_diffs,
    clean,
    day,
    empty_message,
    moment,
    one_line,
    period,
    problem_lines,
    runs_line,
    safe_url,
    shorten,
    shorten_diff,
    summary_line,
    thread_counts,
    zone,
)

WIDTH = 88


class _Plain:
    """Plain text: underlined headings, ``*`` items, indented blocks wrapped at :data:`WIDTH`."""

    def esc(self, text: str) -> str:
        return one_line(text)

    def title(self, text: str) -> list[str]:
        return [text, "=" * len(text)]

    def heading(self, text: str) -> list[str]:
        return ["", "", text, "-" * len(text)]

    def subheading(self, text: str) -> list[str]:
        return ["", text]

    def lines(self, lines: list[str]) -> list[str]:
        return lines

    def release(self, ref: ReleaseRef, badge: str | None = None) -> tuple[str, list[str]]:
        """The item's first line (title) and the lines under it (URL)."""
        prefix = f"[{badge}] " if badge else ""
        return prefix + (self.esc(ref.title) or "(untitled)"), [self.esc(ref.url)]

    def item(self, first: str, rest: list[str], blocks: list[tuple[str, str]]) -> list[str]:
        out = [f"  * {first}", *(f"    {line}" for line in rest if line)]
        for label, text in blocks:
            out += ["", f"    {label}:", *self.block(text, indent=6)]
        return out

    def block(self, text: str, *, indent: int) -> list[str]:
        out: list[str] = []
        for paragraph in clean(text).split("\n\n"):
            if out:
                out.append("")
            out += textwrap.wrap(
                paragraph,
                WIDTH,
                initial_indent=" " * indent,
                subsequent_indent=" " * indent,
                break_long_words=False,
                break_on_hyphens=False,
            ) or [""]
        return out

    def quote(self, text: str) -> str:
        """Scraped multi-line text made ready for :meth:`item`'s blocks."""
        return clean(text)

    def diff(self, diff: FieldDiff) -> str:
        return _diff_body(shorten_diff(diff))


class _Markdown(_Plain):
    """GitHub-flavoured Markdown; scraped text is escaped so it stays text."""

    def esc(self, text: str) -> str:
        return _quote_lines(escape_markdown(one_line(text)))[0]

    def title(self, text: str) -> list[str]:
        return [f"# {text}"]

    def heading(self, text: str) -> list[str]:
        return ["", f"## {text}"]

    def subheading(self, text: str) -> list[str]:
        return ["", f"### {text}"]

    def lines(self, lines: list[str]) -> list[str]:
        return [line + "\\" for line in lines[:-1]] + lines[-1:]

    def release(self, ref: ReleaseRef, badge: str | None = None) -> tuple[str, list[str]]:
        prefix = f"**{badge}** · " if badge else ""
        title = self.esc(ref.title) or "(untitled)"
        url = safe_url(ref.url)
        if url is None:
            return prefix + title, [f"{self.esc(ref.url)} (not a web link)"]
        return f"{prefix}[{title}]({_markdown_url(url)})", []

    def item(self, first: str, rest: list[str], blocks: list[tuple[str, str]]) -> list[str]:
        lines = self.lines([first, *(line for line in rest if line)])
        out = [f"- {lines[0]}", *(f"  {line}" for line in lines[1:])]
        for label, text in blocks:
            out += ["", f"  **{label}**", ""]
            out += [f"  > {line}".rstrip() for line in _quote_lines(text)]
        return out

    def quote(self, text: str) -> str:
        return escape_markdown(clean(text))

    def diff(self, diff: FieldDiff) -> str:
        escaped = tuple(Chunk(c.op, escape_markdown(clean(c.text))) for c in diff.chunks)
        return _diff_body(shorten_diff(FieldDiff(diff.field, diff.old, diff.new, escaped)))


def render_text(digest: Digest) -> str:
    """The digest for a terminal or the plain-text part of an e-mail (no colour codes)."""
    return _render(digest, _Plain())


def render_markdown(digest: Digest) -> str:
    """The digest as GitHub-flavoured Markdown."""
    return _render(digest, _Markdown())


def _render(digest: Digest, w: _Plain) -> str:
    tz = zone(digest)
    out = [*w.title(digest.title), ""]
    if digest.is_empty:
        return "\n".join([*out, period(digest), "", empty_message(digest)])
    out += w.lines([period(digest), summary_line(digest)])

    if digest.thread_updates:
        out += w.heading(SECTION_TITLES["threads"])
        for update in digest.thread_updates:
            out += [*w.subheading(w.esc(update.thread_name) or "(unnamed thread)"), ""]
            out += [thread_counts(update), ""]
            for item in update.items:
                first, rest = w.release(item.release, item.change)
                meta = f"{w.esc(item.release.agency)} · {day(item.release.published)}"
                out += w.item(first, [meta, *rest, f"Why: {w.esc(item.reason)}"], [])

    if digest.new:
        out += w.heading(f"{SECTION_TITLES['new']} ({len(digest.new)})")
        for agency, releases in digest.new_by_agency():
            out += [*w.subheading(w.esc(agency) or "(unknown agency)"), ""]
            for ref in releases:
                first, rest = w.release(ref)
                out += w.item(first, [_seen(ref, tz), *rest], [])

    if digest.edited:
        out += w.heading(f"{SECTION_TITLES['edited']} ({len(digest.edited)})")
        for edit in digest.edited:
            first, rest = w.release(edit.release)
            edited = f"version {edit.version}, edited {moment(edit.at, tz)}"
            meta = f"{w.esc(edit.release.agency)} · {edited}"
            blocks = [(FIELD_LABELS.get(d.field, d.field), w.diff(d)) for d in changed_diffs(edit)]
            out += ["", *w.item(first, [meta, *rest], blocks)]

    if digest.removed:
        out += w.heading(f"{SECTION_TITLES['removed']} ({len(digest.removed)})")
        for removal in digest.removed:
            first, rest = w.release(removal.release)
            dates = f"published {day(removal.release.published)} · removed {moment(removal.at, tz)}"
            meta = f"{w.esc(removal.release.agency)} · {dates}"
            last = w.quote(shorten(removal.last_text) or "(no text was kept)")
            out += ["", *w.item(first, [meta, *rest], [("Last text kept", last)])]

    if baselined := digest.baselined:
        out += [*w.heading(f"{SECTION_TITLES['baselines']} ({len(baselined)})"), ""]
        for report in baselined:
            lines = [w.esc(report.agency), baseline_note(report)]
            out += w.item(w.esc(baseline_line(report)), lines, [])

    if troubled := attention(digest):
        out += [*w.heading(f"{SECTION_TITLES['sources']} ({len(troubled)})"), ""]
        for report in troubled:
            first = f"{w.esc(report.agency)} ({w.esc(report.source)}): {report.status}"
            lines = [w.esc(line) for line in problem_lines(report)]
            out += w.item(first, [*lines, runs_line(report)], [])
    return "\n".join(out)


def _seen(ref: ReleaseRef, tz: dt.tzinfo) -> str:
    return f"published {day(ref.published)} · first seen {moment(ref.first_seen, tz)}"


def _diff_body(diff: FieldDiff) -> str:
    """``[-old-] {+new+}`` text of one field, without the ``field:`` line ``render_text`` adds."""
    return diff_text([diff], context=None).partition("\n")[2]


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\](){}<>#|~&!])")
_LINE_START = re.compile(r"^([-+=])|^(\d+)([.)])")


def escape_markdown(text: str) -> str:
    """Text that GitHub-flavoured Markdown shows as typed: no emphasis, link, HTML or code."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _quote_lines(text: str) -> list[str]:
    """Escaped text as lines whose start cannot be read as a list item or a heading underline."""
    return [_LINE_START.sub(_escape_line_start, line.strip()) for line in text.split("\n")]


def _escape_line_start(match: re.Match[str]) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    return match.group(2) + "\\" + match.group(3)


def _markdown_url(url: str) -> str:
    """A link destination that cannot end the link early or open another."""
    return quote(url, safe="!#$%&*+,-./:;=?@[]_~'")
