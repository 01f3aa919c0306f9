"""Crawl benchmark: the project against a bare Scrapy spider on a synthetic newsroom.

    python bench/crawl.py [--releases 2000] [--concurrency 4]

Serves a synthetic newsroom (ICE markup) on 127.0.0.1, crawls it twice with ``monitor crawl``
(politeness delay off, a fresh SQLite database) and once with a bare Scrapy spider that parses
the same pages and stores nothing. Each crawl runs in its own process (Twisted's reactor starts
once per process); times are measured inside those processes, so interpreter start-up is left
out of all three alike.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from newsroom import Newsroom, serve

ROOT = Path(__file__).resolve().parent.parent


def project_crawl(config: Path) -> dict[str, object]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "monitor",
            "--config",
            str(config),
            "crawl",
            "ice",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if not out.stdout.strip():
        raise SystemExit(f"monitor crawl failed:\n{out.stderr}")
    summary: dict[str, object] = json.loads(out.stdout)[0]
    return summary


def versions(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute("SELECT count(*) FROM versions").fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--releases", type=int, default=2000)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=4,
        help="requests in flight, the same for both (default 4)",
    )
    args = parser.parse_args()
    room = Newsroom(args.releases)
    with tempfile.TemporaryDirectory() as tmp, serve(room) as root:
        db = Path(tmp) / "bench.db"
        config = Path(tmp) / "monitor.toml"
        config.write_text(
            f'[database]\nurl = "sqlite:///{db}"\n\n[crawl]\ndownload_delay = 0\n'
            f"max_pages = {room.listing_pages + 1}\nconcurrent_requests = {args.concurrency}\n\n"
            f'[sources.ice]\nstart_urls = ["{root}/newsroom"]\n'
        )
        pages = room.count + room.listing_pages
        print(
            f"synthetic newsroom: {room.count} releases on {room.listing_pages} listing pages, "
            f"concurrency {args.concurrency}, no delay"
        )

        bare = subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "bare_spider.py"),
                f"{root}/newsroom",
                str(args.concurrency),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        bare_pages, bare_seconds = int(bare[0]), float(bare[1])
        bare_rate = bare_pages / bare_seconds
        print(
            f"bare Scrapy spider : {bare_pages} pages in {bare_seconds:6.2f} s = "
            f"{bare_rate:7.1f} pages/s"
        )

        room.bytes_sent = 0
        first = project_crawl(config)
        first_bytes = room.bytes_sent
        first_rate = float(first["pages"]) / float(first["seconds"])  # type: ignore[arg-type]
        print(
            f"project, 1st crawl : {first['pages']} pages in {first['seconds']:6.2f} s = "
            f"{first_rate:7.1f} pages/s  -> {first_rate / bare_rate:.2f} of bare (goal >= 0.7); "
            f"{first['new']} new, {versions(db)} versions"
        )

        before = versions(db)
        room.bytes_sent = 0
        second = project_crawl(config)
        second_rate = float(second["pages"]) / float(second["seconds"])  # type: ignore[arg-type]
        written = versions(db) - before
        print(
            f"project, 2nd crawl : {second['pages']} pages in {second['seconds']:6.2f} s = "
            f"{second_rate:7.1f} pages/s  -> versions written: {written} (goal 0); time "
            f"{float(second['seconds']) / float(first['seconds']):.2f}x the 1st crawl; "  # type: ignore[arg-type]
            f"{room.bytes_sent / first_bytes:.0%} of its bytes"
        )
        if first["pages"] != pages or first["status"] != "ok":
            raise SystemExit(f"unexpected first crawl: {first}")


if __name__ == "__main__":
    main()
