"""Thread-matching benchmark: one new release against 50 threads in a store of 100,000 releases.

    python bench/match.py [--releases 100000] [--threads 50] [--samples 200]

Fills a SQLite store with synthetic releases (50 threads, each with members spread over a
year), loads the matcher once, then times matching single new releases (median of --samples),
and the same work with difflib.SequenceMatcher as the scorer, on the same candidates.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import itertools
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from monitor.db import open_database, transaction
from monitor.matching import MatchText, ThreadProfile, match_text
from monitor.models import (
    MemberMethod,
    MemberState,
    Release,
    ReleaseStatus,
    Source,
    Thread,
    ThreadMember,
    ThreadStatus,
    Version,
)
from monitor.settings import THREAD_SETTINGS
from monitor.threads import Matcher

SETTINGS = {s.name: s.default for s in THREAD_SETTINGS}
START = dt.date(2025, 1, 1)


class Corpus:
    def __init__(self, seed: int = 11) -> None:
        self.rng = random.Random(seed)
        # Zipf's law over a news-sized vocabulary: a few words everywhere, most of them rare
        self.vocabulary = [f"w{n}" for n in range(20000)]
        self.cumulative = list(itertools.accumulate(1 / (n + 1) for n in range(20000)))
        self.topics = [[f"topic{t}x{k}" for k in range(12)] for t in range(200)]

    def words(self, n: int, topic: int | None) -> list[str]:
        words = self.rng.choices(self.vocabulary, cum_weights=self.cumulative, k=n)
        if topic is not None:
            for i in self.rng.sample(range(n), k=min(n, 6)):
                words[i] = self.rng.choice(self.topics[topic])
        return words

    def release(self, topic: int | None) -> tuple[str, str]:
        title = " ".join(self.words(11, topic)).capitalize()
        body = "\n\n".join(" ".join(self.words(70, topic)) + "." for _ in range(4))
        return title, body


def fill(url: str, releases: int, threads: int) -> None:
    corpus = Corpus()
    engine, sessions = open_database(url)
    with transaction(sessions) as session:
        source = Source(key="bench", name="Bench newsroom", kind="builtin", enabled=True)
        session.add(source)
        session.flush()
        source_id = source.id
    now = dt.datetime(2026, 1, 1)
    members: dict[int, list[int]] = {t: [] for t in range(threads)}
    for chunk in range(0, releases, 5000):
        rows, versions = [], []
        for n in range(chunk, min(chunk + 5000, releases)):
            topic = n % 400 if n % 400 < threads and n % 7 == 0 else None
            title, body = corpus.release(topic)
            published = START + dt.timedelta(days=n * 365 // releases)
            rows.append(
                {
                    "id": n + 1,
                    "source_id": source_id,
                    "url": f"http://bench/{n}",
                    "status": ReleaseStatus.ACTIVE,
                    "first_seen": now,
                    "last_seen": now,
                    "last_checked": now,
                    "version_count": 1,
                    "title": title,
                    "published": published,
                    "content_hash": f"{n:064d}",
                }
            )
            versions.append(
                {
                    "release_id": n + 1,
                    "number": 1,
                    "fetched_at": now,
                    "title": title,
                    "published": published,
                    "body": body,
                    "content_hash": f"{n:064d}",
                    "changed": "",
                    "raw_html": b"",
                }
            )
            if topic is not None and len(members[topic]) < 40:
                members[topic].append(n + 1)
        with transaction(sessions) as session:
            session.execute(insert(Release), rows)
            session.execute(insert(Version), versions)
    with transaction(sessions) as session:
        for t in range(threads):
            thread = Thread(
                name=f"Thread {t}",
                keywords=f"topic{t}x0\ntopic{t}x1",
                status=ThreadStatus.OPEN,
                created_at=now,
            )
            session.add(thread)
            session.flush()
            session.execute(
                insert(ThreadMember),
                [
                    {
                        "thread_id": thread.id,
                        "release_id": rid,
                        "method": MemberMethod.SEED,
                        "state": MemberState.CONFIRMED,
                        "reason": "",
                        "joined_at": now,
                    }
                    for rid in members[t]
                ],
            )
    engine.dispose()


def difflib_candidates(matcher: Matcher, release: MatchText) -> list[tuple[int, float]]:
    """The same task done plainly: every thread, its name and every member in the window,
    titles and leads compared with difflib.SequenceMatcher."""
    window = matcher.index.window
    found = []
    for profile in matcher.index.profiles.values():
        members = [
            m
            for m in profile.members
            if m.published is None
            or release.published is None
            or abs(m.published - release.published) <= window
        ]
        found.append((profile.id, difflib_score(profile, members, release)))
    return found


def difflib_score(profile: ThreadProfile, members: list[MatchText], release: MatchText) -> float:
    ratio = difflib.SequenceMatcher
    titles = [profile.name_key] + [m.key for m in members]
    title = max(ratio(None, release.key, t).ratio() for t in titles) * 100
    keywords = sum(k.lower() in release.lead for k in profile.keywords)
    text = max((ratio(None, release.lead, m.lead).ratio() * 100 for m in members), default=0.0)
    return 0.4 * title + 0.25 * min(100.0, 50.0 * keywords) + 0.35 * text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'match.db'}"
        began = time.perf_counter()
        fill(url, args.releases, args.threads)
        print(
            f"store: {args.releases} releases, {args.threads} threads "
            f"(filled in {time.perf_counter() - began:.1f} s)"
        )
        engine, sessions = open_database(url)
        with sessions() as session:
            began = time.perf_counter()
            matcher = Matcher(session, SETTINGS)
            loaded = time.perf_counter() - began
        members = len(matcher.index.members)
        print(
            f"matcher loaded once per crawl: {loaded * 1000:.0f} ms ({members} thread members, "
            f"word rarity from {matcher.index.rarity.documents} recent releases)"
        )
        corpus = Corpus(seed=99)
        candidates = []
        for n in range(args.samples):
            title, body = corpus.release(n % args.threads if n % 2 else None)
            candidates.append(
                match_text(10**9 + n, title, body, START + dt.timedelta(days=n % 365))
            )
        ours, baseline = [], []
        for candidate in candidates:
            began = time.perf_counter()
            matcher.candidates(candidate)
            ours.append(time.perf_counter() - began)
            began = time.perf_counter()
            difflib_candidates(matcher, candidate)
            baseline.append(time.perf_counter() - began)
        engine.dispose()
    mine, theirs = statistics.median(ours) * 1000, statistics.median(baseline) * 1000
    print(
        f"match one release, rapidfuzz (project): {mine:8.2f} ms median of {args.samples}"
        " (goal < 20 ms)"
    )
    print(f"match one release, difflib baseline   : {theirs:8.2f} ms median")
    print(f"speed-up: {theirs / mine:.0f}x (goal >= 50x)")


if __name__ == "__main__":
    main()
