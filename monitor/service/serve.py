"""``monitor serve``: the scheduler, the crawl manager and the web app in one asyncio process."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import logging
import os
import signal
from dataclasses import dataclass

import uvicorn
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import Config
from monitor.crawl import hosts
from monitor.db import open_database, transaction
from monitor.models import CrawlRun, RunStatus, utcnow
from monitor.service import schedule
from monitor.service.crawls import CrawlManager, crawl_command

log = logging.getLogger(__name__)


class ServiceError(Exception):
    """The service cannot start; the message is one line."""


@dataclass(frozen=True)
class Binding:
    host: str
    port: int
    token: str | None


def binding(config: Config, *, host: str | None, port: int | None) -> Binding:
    """Where to listen and the write token; refuses a public address without a token."""
    service = config.service
    chosen_host = host or service["host"]
    token = os.environ.get("MONITOR_TOKEN") or service["token"] or None
    if not _loopback(chosen_host) and not token:
        raise ServiceError(
            f"refusing to listen on {chosen_host} without a token: set [service] token or "
            "$MONITOR_TOKEN (write actions need it), or bind to 127.0.0.1"
        )
    return Binding(chosen_host, port or int(service["port"]), token)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def close_stale_runs(sessions: sessionmaker[Session], *, older_than: float) -> int:
    """Runs still 'running' long after any crawl would have been stopped: their process died."""
    cutoff = utcnow() - dt.timedelta(seconds=older_than)
    with transaction(sessions) as session:
        result = session.execute(
            update(CrawlRun)
            .where(CrawlRun.status == RunStatus.RUNNING, CrawlRun.started_at < cutoff)
            .values(
                status=RunStatus.INTERRUPTED,
                finished_at=utcnow(),
                error="the service stopped while this crawl ran",
            )
        )
    return int(getattr(result, "rowcount", 0) or 0)


async def run_service(config: Config, where: Binding, *, log_file: str | None) -> None:
    """Run until SIGINT or SIGTERM; then let crawls finish (``shutdown_grace``) or stop them."""
    from monitor.web.app import create_app

    engine, sessions = open_database(config.database_url)
    stale = close_stale_runs(sessions, older_than=2 * float(config.service["crawl_timeout"]))
    if stale:
        log.warning("%d crawl runs left running by a previous service marked interrupted", stale)
    service = config.service
    crawls = CrawlManager(
        loop=asyncio.get_running_loop(),
        command=crawl_command(config.path, log_file),
        max_crawls=int(service["max_crawls"]),
        timeout=float(service["crawl_timeout"]),
        hosts={
            key: host for host, keys in hosts(config, list(config.sources)).items() for key in keys
        },
    )
    schedule.Context.config, schedule.Context.sessions, schedule.Context.crawls = (
        config,
        sessions,
        crawls,
    )
    scheduler = schedule.build_scheduler(config, database_url=config.database_url)
    scheduler.start(paused=True)
    schedule.reconcile(scheduler, config)
    scheduler.resume()
    app = create_app(config=config, sessions=sessions, crawls=crawls, token=where.token)
    server = uvicorn.Server(
        uvicorn.Config(app, host=where.host, port=where.port, log_level="warning", lifespan="off")
    )
    log.info("serving on http://%s:%d", where.host, where.port)
    # uvicorn stops on SIGINT / SIGTERM and then raises the signal again with the handlers it
    # found in place: with these, that second delivery does nothing, and the shutdown below runs.
    previous = {sig: signal.signal(sig, _noted) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        await server.serve()
    finally:
        scheduler.shutdown(wait=False)
        await crawls.close(grace=float(service["shutdown_grace"]))
        schedule.Context.crawls = None
        engine.dispose()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        log.info("service stopped")


def _noted(sig: int, _frame: object) -> None:
    log.info("signal %d received", sig)
