"""Digest benchmark: one day's digest out of a store of 1,000,000 versions, on SQLite.

    python bench/digest.py [--versions 1000000] [--repeat 5]

Fills a SQLite store (releases with four versions each over two years, their events and crawl
runs), then builds the digest of one day in the middle, as data and rendered as JSON and HTML.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from monitor.db import open_database, transaction
from monitor.digest.build import build_digest, day_period
from monitor.digest.render import RENDERERS
from monitor.models import (
    CrawlRun,
    Event,
    EventKind,
    Release,
    ReleaseStatus,
    RunStatus,
    Source,
    Version,
)
from monitor.settings import DIGEST_SETTINGS, HEALTH_SETTINGS

SETTINGS = {s.name: s.default for s in DIGEST_SETTINGS}
HEALTH = {s.name: s.default for s in HEALTH_SETTINGS}
SOURCES = ("dhs", "ice", "ca_ag", "il_ag", "ny_ag")
START = dt.datetime(2025, 1, 1, 12)
DAYS = 730
VERSIONS_PER_RELEASE = 4
WORDS = (
    "detainer county jail release agency officers federal court order statement public "
    "safety community investigation charges national immigration attorney general state "
    "law policy request notice program review data report lawsuit settlement"
).split()


def text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def fill(url: str, versions: int) -> None:
    rng = random.Random(5)
    engine, sessions = open_database(url)
    with transaction(sessions) as session:
        session.execute(
            insert(Source),
            [
                {"id": i + 1, "key": key, "name": key, "kind": "builtin", "enabled": True}
                for i, key in enumerate(SOURCES)
            ],
        )
        session.execute(
            insert(CrawlRun),
            [
                {
                    "id": d * 5 + i + 1,
                    "source_id": i + 1,
                    "trigger": "schedule",
                    "started_at": START + dt.timedelta(days=d),
                    "status": RunStatus.OK,
                    "pages": 40,
                    "listing_pages": 3,
                    "new": 2,
                    "edited": 5,
                    "unchanged": 30,
                    "removed": 0,
                    "restored": 0,
                    "errors": 0,
                    "finished_at": START + dt.timedelta(days=d, minutes=2),
                }
                for d in range(DAYS)
                for i in range(len(SOURCES))
            ],
        )
    releases = versions // VERSIONS_PER_RELEASE
    event_id = version_id = 0
    for chunk in range(0, releases, 5000):
        rows, version_rows, events = [], [], []
        for n in range(chunk, min(chunk + 5000, releases)):
            first = START + dt.timedelta(minutes=n * DAYS * 24 * 60 // releases)
            source = n % len(SOURCES) + 1
            title, body = text(rng, 10), text(rng, 45)
            rows.append(
                {
                    "id": n + 1,
                    "source_id": source,
                    "url": f"http://bench/{n}",
                    "status": ReleaseStatus.ACTIVE,
                    "first_seen": first,
                    "last_seen": first,
                    "last_checked": first,
                    "version_count": VERSIONS_PER_RELEASE,
                    "title": title,
                    "published": first.date(),
                    "content_hash": "x",
                }
            )
            for number in range(1, VERSIONS_PER_RELEASE + 1):
                version_id += 1
                event_id += 1
                at = first + dt.timedelta(days=(number - 1) * rng.randint(1, 40))
                body = body + " " + text(rng, 3) if number > 1 else body
                version_rows.append(
                    {
                        "id": version_id,
                        "release_id": n + 1,
                        "number": number,
                        "fetched_at": at,
                        "title": title,
                        "published": first.date(),
                        "body": body,
                        "content_hash": "x",
                        "changed": "" if number == 1 else "body",
                        "raw_html": b"",
                    }
                )
                events.append(
                    {
                        "id": event_id,
                        "at": at,
                        "release_id": n + 1,
                        "version_id": version_id,
                        "kind": EventKind.NEW if number == 1 else EventKind.EDITED,
                        "fields": "" if number == 1 else "body",
                        "run_id": ((at - START).days % DAYS) * 5 + source,
                    }
                )
        with transaction(sessions) as session:
            session.execute(insert(Release), rows)
            session.execute(insert(Version), version_rows)
            session.execute(insert(Event), events)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--versions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'digest.db'}"
        began = time.perf_counter()
        fill(url, args.versions)
        size = (Path(tmp) / "digest.db").stat().st_size / 1e6
        print(
            f"store: {args.versions} versions of {args.versions // VERSIONS_PER_RELEASE} "
            f"releases over {DAYS} days, {size:.0f} MB (filled in "
            f"{time.perf_counter() - began:.0f} s)"
        )
        engine, sessions = open_database(url)
        since, until = day_period(
            (START + dt.timedelta(days=DAYS // 2)).date(), SETTINGS["timezone"]
        )
        times, json_times, html_times = [], [], []
        for _ in range(args.repeat):
            with sessions() as session:
                began = time.perf_counter()
                digest = build_digest(
                    session,
                    since=since,
                    until=until,
                    settings=SETTINGS,
                    health=HEALTH,
                    sources=SOURCES,
                )
                times.append(time.perf_counter() - began)
            began = time.perf_counter()
            RENDERERS["json"](digest)
            json_times.append(time.perf_counter() - began)
            began = time.perf_counter()
            RENDERERS["html"](digest)
            html_times.append(time.perf_counter() - began)
        engine.dispose()
    print(
        f"digest of {since:%Y-%m-%d}: {len(digest.new)} new, {len(digest.edited)} edited, "
        f"{len(digest.sources)} sources"
    )
    print(
        f"build (queries and word diffs): {statistics.median(times) * 1000:7.1f} ms median "
        f"of {args.repeat} (goal < 500 ms)"
    )
    print(
        f"render JSON: {statistics.median(json_times) * 1000:7.1f} ms, render HTML: "
        f"{statistics.median(html_times) * 1000:7.1f} ms"
    )


if __name__ == "__main__":
    main()
