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
from statistics import median

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
            "--log-file",
            str(config.with_suffix(".log")),
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


def bare_crawl(root: str, concurrency: int) -> tuple[int, float]:
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bare_spider.py"),
            f"{root}/newsroom",
            str(concurrency),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return int(out[0]), float(out[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--releases", type=int, default=2000)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=4,
        help="requests in flight, the same for both (default 4)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of (bare, 1st, 2nd); medians are reported (default 3)",
    )
    args = parser.parse_args()
    room = Newsroom(args.releases)
    pages = room.count + room.listing_pages
    print(
        f"synthetic newsroom: {room.count} releases on {room.listing_pages} listing pages, "
        f"concurrency {args.concurrency}, no delay, {args.rounds} rounds"
    )
    bare_rates, first_rates, second_ratios, written, byte_ratios = [], [], [], [], []
    with tempfile.TemporaryDirectory() as tmp, serve(room) as root:
        for round_ in range(args.rounds):
            db = Path(tmp) / f"bench{round_}.db"
            config = Path(tmp) / f"monitor{round_}.toml"
            config.write_text(
                f'[database]\nurl = "sqlite:///{db}"\n\n[crawl]\ndownload_delay = 0\n'
                f"max_pages = {room.listing_pages + 1}\n"
                f"concurrent_requests = {args.concurrency}\n\n"
                f'[sources.ice]\nstart_urls = ["{root}/newsroom"]\n'
            )
            bare_pages, bare_seconds = bare_crawl(root, args.concurrency)
            room.bytes_sent = 0
            first = project_crawl(config)
            first_bytes = room.bytes_sent
            if first["pages"] != pages or bare_pages != pages or first["status"] != "ok":
                raise SystemExit(f"unexpected crawl: bare {bare_pages} pages, project {first}")
            before = versions(db)
            room.bytes_sent = 0
            second = project_crawl(config)
            bare_rates.append(bare_pages / bare_seconds)
            first_rates.append(pages / float(first["seconds"]))  # type: ignore[arg-type]
            second_ratios.append(float(second["seconds"]) / float(first["seconds"]))  # type: ignore[arg-type]
            written.append(versions(db) - before)
            byte_ratios.append(room.bytes_sent / first_bytes)
            print(
                f"  round {round_ + 1}: bare {bare_rates[-1]:6.1f} pages/s, project "
                f"{first_rates[-1]:6.1f} pages/s, 2nd crawl {second_ratios[-1]:.2f}x the 1st, "
                f"{written[-1]} versions written"
            )
    bare_rate, first_rate = median(bare_rates), median(first_rates)
    print(f"bare Scrapy spider  : {bare_rate:7.1f} pages/s (median)")
    print(
        f"project, 1st crawl  : {first_rate:7.1f} pages/s (median) -> "
        f"{median(r / b for r, b in zip(first_rates, bare_rates, strict=True)):.2f} of bare "
        f"(median of per-round ratios; goal >= 0.7)"
    )
    print(
        f"project, 2nd crawl  : versions written {max(written)} (goal 0); time "
        f"{median(second_ratios):.2f}x the 1st crawl; bytes downloaded "
        f"{median(byte_ratios):.1%} of the 1st (goal < 10%)"
    )


if __name__ == "__main__":
    main()
