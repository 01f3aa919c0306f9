"""``monitor sources check``: fetch one listing page and one release page, show what a crawl
would extract from them and which selector found each value. Nothing is stored.

The pages are fetched and read by a crawl (:mod:`monitor.check_crawl`): the source's Scrapy
settings (robots.txt, retries with backoff, the delay, impersonation), its spider's callbacks
and its truncation rules, so a check never says "ok" for a page a crawl would reject. Twisted's
reactor starts once per process, so each check crawls in a child process of its own.
"""

from __future__ import annotations

import datetime as dt
import logging
import pickle
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from monitor.config import Config, ConfigError
from monitor.fetch import impersonation_missing

EXCERPT = 300  # characters of the body shown
log = logging.getLogger(__name__)


@dataclass
class RowReport:
    url: str
    title: str | None
    published: dt.date | None
    title_by: str = ""
    date_by: str = ""


@dataclass
class ListingReport:
    url: str
    status: int | None = None
    size: int = 0
    complete: bool = True
    rows_by: str = ""
    rows: list[RowReport] = field(default_factory=list)
    next_url: str | None = None
    next_by: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass
class ReleaseReport:
    url: str
    status: int | None = None
    title: str = ""
    title_by: str = ""
    published: dt.date | None = None
    date_by: str = ""
    words: int = 0
    excerpt: str = ""
    body_by: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass
class CheckReport:
    source: str
    kind: str
    agency: str
    listing: ListingReport
    release: ReleaseReport | None = None

    @property
    def ok(self) -> bool:
        return not self.listing.problems and self.release is not None and not self.release.problems

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, **asdict(self)}


class CheckError(Exception):
    """The check could not run at all (its crawl process failed); one line."""


def check_source(
    config: Config,
    key: str,
    *,
    listing_url: str | None = None,
    release_url: str | None = None,
    timeout: float = 600,
) -> CheckReport:
    """Crawl a listing page (the first configured one, or ``listing_url``) and one release page
    (the first row's, or ``release_url``) of source ``key``, and report what the spider read."""
    missing = impersonation_missing() if config.source(key).get("impersonate") else None
    if missing:
        raise ConfigError(f"sources.{key}: {missing}")
    with tempfile.TemporaryDirectory(prefix="monitor-check-") as folder:
        answer = Path(folder) / "report.pickle"
        command = [sys.executable, "-m", "monitor.check_crawl", key, "--output", str(answer)]
        command += ["--config", str(config.path)] if config.path else []
        command += ["--url", listing_url] if listing_url else []
        command += ["--release", release_url] if release_url else []
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise CheckError(f"the check of {key} took longer than {timeout:.0f} s") from exc
        for line in done.stderr.splitlines():  # the crawl's own log lines, into ours
            log.info("check %s: %s", key, line)
        if done.returncode != 0 or not answer.is_file():
            last = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
            raise CheckError(f"the check of {key} failed: {last[0]}")
        report: CheckReport = pickle.loads(answer.read_bytes())  # noqa: S301 (our own child)
        return report
