"""Proposing threads: clusters of recent unmatched releases from two or more agencies."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.matching import MatchText, Rarity, overlap, title_similarity
from monitor.models import MemberState, Release, ThreadMember, utcnow
from monitor.threads import release_texts

LINK_AT = 62.0  # pair similarity that puts two releases in one cluster
MAX_RELEASES = 1500  # the most recent unmatched releases looked at


@dataclass(frozen=True)
class Proposal:
    name: str
    keywords: tuple[str, ...]
    release_ids: tuple[int, ...]


def similarity(a: MatchText, b: MatchText, rarity: Rarity) -> float:
    return 0.5 * title_similarity(a.key, b.key) + 50.0 * overlap(a, b, rarity)


def suggest_threads(session: Session, *, days: int) -> list[Proposal]:
    """Clusters (single link) of similar releases, kept when two or more agencies are in them."""
    since = utcnow() - dt.timedelta(days=days)
    in_threads = select(ThreadMember.release_id).where(ThreadMember.state == MemberState.CONFIRMED)
    rows = session.execute(
        select(Release.id, Release.source_id)
        .where(Release.first_seen >= since, Release.id.not_in(in_threads))
        .order_by(Release.first_seen.desc())
        .limit(MAX_RELEASES)
    ).all()
    source_of = dict(rows)
    texts = list(release_texts(session, source_of).values())
    rarity = Rarity.of(t.words for t in texts)
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(texts):
        for j in range(i + 1, len(texts)):
            if similarity(a, texts[j], rarity) >= LINK_AT:
                parent[root(i)] = root(j)
    clusters: dict[int, list[MatchText]] = {}
    for i, text in enumerate(texts):
        clusters.setdefault(root(i), []).append(text)
    proposals = []
    for members in clusters.values():
        if len(members) < 2 or len({source_of[m.release_id] for m in members}) < 2:
            continue
        common = Counter(w for m in members for w in m.words)
        ranked = sorted(
            (w for w, n in common.items() if n >= 2),
            key=lambda w: (-common[w] * rarity.weight(w), w),
        )
        keywords = tuple(ranked[:3])
        name = " ".join(keywords).title() or members[0].title
        ids = tuple(sorted(m.release_id for m in members))
        proposals.append(Proposal(name, keywords, ids))
    return sorted(proposals, key=lambda p: -len(p.release_ids))
