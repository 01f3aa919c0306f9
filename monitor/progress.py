"""Progress of a crawl on stderr: a live status line on a terminal, sparse lines elsewhere."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from monitor.runs import RunSummary


class CrawlProgress:
    """Shows every running source's counts; updates at most every ``interval`` seconds."""

    def __init__(self, stream: TextIO | None = None, *, interval: float | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.interval = interval if interval is not None else (0.2 if self.live else 5.0)
        self.states: dict[str, RunSummary] = {}
        self.last = (
            0.0 if self.live else time.monotonic()
        )  # a log gets no line in the first seconds

    def __call__(self, summary: RunSummary) -> None:
        self.states[summary.source] = summary
        now = time.monotonic()
        if now - self.last < self.interval:
            return
        self.last = now
        text = "  ".join(
            f"{s.source}: {s.pages} pages, {s.new} new, {s.edited} edited"
            + (f", {s.errors} errors" if s.errors else "")
            for s in self.states.values()
        )
        if self.live:
            self.stream.write("\r\x1b[2K" + text[:200])
        else:
            self.stream.write(f"crawling… {text}\n")
        self.stream.flush()

    def done(self) -> None:
        if self.live and self.states:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
