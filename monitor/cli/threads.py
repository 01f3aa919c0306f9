"""``monitor threads``: follow stories across agencies."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy import select
from tabulate import tabulate

from monitor.cli import App, echo_json, one_line_errors
from monitor.db import transaction
from monitor.history import find_release
from monitor.models import Release
from monitor.suggest import suggest_threads
from monitor.threads import (
    close_thread,
    create_thread,
    find_thread,
    set_membership,
    thread_records,
    timeline,
)

FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)


@click.group()
def threads() -> None:
    """Stories followed across agencies: releases are matched to them after every crawl."""


@threads.command("add")
@click.argument("name")
@click.option("--keyword", "-k", "keywords", multiple=True, help="A word or phrase (repeatable).")
@click.option("--release", "-r", "seeds", multiple=True, help="A seed release: id or URL.")
@click.option("--description", default="", help="What the story is about.")
@click.pass_obj
@one_line_errors
def add(
    app: App, name: str, keywords: tuple[str, ...], seeds: tuple[str, ...], description: str
) -> None:
    """Create a thread from a name, keywords and/or seed releases."""
    if not keywords and not seeds:
        raise click.UsageError("give at least one --keyword or --release to match against")
    with transaction(app.sessions) as session:
        try:
            thread = create_thread(
                session, name, keywords=keywords, description=description, seeds=seeds
            )
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(
            f"thread {thread.id} '{thread.name}': {len(thread.members)} seed releases, "
            f"keywords: {', '.join(thread.keyword_list) or 'none'}"
        )


@threads.command("list")
@FORMAT
@click.pass_obj
@one_line_errors
def list_(app: App, fmt: str) -> None:
    """Threads with their member counts."""
    with app.sessions() as session:
        rows = thread_records(session)
    if fmt == "json":
        echo_json(rows)
        return
    click.echo(
        tabulate(
            [
                [
                    r["id"],
                    r["name"],
                    r["status"],
                    r["members"],
                    r["suggested"],
                    ", ".join(r["keywords"]),
                ]
                for r in rows
            ],
            headers=["id", "name", "status", "members", "suggested", "keywords"],
        )
    )


@threads.command("show")
@click.argument("thread")
@FORMAT
@click.pass_obj
@one_line_errors
def show(app: App, thread: str, fmt: str) -> None:
    """A thread's timeline across agencies, with why each release joined."""
    with app.sessions() as session:
        found = find_thread(session, thread)
        members = timeline(session, found)
        rows: list[dict[str, Any]] = [
            {
                "release": m.release.id,
                "source": m.release.source.key,
                "published": m.release.published.isoformat() if m.release.published else None,
                "title": m.release.title,
                "url": m.release.url,
                "state": m.state.value,
                "method": m.method.value,
                "score": m.score,
                "reason": m.reason,
            }
            for m in members
        ]
        header: dict[str, Any] = {
            "id": found.id,
            "name": found.name,
            "status": found.status.value,
            "keywords": found.keyword_list,
            "description": found.description,
        }
    if fmt == "json":
        echo_json({**header, "timeline": rows})
        return
    click.echo(f"{header['name']} (thread {header['id']}, {header['status']})")
    if header["keywords"]:
        click.echo(f"keywords: {', '.join(header['keywords'])}")
    click.echo()
    for row in rows:
        mark = "?" if row["state"] == "suggested" else "•"
        click.echo(
            f"{mark} {row['published'] or '----------'}  {row['source']:<6} "
            f"[{row['release']}] {row['title']}"
        )
        click.echo(f"    {row['method']}: {row['reason']}")
    if not rows:
        click.echo("no releases yet")


def _membership(attach: bool) -> click.Command:
    verb = "attach" if attach else "detach"

    @click.argument("thread")
    @click.argument("release")
    @click.pass_obj
    @one_line_errors
    def command(app: App, thread: str, release: str) -> None:
        with transaction(app.sessions) as session:
            found, item = find_thread(session, thread), find_release(session, release)
            set_membership(session, found, item, attach=attach)
            click.echo(f"{verb}ed release {item.id} {'to' if attach else 'from'} '{found.name}'")

    command.__doc__ = (
        f"{verb.capitalize()} RELEASE {'to' if attach else 'from'} THREAD "
        "(a person's decision: matching never overrides it)."
    )
    return click.command(verb)(command)


@threads.command("close")
@click.argument("thread")
@click.pass_obj
@one_line_errors
def close(app: App, thread: str) -> None:
    """Stop matching new releases to THREAD (its timeline stays)."""
    with transaction(app.sessions) as session:
        found = find_thread(session, thread)
        close_thread(found)
        click.echo(f"closed '{found.name}'")


@threads.command("suggest")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=14,
    show_default=True,
    help="Look at releases first seen in this many days.",
)
@FORMAT
@click.pass_obj
@one_line_errors
def suggest(app: App, days: int, fmt: str) -> None:
    """Propose threads from recent unmatched releases that resemble each other across agencies."""
    with app.sessions() as session:
        proposals = suggest_threads(session, days=days)
        rows: list[dict[str, Any]] = [
            {
                "name": p.name,
                "keywords": list(p.keywords),
                "releases": [
                    {"id": r.id, "source": r.source.key, "title": r.title}
                    for r in session.scalars(select(Release).where(Release.id.in_(p.release_ids)))
                ],
            }
            for p in proposals
        ]
    if fmt == "json":
        echo_json(rows)
        return
    if not rows:
        click.echo(f"no cluster of similar releases from two or more agencies in {days} days")
    for row in rows:
        seeds = " ".join(f"-r {r['id']}" for r in row["releases"])
        click.echo(
            f"{row['name']}  ({len(row['releases'])} releases from "
            f"{len({r['source'] for r in row['releases']})} agencies)"
        )
        for r in row["releases"]:
            click.echo(f"    [{r['id']}] {r['source']:<6} {r['title']}")
        keywords = " ".join(f"-k {k!r}" for k in row["keywords"])
        click.echo(f"  monitor threads add {row['name']!r} {keywords} {seeds}\n")


threads.add_command(_membership(attach=True))
threads.add_command(_membership(attach=False))

COMMANDS = [threads]
