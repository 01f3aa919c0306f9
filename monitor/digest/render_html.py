"""The digest as one self-contained HTML page, and HTML fragments for Atom entries.

Jinja2 renders ``templates/digest.html`` with autoescaping on; the only markup that reaches it
from Python is :func:`monitor.diff.render_html` output, which escapes scraped text itself.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

import jinja2
from markupsafe import Markup

from monitor.diff import Chunk, FieldDiff
from monitor.diff import render_html as diff_html

from .model import Digest, Edit, ReleaseRef, Removal, SourceReport, ThreadItem
from .present import (
    FIELD_LABELS,
    SECTION_TITLES,
    attention,
    baseline_line,
    baseline_note,
    changed_diffs,
    clean,
    counts,
    day,
    empty_message,
    moment,
    one_line,
    period,
    problem_lines,
    runs_line,
    safe_url,
    shorten_diff,
    thread_counts,
    zone,
)


def render_html(digest: Digest) -> str:
    """The digest as a complete HTML page: inline CSS, no external resources."""
    return (
        _environment()
        .get_template("digest.html")
        .render(
            digest=digest,
            tz=zone(digest),
            period=period(digest),
            counts=counts(digest),
            empty_message=empty_message(digest),
            troubled=attention(digest),
            titles=SECTION_TITLES,
        )
    )


def thread_item_html(item: ThreadItem) -> str:
    return str(_parts().thread_item(item))


def new_item_html(ref: ReleaseRef, tz: dt.tzinfo) -> str:
    return str(_parts().new_item(ref, tz))


def edit_html(edit: Edit, tz: dt.tzinfo) -> str:
    return str(_parts().edit_item(edit, tz))


def removal_html(removal: Removal, tz: dt.tzinfo) -> str:
    return str(_parts().removal_item(removal, tz))


def source_html(report: SourceReport) -> str:
    return str(_parts().source_item(report))


def baseline_html(report: SourceReport) -> str:
    return str(_parts().baseline_item(report))


def _parts() -> Any:
    return _environment().get_template("parts.html").module


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("monitor.digest", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.filters.update(
        safe_url=safe_url,
        one_line=one_line,
        day=day,
        moment=moment,
        problem_lines=problem_lines,
        runs_line=runs_line,
        baseline_line=baseline_line,
        baseline_note=baseline_note,
        thread_counts=thread_counts,
        changed_diffs=changed_diffs,
        field_label=lambda name: FIELD_LABELS.get(name, name),
        diff_html=_diff_markup,
        paragraphs=_paragraphs,
        word_count=_word_count,
    )
    return env


def _finalize(value: object) -> object:
    """Every plain string printed by a template loses its control characters."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return clean(value)
    return value


def _diff_markup(diff: FieldDiff) -> Markup:
    cleaned = tuple(Chunk(c.op, clean(c.text)) for c in diff.chunks)
    shortened = shorten_diff(FieldDiff(diff.field, diff.old, diff.new, cleaned))
    return Markup(diff_html(shortened))  # noqa: S704 - render_html escapes every chunk


def _paragraphs(text: str) -> list[str]:
    return [one_line(p) for p in re.split(r"\n\s*\n", clean(text)) if p.strip()]


def _word_count(text: str) -> str:
    n = len(text.split())
    return f"{n:,} word" + ("" if n == 1 else "s")
