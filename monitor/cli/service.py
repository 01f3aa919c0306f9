"""``monitor serve`` and ``monitor trigger``: the long-running service and a door into it."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Any

import click
import httpx

from monitor.cli import App, one_line_errors
from monitor.digest.present import one_line
from monitor.runs import FAILURES_SHOWN
from monitor.service.serve import ServiceError, binding, run_service

TERMINAL = {"done", "failed", "timeout", "interrupted"}


@click.command()
@click.option("--host", help="Address to listen on (default: [service] host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: [service] port).")
@click.pass_context
@one_line_errors
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Run the service: scheduled crawls, the daily digest, the web UI and API.

    Stop it with Ctrl-C or SIGTERM: running crawls get [service] shutdown_grace seconds to
    finish, then are stopped and recorded as interrupted.
    """
    app: App = ctx.obj
    try:
        where = binding(app.config, host=host, port=port)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    log_file = ctx.parent.params.get("log_file") if ctx.parent else None
    click.echo(
        f"press-monitor service on http://{where.host}:{where.port} "
        f"(database {app.config.database_url})",
        err=True,
    )
    asyncio.run(run_service(app.config, where, log_file=log_file))


@click.command()
@click.argument("sources", nargs=-1)
@click.option("--url", help="The service (default: http://[service] host:port).")
@click.option(
    "--wait/--no-wait",
    default=True,
    show_default=True,
    help="Wait for the crawls to finish, showing progress.",
)
@click.option(
    "--timeout", type=float, default=3600, show_default=True, help="Seconds to wait at most."
)
@click.pass_obj
@one_line_errors
def trigger(
    app: App, sources: tuple[str, ...], url: str | None, wait: bool, timeout: float
) -> None:
    """Ask a running service to crawl SOURCES now (default: every enabled source).

    Exits 0 when every crawl worked, 1 otherwise.
    """
    keys = app.source_keys(sources)
    service = app.config.service
    base = (url or f"http://{service['host']}:{service['port']}").rstrip("/")
    token = os.environ.get("MONITOR_TOKEN") or service["token"]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            answer = client.post("/api/crawls", json={"sources": keys})
            if answer.status_code >= 400:
                raise click.ClickException(
                    f"the service at {base} refused: {_detail(answer)} (HTTP {answer.status_code})"
                )
            jobs = answer.json()["jobs"]
            for job in jobs:
                note = "already running" if job.get("already_running") else "started"
                click.echo(f"{job['source']}: {note} (job {job['id']})", err=True)
            if not wait:
                return
            finished = _follow(client, [j["id"] for j in jobs], timeout)
    except httpx.HTTPError as exc:
        raise click.ClickException(f"cannot reach the service at {base}: {exc}") from exc
    ok = True
    for job in finished:
        summary = job.get("summary") or {}
        status = summary.get("status", job["state"])
        ok &= job["state"] == "done" and status in ("ok", "partial")
        counts = "  ".join(
            f"{k} {summary[k]}"
            for k in ("pages", "new", "edited", "removed", "errors")
            if k in summary
        )
        baseline = "  baseline" if summary.get("baseline") else ""
        click.echo(f"{job['source']:<8} {status:<11} {counts}{baseline}")
        failures = summary.get("failures") or []
        for failure in failures[:FAILURES_SHOWN]:
            click.echo(f"{'':9}{one_line(failure['detail'])}: {one_line(failure['url'])}")
        if len(failures) > FAILURES_SHOWN:
            click.echo(f"{'':9}… and {len(failures) - FAILURES_SHOWN} more failed pages")
        if job.get("error"):
            click.echo(f"{'':9}{job['error']}")
    if not ok:
        sys.exit(1)


def _follow(client: httpx.Client, ids: list[str], timeout: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    shown: dict[str, str] = {}
    while True:
        jobs = [client.get(f"/api/crawls/{job_id}").json() for job_id in ids]
        for job in jobs:
            line = job.get("progress") or job["state"]
            if shown.get(job["id"]) != line:
                shown[job["id"]] = line
                click.echo(f"{job['source']}: {line}", err=True)
        if all(job["state"] in TERMINAL for job in jobs):
            return jobs
        if time.monotonic() > deadline:
            raise click.ClickException(f"gave up waiting after {timeout:.0f} s; the crawls go on")
        time.sleep(1)


def _detail(answer: httpx.Response) -> str:
    try:
        return str(answer.json().get("detail", answer.text))
    except ValueError:
        return answer.text[:200]


COMMANDS = [serve, trigger]


@click.command()
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@one_line_errors
def demo(port: int) -> None:
    """Try everything on sample newsrooms served on 127.0.0.1, with a throwaway database."""
    from monitor.demo import DemoError, run_demo

    try:
        run_demo(port=port, say=lambda text: click.echo(text, err=True))
    except DemoError as exc:
        raise click.ClickException(str(exc)) from exc


COMMANDS.append(demo)
