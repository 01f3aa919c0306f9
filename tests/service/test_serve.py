"""`monitor serve` for real: a service process, the sample newsrooms, crawls over its API."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select

from monitor.db import open_database
from monitor.models import CrawlRun, RunStatus
from tests.monitor.test_crawl_e2e import EXPECTED
from tests.newsrooms import SITES, Newsroom, serve, source_config

TOKEN = "test-token-123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(path: Path, database_url: str, rooms: dict[str, Newsroom], port: int) -> Path:
    lines = [
        f'[database]\nurl = "{database_url}"',
        '[crawl]\ndownload_delay = 0\nschedule = "every 1d"\nretries = 0',
        f'[service]\nport = {port}\ntoken = "{TOKEN}"\nshutdown_grace = 5',
    ]
    lines += [source_config(site, room.root) for site, room in rooms.items()]
    path.write_text("\n\n".join(lines) + "\n")
    return path


def monitor(config: Path, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "monitor",
        "--config",
        str(config),
        "--log-file",
        str(config.with_suffix(".log")),
        *args,
    ]


@pytest.fixture
def service(tmp_path: Path, database_url: str) -> Iterator[dict[str, Any]]:
    with serve(*SITES) as rooms:
        port = free_port()
        config = write_config(tmp_path / "monitor.toml", database_url, rooms, port)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        process = subprocess.Popen(
            monitor(config, "serve"),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"service did not start: {process.communicate()}")
            time.sleep(0.2)
        try:
            yield {
                "base": base,
                "config": config,
                "process": process,
                "env": env,
                "database_url": database_url,
                "rooms": rooms,
            }
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.communicate(timeout=60)


def test_trigger_waits_for_crawls_and_the_api_serves_what_they_found(service):
    env = {**service["env"], "MONITOR_TOKEN": TOKEN}
    result = subprocess.run(
        monitor(service["config"], "trigger", "ice", "il_ag"),
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ice: started" in result.stderr
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines()}
    assert {key: words[1] for key, words in lines.items()} == {"ice": "ok", "il_ag": "ok"}
    assert all(words[-1] == "baseline" for words in lines.values())  # their first crawls
    releases = httpx.get(f"{service['base']}/api/releases").json()
    assert (
        releases["total"] == EXPECTED["ice"]["v1"]["releases"] + EXPECTED["il_ag"]["v1"]["releases"]
    )
    engine, sessions = open_database(service["database_url"])
    with sessions() as session:
        triggers = session.scalars(select(CrawlRun.trigger)).all()
    engine.dispose()
    assert triggers == ["api", "api"]


def test_a_second_trigger_returns_the_running_crawl_and_writes_need_the_token(service):
    base, auth = service["base"], {"Authorization": f"Bearer {TOKEN}"}
    assert httpx.post(f"{base}/api/crawls", json={"sources": ["dhs"]}).status_code == 401
    first = httpx.post(f"{base}/api/crawls", json={"sources": ["dhs"]}, headers=auth).json()
    again = httpx.post(f"{base}/api/crawls", json={"sources": ["dhs"]}, headers=auth).json()
    assert first["jobs"][0]["id"] == again["jobs"][0]["id"]
    assert again["jobs"][0]["already_running"] is True
    job_id = first["jobs"][0]["id"]
    for _ in range(120):
        job = httpx.get(f"{base}/api/crawls/{job_id}").json()
        if job["state"] not in ("queued", "running"):
            break
        time.sleep(0.5)
    assert job["state"] == "done" and job["summary"]["status"] == "ok"
    assert job["summary"]["new"] == EXPECTED["dhs"]["v1"]["releases"]
    assert job["summary"]["baseline"] and job["summary"]["baseline_complete"]


def test_sigterm_lets_a_running_crawl_finish_and_exits_cleanly(service):
    rooms: dict[str, Newsroom] = service["rooms"]
    base, auth = service["base"], {"Authorization": f"Bearer {TOKEN}"}
    httpx.post(f"{base}/api/crawls", json={"sources": ["ny_ag"]}, headers=auth)
    time.sleep(1.0)
    process: subprocess.Popen[str] = service["process"]
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=90)
    assert process.returncode == 0
    assert rooms["ny_ag"].requests  # the crawl ran
    engine, sessions = open_database(service["database_url"])
    with sessions() as session:
        running = session.scalar(
            select(func.count()).select_from(CrawlRun).where(CrawlRun.status == RunStatus.RUNNING)
        )
    engine.dispose()
    assert running == 0  # finished within the grace, or recorded as interrupted


def test_refuses_a_public_address_without_a_token(tmp_path):
    config = tmp_path / "monitor.toml"
    config.write_text('[database]\nurl = "sqlite:///%s"\n' % (tmp_path / "x.db"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    result = subprocess.run(
        monitor(config, "serve", "--host", "0.0.0.0"),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "refusing to listen on 0.0.0.0 without a token" in result.stderr


def test_the_api_of_a_running_service_after_two_crawls(service):
    """Crawl, follow a story, crawl the later state: diffs, threads and digest over HTTP."""
    base, auth = service["base"], {"Authorization": f"Bearer {TOKEN}"}
    rooms: dict[str, Newsroom] = service["rooms"]

    def crawl_and_wait() -> None:
        jobs = httpx.post(f"{base}/api/crawls", json={"sources": ["ice"]}, headers=auth).json()
        for _ in range(240):
            job = httpx.get(f"{base}/api/crawls/{jobs['jobs'][0]['id']}").json()
            if job["state"] not in ("queued", "running"):
                break
            time.sleep(0.25)
        assert job["state"] == "done" and job["summary"]["status"] == "ok", job

    crawl_and_wait()
    ice = rooms["ice"].root
    seed = (
        ice
        + "/news/releases/ice-asks-california-illinois-new-york-attorneys-general-honor-detainers"
    )
    added = subprocess.run(
        monitor(
            service["config"],
            "threads",
            "add",
            "ICE detainer dispute",
            "-k",
            "detainer",
            "-r",
            seed,
        ),
        env=service["env"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    rooms["ice"].state = "v2"
    crawl_and_wait()

    edited = next(p for p, f in EXPECTED["ice"]["v2"]["edited"].items() if f == ["body"])
    found = httpx.get(f"{base}/api/releases", params={"q": "detainer figures"}).json()
    release = next(r for r in found["releases"] if r["url"] == ice + edited)
    diff = httpx.get(f"{base}/api/releases/{release['id']}/diff").json()
    assert "<ins>" in str(diff) or "<del>" in str(diff)
    thread = httpx.get(f"{base}/api/threads/1").json()
    assert thread["name"] == "ICE detainer dispute" and len(str(thread)) > 200
    day = dt.datetime.now(ZoneInfo("America/New_York")).date()  # the digest's default zone
    today = httpx.get(f"{base}/api/digests/{day.isoformat()}").json()
    assert len(today["edited"]) == len(EXPECTED["ice"]["v2"]["edited"])
    # the first crawl was the baseline: only the later crawl's release is new
    assert [r["url"] for r in today["new"]] == [ice + p for p in EXPECTED["ice"]["v2"]["new"]]
    [report] = [s for s in today["sources"] if s["source"] == "ice"]
    assert report["baseline"]["releases"] == EXPECTED["ice"]["v1"]["releases"]
    assert [r["url"] for r in today["removed"]] == [ice + EXPECTED["ice"]["v2"]["removed"][0]]
    page = httpx.get(f"{base}/releases/{release['id']}")
    assert page.status_code == 200 and "<ins>" in page.text


def test_demo_serves_sample_newsrooms_with_a_thread(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--log-file", "", "demo", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        threads = None
        for _ in range(240):
            if process.poll() is not None:
                raise AssertionError(process.communicate())
            try:
                threads = httpx.get(f"http://127.0.0.1:{port}/api/threads", timeout=2).json()
                break
            except httpx.HTTPError:
                time.sleep(0.25)
        assert threads and threads[0]["name"] == "ICE detainer dispute"
        releases = httpx.get(f"http://127.0.0.1:{port}/api/releases").json()
        assert releases["total"] == sum(
            EXPECTED[s]["v1"]["releases"] + len(EXPECTED[s]["v2"]["new"]) for s in SITES
        )
        # the first crawl was the baseline; the second crawl's changes are today's news
        day = dt.datetime.now(ZoneInfo("America/New_York")).date()
        today = httpx.get(f"http://127.0.0.1:{port}/api/digests/{day.isoformat()}").json()
        assert len(today["new"]) == sum(len(EXPECTED[s]["v2"]["new"]) for s in SITES)
        assert today["thread_updates"] and today["edited"]
        assert all(s["baseline"]["complete"] for s in today["sources"])
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "open http://127.0.0.1:" in stderr
