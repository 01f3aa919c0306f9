"""``monitor demo``: the whole product on sample newsrooms, with a throwaway database.

The sample newsrooms (saved pages of the five agencies' sites, written by us) are served on
127.0.0.1. The demo crawls their first state (each source's baseline: stored as history, not
news), opens a thread on the ICE detainer dispute, moves the newsrooms to their later state
(edits, re-dating, a deletion, new releases) and crawls again, which is the news, then runs the
service on them, so every page of the web UI has something to show.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from monitor.config import load_config
from monitor.samples import DATA, SITES, serve, source_config
from monitor.service.serve import Binding, run_service

THREAD_SEEDS = (
    (
        "ice",
        "/news/releases/ice-asks-california-illinois-new-york-attorneys-general-honor-detainers",
    ),
    ("ice", "/news/releases/dhs-puts-california-illinois-new-york-on-notice-detainers"),
)


class DemoError(Exception):
    """The demo cannot run; the message is one line."""


def run_demo(*, port: int, say: Callable[[str], None]) -> None:
    if not all((DATA / site / "expected.json").is_file() for site in SITES):
        raise DemoError(
            f"the sample newsrooms are not here ({DATA}): run the demo from a "
            "source checkout, or point $MONITOR_SAMPLES at its tests/data"
        )
    with tempfile.TemporaryDirectory(prefix="press-monitor-demo-") as tmp, serve(*SITES) as rooms:
        folder = Path(tmp)
        lines = [
            f'[database]\nurl = "sqlite:///{folder / "demo.db"}"',
            '[crawl]\ndownload_delay = 0\nschedule = "every 10m"\njitter = 0',
            f'[digest]\noutput_dir = "{folder / "digests"}"',
            "[health]\nsilence_min_days = 100000",
            f"[service]\nport = {port}",
        ]
        lines += [source_config(site, room.root) for site, room in rooms.items()]
        config_path = folder / "monitor.toml"
        config_path.write_text("\n\n".join(lines) + "\n")
        monitor = [
            sys.executable,
            "-m",
            "monitor",
            "--config",
            str(config_path),
            "--log-file",
            str(folder / "monitor.log"),
        ]

        say(
            "crawling the sample newsrooms: their first state is each source's baseline (history) …"
        )
        _run([*monitor, "crawl"])
        seeds = [a for site, path in THREAD_SEEDS for a in ("-r", rooms[site].root + path)]
        _run(
            [
                *monitor,
                "threads",
                "add",
                "ICE detainer dispute",
                "-k",
                "detainer",
                "-k",
                "sanctuary",
                "--description",
                "ICE's detainer letters to California, Illinois and New York, and what followed",
                *seeds,
            ]
        )
        for room in rooms.values():
            room.state = "v2"
        say(
            "the newsrooms changed: edits, re-dating, a deletion, new releases; crawling again: "
            "this crawl's changes are the news …"
        )
        _run([*monitor, "crawl"])

        config = load_config(config_path)
        say(f"open http://127.0.0.1:{port}/ (Ctrl-C stops the demo and deletes its data)")
        asyncio.run(
            run_service(
                config, Binding("127.0.0.1", port, None), log_file=str(folder / "monitor.log")
            )
        )


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode not in (0, 1):  # 1: a source failed, which the demo shows too
        raise DemoError(
            f"{' '.join(command[3:6])} failed: {(result.stderr.strip().splitlines() or ['?'])[-1]}"
        )
