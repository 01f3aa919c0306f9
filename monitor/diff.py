"""Word-level diffs of two versions of a release, as data, as text and as escaped HTML."""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass
from typing import Literal

from monitor.models import Version

Op = Literal["equal", "insert", "delete"]
_TOKENS = re.compile(r"\n\n|\S+")


@dataclass(frozen=True)
class Chunk:
    op: Op
    text: str


@dataclass(frozen=True)
class FieldDiff:
    field: str
    old: str
    new: str
    chunks: tuple[Chunk, ...]

    @property
    def changed(self) -> bool:
        return any(c.op != "equal" for c in self.chunks)


def word_diff(old: str, new: str) -> tuple[Chunk, ...]:
    """Chunks of equal, deleted and inserted words; paragraph breaks are tokens too."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    chunks: list[Chunk] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("delete", "replace"):
            chunks.append(Chunk("delete", _join(a[i1:i2])))
        if tag in ("insert", "replace"):
            chunks.append(Chunk("insert", _join(b[j1:j2])))
        if tag == "equal":
            chunks.append(Chunk("equal", _join(a[i1:i2])))
    return tuple(chunks)


def _join(tokens: list[str]) -> str:
    return re.sub(r" ?\n\n ?", "\n\n", " ".join(tokens))


def version_diff(old: Version, new: Version) -> list[FieldDiff]:
    """Diffs of title, published date and body between two versions."""
    pairs = (
        ("title", old.title, new.title),
        ("published", _date(old), _date(new)),
        ("body", old.body, new.body),
    )
    return [FieldDiff(name, a, b, word_diff(a, b)) for name, a, b in pairs]


def _date(version: Version) -> str:
    return version.published.isoformat() if version.published else "(no date)"


def render_text(diffs: list[FieldDiff], *, context: int | None = 12, color: bool = False) -> str:
    """``[-deleted-]{+inserted+}`` markup (git's word-diff style); long equal runs shortened."""
    out: list[str] = []
    for diff in diffs:
        if not diff.changed:
            out.append(f"{diff.field}: unchanged")
            continue
        parts = []
        for chunk in diff.chunks:
            if chunk.op == "equal":
                parts.append(_elide(chunk.text, context))
            elif chunk.op == "delete":
                parts.append(_paint(f"[-{chunk.text}-]", "31", color))
            else:
                parts.append(_paint(f"{{+{chunk.text}+}}", "32", color))
        joined = " ".join(p for p in parts if p)
        out.append(f"{diff.field}:\n" + re.sub(r" *\n\n *", "\n\n", joined))
    return "\n\n".join(out)


def render_html(diff: FieldDiff) -> str:
    """Escaped HTML with ``<del>`` and ``<ins>``; scraped text never reaches it as markup."""
    parts = []
    for chunk in diff.chunks:
        text = html.escape(chunk.text).replace("\n\n", "<br><br>")
        if chunk.op == "equal":
            parts.append(text)
        else:
            tag = "del" if chunk.op == "delete" else "ins"
            parts.append(f"<{tag}>{text}</{tag}>")
    return " ".join(parts)


def _elide(text: str, context: int | None) -> str:
    words = text.split(" ")
    if context is None or len(words) <= 2 * context:
        return text
    return " ".join([*words[:context], "…", *words[-context:]])


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text
