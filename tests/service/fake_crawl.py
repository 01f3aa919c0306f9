"""A stand-in for ``monitor crawl`` in scheduler tests: a real process that takes its time.

Called as ``fake_crawl.py SECONDS LOG crawl SOURCE --format json --trigger T``: appends
"SOURCE TRIGGER start" and "... end" to LOG, sleeps, prints a crawl summary as JSON. On SIGINT it
prints an interrupted summary, as Scrapy's graceful shutdown makes the real crawl do.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import time
from pathlib import Path

seconds, log, _, source = float(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
trigger = sys.argv[sys.argv.index("--trigger") + 1]
status = "ok"


def interrupted(*_: object) -> None:
    global status
    status = "interrupted"
    raise KeyboardInterrupt


signal.signal(signal.SIGINT, interrupted)
with log.open("a") as out:
    out.write(f"{source} {trigger} start {time.time()}\n")
print(f"crawling {source} …", file=sys.stderr, flush=True)
with contextlib.suppress(KeyboardInterrupt):
    time.sleep(seconds)
with log.open("a") as out:
    out.write(f"{source} {trigger} end {time.time()}\n")
print(
    json.dumps(
        [
            {
                "source": source,
                "status": status,
                "pages": 3,
                "new": 1,
                "edited": 0,
                "removed": 0,
                "errors": 0,
                "error": None,
            }
        ]
    )
)
