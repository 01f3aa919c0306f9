"""The crawl manager with real child processes (a stand-in crawler that takes its time)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from monitor.service.crawls import CrawlManager
from monitor.service.jobs import JobState

FAKE = str(Path(__file__).with_name("fake_crawl.py"))


def manager(
    tmp_path: Path, seconds: float, *, max_crawls: int = 2, timeout: float = 30
) -> CrawlManager:
    return CrawlManager(
        loop=asyncio.get_running_loop(),
        command=[sys.executable, FAKE, str(seconds), str(tmp_path / "log")],
        max_crawls=max_crawls,
        timeout=timeout,
    )


async def settle(crawls: CrawlManager) -> None:
    while crawls.tasks:
        await asyncio.wait(set(crawls.tasks))


def lines(tmp_path: Path) -> list[list[str]]:
    return [line.split() for line in (tmp_path / "log").read_text().splitlines()]


def test_a_source_never_has_two_crawls_at_once(tmp_path):
    async def scenario() -> None:
        crawls = manager(tmp_path, 0.6)
        [(first, started)] = crawls.trigger(["ice"], trigger="api")
        assert started
        await asyncio.sleep(0.2)
        [(again, started_again)] = crawls.trigger(["ice"], trigger="schedule")
        assert again is first and not started_again
        await settle(crawls)
        assert first.state is JobState.DONE and first.summary["status"] == "ok"
        assert crawls.job(first.id) is first and crawls.jobs() == [first]

    asyncio.run(scenario())
    assert [line[:3] for line in lines(tmp_path)] == [
        ["ice", "api", "start"],
        ["ice", "api", "end"],
    ]


def test_the_cap_queues_further_crawls(tmp_path):
    async def scenario() -> None:
        crawls = manager(tmp_path, 0.4, max_crawls=1)
        jobs = [job for job, _ in crawls.trigger(["dhs", "ice"], trigger="api")]
        await asyncio.sleep(0.2)
        assert [j.state for j in jobs] == [JobState.RUNNING, JobState.QUEUED]
        await settle(crawls)
        assert all(j.state is JobState.DONE for j in jobs)

    asyncio.run(scenario())
    events = [(source, what) for source, _, what, _ in lines(tmp_path)]
    assert events == [("dhs", "start"), ("dhs", "end"), ("ice", "start"), ("ice", "end")]


def test_a_stuck_crawl_is_stopped_at_the_timeout(tmp_path):
    async def scenario() -> None:
        crawls = manager(tmp_path, 30, timeout=0.5)
        [(job, _)] = crawls.trigger(["ny_ag"], trigger="schedule")
        await settle(crawls)
        assert job.state is JobState.TIMEOUT and "stopped after" in (job.error or "")

    asyncio.run(scenario())
    assert [line[2] for line in lines(tmp_path)] == ["start", "end"]  # it closed on SIGINT


def test_shutdown_lets_crawls_finish_within_the_grace_then_interrupts(tmp_path):
    async def scenario() -> None:
        crawls = manager(tmp_path, 0.3)
        quick = crawls.trigger(["dhs"], trigger="api")[0][0]
        slow = manager(tmp_path, 30)
        stuck = slow.trigger(["ice"], trigger="api")[0][0]
        await asyncio.sleep(0.2)
        await crawls.close(grace=5)
        await slow.close(grace=0.3)
        assert quick.state is JobState.DONE
        assert stuck.state is JobState.DONE and stuck.summary["status"] == "interrupted"
        [(late, _)] = crawls.trigger(["il_ag"], trigger="api")
        assert late.state is JobState.INTERRUPTED

    asyncio.run(scenario())


def test_triggers_from_another_thread_run_on_the_loop(tmp_path):
    async def scenario() -> None:
        crawls = manager(tmp_path, 0.1)
        [(job, _)] = await asyncio.to_thread(crawls.trigger, ["ca_ag"], trigger="api")
        while not job.finished:
            await asyncio.sleep(0.05)
        assert job.state is JobState.DONE

    asyncio.run(scenario())


def test_sources_on_one_host_take_turns(tmp_path):
    async def scenario() -> None:
        crawls = CrawlManager(
            loop=asyncio.get_running_loop(),
            command=[sys.executable, FAKE, "0.3", str(tmp_path / "log")],
            max_crawls=3,
            timeout=30,
            hosts={"dhs": "www.dhs.gov", "ice": "www.dhs.gov", "ny_ag": "ag.ny.gov"},
        )
        crawls.trigger(["dhs", "ice", "ny_ag"], trigger="api")
        await settle(crawls)

    asyncio.run(scenario())
    events = [(source, what) for source, _, what, _ in lines(tmp_path)]
    same_host = [e for e in events if e[0] in ("dhs", "ice")]
    assert same_host == [("dhs", "start"), ("dhs", "end"), ("ice", "start"), ("ice", "end")]
    assert events.index(("ny_ag", "start")) < events.index(("dhs", "end"))  # other hosts go on
