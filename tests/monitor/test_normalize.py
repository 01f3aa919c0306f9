"""Canonical URLs and the folded form that decides what counts as a change."""

from __future__ import annotations

import datetime as dt

import pytest

from monitor.normalize import canonical_url, clean_text, content_hash, fold


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://WWW.DHS.gov/news/2025/09/20/x?utm_source=tw&utm_medium=s#top",
            "https://www.dhs.gov/news/2025/09/20/x",
        ),
        (
            "https://ag.ny.gov/press-releases?page=2&fbclid=abc",
            "https://ag.ny.gov/press-releases?page=2",
        ),
        ("http://127.0.0.1:80/a", "http://127.0.0.1/a"),
        ("https://oag.ca.gov", "https://oag.ca.gov/"),
        (
            "https://www.ice.gov/newsroom?page=1&gclid=z&keep=1",
            "https://www.ice.gov/newsroom?page=1&keep=1",
        ),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ICE’s “detainer” letters", 'ICE\'s "detainer" letters'),
        ("CHICAGO — Attorney", "CHICAGO - Attorney"),
        ("NEW YORK – Today", "NEW YORK -Today"),
        ("ﬁnal  text\u00a0here", "final text here"),
        ("soft\u00adhyphen and zero\u200bwidth", "softhyphen and zerowidth"),
        ("Body.\nLast Reviewed: 09/22/2025", "Body."),
        ("Body.\nPage last updated on October 1, 2025", "Body."),
    ],
)
def test_fold_ignores_noise(a, b):
    assert fold(a) == fold(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The state declined.", "The state agreed."),
        ("detainers", "detainer"),
        ("10 people", "100 people"),
    ],
)
def test_fold_keeps_real_changes(a, b):
    assert fold(a) != fold(b)


def test_hash_covers_title_date_and_body():
    base = content_hash("Title", dt.date(2025, 9, 20), "Body")
    assert base == content_hash("Title ", dt.date(2025, 9, 20), "Body\n")
    assert base != content_hash("Title", dt.date(2025, 9, 21), "Body")
    assert base != content_hash("Title", None, "Body")
    assert base != content_hash("TitleBody", dt.date(2025, 9, 20), "")


def test_clean_text_keeps_paragraphs():
    text = "  First   para\nstill first.\n\n\n\nSecond\u00a0para.\n\nLast reviewed: 01/01/2026"
    assert clean_text(text) == "First para still first.\n\nSecond para."
