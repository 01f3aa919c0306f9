"""Run one crawl of one or more sources now, in this process (``monitor crawl``).

Twisted's reactor starts once per process, so a long-lived caller runs each crawl as a child
process of its own (``monitor crawl SOURCE``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.reactor import install_reactor, is_reactor_installed
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from twisted.internet import defer

from monitor.alerts import send_alerts, source_alerts, thread_alerts, watched_alerts
from monitor.baseline import baseline_cap
from monitor.config import Config, SourceConfig
from monitor.db import transaction
from monitor.fetch import impersonation_missing
from monitor.models import Release, Source
from monitor.problems import Change, assess
from monitor.runs import RunRecorder, RunSummary
from monitor.settings import DEFAULT_USER_AGENT
from monitor.threads import match_runs

REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


PROCESS_SETTINGS = {
    "TWISTED_REACTOR": REACTOR,
    "TELNETCONSOLE_ENABLED": False,
    "REMOTE_CONTROL_ENABLED": False,
    "LOG_ENABLED": False,
    "LOG_INSTALL_ROOT_HANDLER": False,
}


def scrapy_settings(source: SourceConfig) -> Settings:
    """Scrapy settings for one source: polite by default, everything from the config."""
    values = dict(source.crawl)
    settings = Settings()
    settings.setdict(
        {
            **PROCESS_SETTINGS,
            "ROBOTSTXT_OBEY": values["obey_robots"],
            "DOWNLOAD_DELAY": values["download_delay"],
            "RANDOMIZE_DOWNLOAD_DELAY": True,
            # one host per crawler: the global limit matches the per-host one, so connections
            # are kept alive and reused instead of reopened for every request
            "CONCURRENT_REQUESTS": values["concurrent_requests"],
            "CONCURRENT_REQUESTS_PER_DOMAIN": values["concurrent_requests"],
            "USER_AGENT": values["user_agent"],
            "DOWNLOAD_TIMEOUT": values["timeout"],
            "RETRY_TIMES": int(values["retries"]),
            "RETRY_BACKOFF": values["retry_backoff"],
            "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
            "DOWNLOADER_MIDDLEWARES": {
                "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
                "monitor.fetch.BackoffRetryMiddleware": 550,
                "monitor.fetch.ImpersonateMiddleware": 900,  # off unless IMPERSONATE is set
            },
            "ITEM_PIPELINES": {"monitor.fetch.StorePipeline": 100},
            "COOKIES_ENABLED": True,
        },
        priority="project",
    )
    if values["impersonate"]:
        settings.setdict(_impersonating(values), priority="project")
    return settings


def spider_options(source: SourceConfig) -> dict[str, Any]:
    """The spider's arguments from the source's settings (a crawl's and a check's alike)."""
    return {
        "end_markers": tuple(source.get("end_markers")) or None,
        "strip_query": tuple(source.get("strip_query")),
    }


def _impersonating(values: dict[str, Any]) -> dict[str, Any]:
    """Settings that fetch through curl_cffi with a browser's TLS fingerprint (robots.txt,
    retries, delays and conditional requests stay Scrapy's). Left at our default, the User-Agent
    and Accept headers are the browser's own, to match its fingerprint; robots.txt rules are
    still read for our name. An operator's own ``user_agent`` is sent as it is."""
    handler = "scrapy_impersonate.ImpersonateDownloadHandler"
    own_agent = values["user_agent"] != DEFAULT_USER_AGENT
    return {
        "IMPERSONATE": values["impersonate"],
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        "USER_AGENT": values["user_agent"] if own_agent else "",
        "ROBOTSTXT_USER_AGENT": values["user_agent"],
        "DEFAULT_REQUEST_HEADERS": {},
    }


def run_crawl(
    config: Config,
    factory: sessionmaker[Session],
    keys: Sequence[str],
    *,
    trigger: str = "manual",
    max_pages: int | None = None,
    on_progress: Callable[[RunSummary], None] | None = None,
    backfill: Backfill | None = None,
    skip_baseline: bool = False,
) -> list[RunSummary]:
    """Crawl the given sources concurrently (one host each) and return one summary per source.

    What a baseline run or a backfill stores is matched to threads as history and alerts
    nothing (:mod:`monitor.baseline`); ``skip_baseline`` marks the sources baselined first.
    This starts Twisted's reactor, which cannot be restarted: call it once per process.
    """
    if not is_reactor_installed():
        install_reactor(REACTOR)
    scrapy_level = logging.getLogger("scrapy").level
    process = CrawlerProcess(Settings(PROCESS_SETTINGS, priority="default"))
    # Scrapy's logging set-up turns its loggers up to DEBUG (a pprint of every item); keep the
    # level the CLI chose.
    logging.getLogger("scrapy").setLevel(scrapy_level)
    summaries: dict[str, RunSummary] = {}
    recorders: list[RunRecorder] = []
    closers: list[Callable[..., None]] = []

    def start(key: str) -> Any:
        source = config.source(key)
        cls = source.spider
        cap = baseline_cap(max_pages, int(source.get("max_pages")))
        recorder = _recorder(
            factory, source, trigger, on_progress, cap=cap, skip_baseline=skip_baseline
        )
        recorders.append(recorder)
        missing = impersonation_missing() if source.get("impersonate") else None
        if missing:  # this source does not start; the others go on
            logging.getLogger(__name__).error("%s: %s", key, missing)
            summaries[key] = recorder.finish("not started", error=missing)
            return defer.succeed(None)
        pages: int | None
        if backfill is None:
            plan = recorder.plan(recheck_days=int(source.get("recheck_days")))
            start_urls, pages = source.start_urls, max_pages or int(source.get("max_pages"))
        else:  # older listing pages, on into the site's archive; nothing known to re-fetch
            plan = {"stop_before": backfill.until, "backfill": True}
            start_urls, pages = backfill.start_urls or source.start_urls, backfill.pages
        crawler = Crawler(cls, scrapy_settings(source))
        closer = _closer(recorder, summaries)
        closers.append(closer)  # signal receivers are weak references: keep them alive
        crawler.signals.connect(closer, signal=signals.spider_closed)
        return process.crawl(
            crawler,
            start_urls=start_urls,
            max_pages=pages,
            **plan,
            **spider_options(source),
            recorder=recorder,
        )

    # Sources on one host take turns, so the per-host limit holds across sources too;
    # sources on different hosts crawl at the same time.
    for group in hosts(config, keys).values():
        chain = start(group[0])
        for key in group[1:]:
            chain.addBoth(lambda _result, key=key: start(key))
    process.start()
    for key in keys:  # a crawl that never opened its spider sent no "closed"
        if key not in summaries:
            recorder = next((r for r in recorders if r.summary.source == key), None)
            recorder = recorder or _recorder(factory, config.source(key), trigger)
            summaries[key] = recorder.finish("not started")
    _match(config, factory, summaries)
    if backfill is None:  # a backfill says nothing of a source's health
        changes = assess(factory, keys, config.health)
        for change in changes:
            summaries[change.source].health = {
                "opened": [p.label for p in change.opened],
                "cleared": [p.label for p in change.cleared],
                "open": [p.label for p in (*change.still_open, *change.opened)],
            }
        _alert(config, factory, summaries, changes)
    return [summaries[key] for key in keys]


@dataclass(frozen=True)
class Backfill:
    """A walk through older listing pages: from ``start_urls``, ``pages`` of them or until
    a listing reaches ``until``. After the live listing's last page it walks on into the site's
    archive listings (``archive_urls`` of its spider)."""

    start_urls: tuple[str, ...] | None
    pages: int | None
    until: dt.date | None


def hosts(config: Config, keys: Sequence[str]) -> dict[str, list[str]]:
    """Source keys grouped by the host of their (first) listing URL, in the order given."""
    groups: dict[str, list[str]] = {}
    for key in keys:
        urls = config.source(key).listing_urls
        groups.setdefault(urlsplit(urls[0]).netloc.lower(), []).append(key)
    return groups


def _recorder(
    factory: sessionmaker[Session],
    source: SourceConfig,
    trigger: str,
    on_progress: Callable[[RunSummary], None] | None = None,
    *,
    cap: int | None = None,
    skip_baseline: bool = False,
) -> RunRecorder:
    return RunRecorder(
        factory,
        source_key=source.key,
        source_name=source.name,
        source_kind=source.kind,
        trigger=trigger,
        on_progress=on_progress,
        cap=cap,
        skip_baseline=skip_baseline,
    )


def _match(
    config: Config, factory: sessionmaker[Session], summaries: dict[str, RunSummary]
) -> None:
    """Match what the runs found against the open threads; a failure here spoils no crawl.

    What baseline runs and backfills found joins as history (first, so that it is there to
    compare the news with); the rest is news."""
    old = [s.run_id for s in summaries.values() if s.history]
    new = [s.run_id for s in summaries.values() if not s.history]
    try:
        with transaction(factory) as session:
            joined = [
                (item, history)
                for runs, history in ((old, True), (new, False))
                for item in match_runs(session, runs, config.threads, history=history)
            ]
            sources = dict(
                session.execute(
                    select(Release.id, Source.key)
                    .join(Source)
                    .where(Release.id.in_([j.release_id for j, _ in joined]))
                ).all()
            )
    except Exception:
        logging.getLogger(__name__).exception("thread matching failed")
        return
    for item, history in joined:
        summaries[sources[item.release_id]].threads.append({**asdict(item), "history": history})


def _alert(
    config: Config,
    factory: sessionmaker[Session],
    summaries: dict[str, RunSummary],
    changes: Sequence[Change],
) -> None:
    """Alert what the crawl found: thread updates, broken or recovered sources, watched
    releases edited or removed. History (baseline runs) raises source alerts only. A failure
    here spoils no crawl."""
    settings = config.alerts
    if not settings["urls"]:
        return
    news = [s for s in summaries.values() if not s.history]
    try:
        with factory() as session:
            joined = [item for summary in news for item in summary.threads]
            alerts = [
                *source_alerts(changes),
                *thread_alerts(session, joined),
                *watched_alerts(session, [s.run_id for s in news]),
            ]
    except Exception:
        logging.getLogger(__name__).exception("alerts could not be prepared")
        return
    send_alerts(alerts, settings)


def _closer(recorder: RunRecorder, summaries: dict[str, RunSummary]) -> Callable[..., None]:
    def closed(spider: Any, reason: str) -> None:
        try:
            summaries[recorder.summary.source] = recorder.finish(reason)
        except Exception:
            logging.getLogger(__name__).exception("could not close run %s", recorder.summary.run_id)
            raise

    return closed
