"""Word-level diffs as text and as escaped HTML."""

from __future__ import annotations

from monitor.diff import FieldDiff, render_html, render_text, word_diff


def test_word_diff_marks_only_changed_words():
    chunks = word_diff("Illinois declined the request.", "Illinois rejected the request.")
    assert [(c.op, c.text) for c in chunks] == [
        ("equal", "Illinois"),
        ("delete", "declined"),
        ("insert", "rejected"),
        ("equal", "the request."),
    ]


def test_paragraph_breaks_survive():
    chunks = word_diff("One.\n\nTwo.", "One.\n\nTwo.\n\nThree.")
    assert chunks[-1].op == "insert" and "Three." in chunks[-1].text
    assert chunks[0].text == "One.\n\nTwo."


def test_text_rendering_shortens_long_equal_runs():
    old = " ".join(f"w{i}" for i in range(100))
    new = old.replace("w50", "CHANGED")
    text = render_text([FieldDiff("body", old, new, word_diff(old, new))], context=3)
    assert "[-w50-] {+CHANGED+}" in text
    assert "…" in text and "w20" not in text


def test_unchanged_field_says_so():
    assert render_text([FieldDiff("title", "A", "A", word_diff("A", "A"))]) == "title: unchanged"


def test_html_escapes_scraped_text():
    old, new = "Safe <b>text</b>", "Safe <script>alert(1)</script>"
    html = render_html(FieldDiff("title", old, new, word_diff(old, new)))
    assert "<script>" not in html
    assert "<ins>&lt;script&gt;alert(1)&lt;/script&gt;</ins>" in html
    assert "<del>&lt;b&gt;text&lt;/b&gt;</del>" in html
