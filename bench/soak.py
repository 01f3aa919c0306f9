"""Soak benchmark: 200 scheduled crawls of the sample newsrooms in one service process.

    python bench/soak.py [--crawls 200]

Runs `monitor serve` on a free port with every source scheduled every 2 seconds (the sample
newsrooms served on 127.0.0.1, no politeness delay), and reports the service process's memory
(RSS) after the first 10 crawls and after the last (goal: growth under 20 MB). Crawls are child
processes; their memory is not the service's.
"""

from __future__ import annotations

import argparse
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

from monitor.samples import SITES, serve, source_config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def crawls_done(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        row = connection.execute("SELECT count(*) FROM crawl_runs WHERE status != 'running'")
        return int(row.fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--crawls", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, serve(*SITES) as rooms:
        folder, port = Path(tmp), free_port()
        lines = [
            f'[database]\nurl = "sqlite:///{folder / "soak.db"}"',
            '[crawl]\ndownload_delay = 0\nschedule = "every 2s"\njitter = 0',
            f"[service]\nport = {port}\nmax_crawls = 2",
        ]
        for site, room in rooms.items():
            lines.append(source_config(site, room.root))
        config = folder / "monitor.toml"
        config.write_text("\n\n".join(lines) + "\n")
        service = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "monitor",
                "--config",
                str(config),
                "--log-file",
                str(folder / "monitor.log"),
                "serve",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            process = psutil.Process(service.pid)
            began = time.monotonic()
            baseline = None
            while (
                done := crawls_done(folder / "soak.db") if (folder / "soak.db").exists() else 0
            ) < args.crawls:
                if baseline is None and done >= 10:
                    baseline = process.memory_info().rss
                    print(f"after {done} crawls: service RSS {baseline / 1e6:.1f} MB")
                if service.poll() is not None:
                    raise SystemExit("the service exited")
                time.sleep(1)
            final = process.memory_info().rss
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as answer:
                health = answer.status
        finally:
            service.terminate()
            service.wait(timeout=120)
    elapsed = time.monotonic() - began
    assert baseline is not None
    print(
        f"after {done} crawls: service RSS {final / 1e6:.1f} MB ({elapsed:.0f} s, healthz "
        f"{health}, exit status {service.returncode})"
    )
    print(f"growth: {(final - baseline) / 1e6:+.1f} MB over {done - 10} crawls (goal < 20 MB)")


if __name__ == "__main__":
    main()
