"""``monitor crawl``: crawl now, with progress on stderr and one summary line per source."""

from __future__ import annotations

import datetime as dt

import click
from sqlalchemy import select

from monitor.cli import App, echo_json, iso_date, one_line_errors
from monitor.crawl import Backfill, run_crawl
from monitor.models import Source
from monitor.progress import CrawlProgress
from monitor.threads import membership_verb


@click.command()
@click.argument("sources", nargs=-1)
@click.option("--max-pages", type=click.IntRange(min=1), help="Listing pages to read per source.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Summary format on stdout.",
)
@click.option(
    "--trigger",
    type=click.Choice(["manual", "schedule", "api"]),
    default="manual",
    hidden=True,
    help="What started the crawl (recorded with the run).",
)
@click.pass_obj
@one_line_errors
def crawl(
    app: App, sources: tuple[str, ...], max_pages: int | None, fmt: str, trigger: str
) -> None:
    """Crawl SOURCES now (default: every enabled source).

    Exits 0 when every source worked, 1 when any failed or was blocked.
    """
    keys = app.source_keys(sources)
    if not keys:
        raise click.UsageError("no source is enabled; name one or enable one in the config")
    progress = CrawlProgress()
    click.echo(f"crawling {', '.join(keys)} …", err=True)
    summaries = run_crawl(
        app.config, app.sessions, keys, max_pages=max_pages, on_progress=progress, trigger=trigger
    )
    progress.done()
    if fmt == "json":
        echo_json([s.as_dict() for s in summaries])
    else:
        for summary in summaries:
            click.echo(summary.line())
        for item in (t for s in summaries for t in s.threads):
            verb = membership_verb(item["state"])
            click.echo(
                f"thread '{item['thread']}': release {item['release_id']} {verb} it "
                f"(score {item['score']:.0f}; see `monitor threads show`)"
            )
        for summary in summaries:
            health = summary.health
            if health.get("opened"):
                click.echo(f"{summary.source}: now {', '.join(health['opened'])}")
            if health.get("cleared"):
                click.echo(f"{summary.source}: no longer {', '.join(health['cleared'])}")
    if not all(s.status.worked for s in summaries):  # a partial run worked, with page errors
        raise SystemExit(1)


COMMANDS = [crawl]


@click.command()
@click.argument("source")
@click.option("--pages", type=click.IntRange(min=1), help="Listing pages to read this time.")
@click.option(
    "--until",
    "until",
    callback=iso_date,
    help="Read on until a listing page reaches this date (YYYY-MM-DD).",
)
@click.option("--restart", is_flag=True, help="Start again from the first listing page.")
@click.pass_obj
@one_line_errors
def backfill(
    app: App, source: str, pages: int | None, until: dt.date | None, restart: bool
) -> None:
    """Load SOURCE's older releases, walking its listing back page by page (and on into the
    site's archive listing after the last page, where it has one, as dhs does).

    Each run resumes after the last listing page the previous one read. Backfilled releases are
    stored like any other but do not appear as new in digests, nor are they matched to threads.
    """
    if pages and until:
        raise click.UsageError("give --pages or --until, not both")
    [key] = app.source_keys((source,))
    with app.sessions() as session:
        row = session.scalar(select(Source).where(Source.key == key))
        resume = None if restart or row is None else row.backfill_next
        if row is not None and row.backfill_done and not restart:
            click.echo(
                f"{key}: the backfill reached the end of the listing already "
                "(--restart to walk it again)"
            )
            return
    start = (resume,) if resume else None
    plan = Backfill(start, pages or (None if until else 10), until)
    click.echo(f"backfilling {key} from {resume or 'the first listing page'} …", err=True)
    progress = CrawlProgress()
    [summary] = run_crawl(
        app.config, app.sessions, [key], trigger="backfill", on_progress=progress, backfill=plan
    )
    progress.done()
    click.echo(summary.line())
    with app.sessions() as session:
        row = session.scalar(select(Source).where(Source.key == key))
        if row is not None and row.backfill_done:
            click.echo(f"{key}: reached the end of the listing")
        elif row is not None and row.backfill_next:
            click.echo(f"{key}: `monitor backfill {key}` resumes at {row.backfill_next}")
    if not summary.status.worked:
        raise SystemExit(1)


COMMANDS.append(backfill)
