"""Crawls as child processes: a cap on how many run at once, one per source, a timeout.

Each crawl is ``python -m monitor crawl SOURCE --format json`` in a process of its own: Twisted's
reactor cannot be restarted, the memory a crawl used goes back to the system when it ends, and a
stuck crawl can be stopped. Stopping means SIGINT first (Scrapy closes the spider and the run is
recorded as interrupted), SIGKILL only if that does not end it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import signal
import sys
import threading
import uuid
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path

from monitor.service.jobs import CrawlJob, JobState

log = logging.getLogger(__name__)
STOP_WAIT = 20.0  # seconds a crawl gets to close after SIGINT before it is killed
KEEP_FINISHED = 200  # finished jobs remembered for the API


class CrawlManager:
    """Starts and follows crawl processes; safe to call from the loop or from other threads."""

    def __init__(
        self,
        *,
        loop: asyncio.AbstractEventLoop,
        command: Sequence[str],
        max_crawls: int,
        timeout: float,
        environment: dict[str, str] | None = None,
        hosts: Mapping[str, str] | None = None,
    ) -> None:
        self.loop = loop
        self.command = list(command)  # e.g. [python, -m, monitor, --config, X, --log-file, Y]
        self.timeout = timeout
        self.environment = environment
        self.slots = asyncio.Semaphore(max_crawls)
        # sources on one host take turns (the per-host limit holds across sources)
        self.hosts = dict(hosts or {})
        self.host_locks: dict[str, asyncio.Lock] = {}
        self.lock = threading.Lock()
        self.active: dict[str, CrawlJob] = {}  # source -> queued or running job
        self.finished: deque[CrawlJob] = deque(maxlen=KEEP_FINISHED)
        self.processes: dict[str, asyncio.subprocess.Process] = {}
        self.tasks: set[asyncio.Future[None]] = set()
        self.closing = False

    # ---- the Crawls protocol -----------------------------------------------------------------

    def trigger(self, sources: list[str], *, trigger: str) -> list[tuple[CrawlJob, bool]]:
        """Queue a crawl of each source, unless one is queued or running already."""
        results = []
        with self.lock:
            for source in dict.fromkeys(sources):
                running = self.active.get(source)
                if running is not None:
                    results.append((running, False))
                    continue
                job = CrawlJob(id=uuid.uuid4().hex[:12], source=source, trigger=trigger)
                if self.closing:
                    job.state, job.error = JobState.INTERRUPTED, "the service is shutting down"
                    self.finished.appendleft(job)
                    results.append((job, True))
                    continue
                self.active[source] = job
                results.append((job, True))
                self._start(job)
        return results

    def job(self, job_id: str) -> CrawlJob | None:
        with self.lock:
            for job in (*self.active.values(), *self.finished):
                if job.id == job_id:
                    return job
        return None

    def jobs(self) -> list[CrawlJob]:
        with self.lock:
            return [*self.active.values(), *self.finished]

    # ---- running -----------------------------------------------------------------------------

    def _start(self, job: CrawlJob) -> None:
        def launch() -> None:
            task = asyncio.ensure_future(self._run(job))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

        try:
            running_loop = asyncio.get_running_loop()
        except RuntimeError:
            running_loop = None
        if running_loop is self.loop:
            launch()
        else:
            self.loop.call_soon_threadsafe(launch)

    async def _run(self, job: CrawlJob) -> None:
        host = self.hosts.get(job.source, job.source)
        try:
            async with self.host_locks.setdefault(host, asyncio.Lock()), self.slots:
                if self.closing:
                    raise asyncio.CancelledError
                await self._crawl(job)
        except asyncio.CancelledError:
            job.state, job.error = JobState.INTERRUPTED, "the service shut down"
        except Exception as exc:  # a crawl that cannot even start is a failed job, not a crash
            log.exception("crawl of %s failed to run", job.source)
            job.state, job.error = JobState.FAILED, f"could not run the crawl: {exc}"
        finally:
            job.finished_at = dt.datetime.now(dt.UTC)
            with self.lock:
                self.active.pop(job.source, None)
                self.finished.appendleft(job)

    async def _crawl(self, job: CrawlJob) -> None:
        job.state, job.started_at = JobState.RUNNING, dt.datetime.now(dt.UTC)
        process = await asyncio.create_subprocess_exec(
            *self.command,
            "crawl",
            job.source,
            "--format",
            "json",
            "--trigger",
            job.trigger,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self.environment,
            start_new_session=True,
        )
        self.processes[job.id] = process
        try:
            stdout, _ = await asyncio.wait_for(
                asyncio.gather(_read_all(process.stdout), self._follow(job, process)),
                timeout=self.timeout,
            )
            await process.wait()
        except TimeoutError:
            await stop(process)
            job.state, job.error = JobState.TIMEOUT, f"stopped after {self.timeout:.0f} s"
            return
        finally:
            self.processes.pop(job.id, None)
        try:
            summaries = json.loads(stdout)
            job.summary = next(s for s in summaries if s["source"] == job.source)
        except (ValueError, StopIteration, TypeError, KeyError):
            job.state = JobState.FAILED
            job.error = job.progress or f"the crawl process exited with status {process.returncode}"
            return
        job.state = JobState.DONE
        job.error = job.summary.get("error")

    async def _follow(self, job: CrawlJob, process: asyncio.subprocess.Process) -> None:
        """Keep the crawl's last progress line (stderr) for the API and `monitor trigger`."""
        assert process.stderr is not None
        async for raw in process.stderr:
            line = raw.decode("utf-8", "replace").strip().replace("\x1b[2K", "")
            if line:
                job.progress = line[-300:]

    async def close(self, grace: float) -> None:
        """Let running crawls finish for ``grace`` seconds, then stop them (interrupted)."""
        with self.lock:
            self.closing = True
        if self.tasks:
            _, pending = await asyncio.wait(set(self.tasks), timeout=grace)
            if pending:
                await asyncio.gather(*(stop(p) for p in list(self.processes.values())))
                await asyncio.wait(pending, timeout=STOP_WAIT + 5)
                for task in pending:
                    task.cancel()


async def _read_all(stream: asyncio.StreamReader | None) -> bytes:
    return await stream.read() if stream is not None else b""


async def stop(process: asyncio.subprocess.Process) -> None:
    """SIGINT (a graceful Scrapy shutdown: the run is marked interrupted), then SIGKILL."""
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGINT)
    try:
        await asyncio.wait_for(process.wait(), STOP_WAIT)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()


def crawl_command(config_path: Path | None, log_file: str | None) -> list[str]:
    command = [sys.executable, "-m", "monitor"]
    if config_path is not None:
        command += ["--config", str(config_path)]
    command += ["--log-file", log_file or ""]
    return command
