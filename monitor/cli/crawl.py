"""``monitor crawl``: crawl now, with progress on stderr and one summary line per source."""

from __future__ import annotations

import datetime as dt

import click
from sqlalchemy import select

from monitor.cli import App, echo_json, iso_date, one_line_errors
from monitor.crawl import Backfill, run_crawl
from monitor.models import Source
from monitor.progress import CrawlProgress
from monitor.runs import RunSummary
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
    "--no-baseline",
    "skip_baseline",
    is_flag=True,
    help="Report a first crawl's releases as news: mark the sources baselined before crawling.",
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
    app: App,
    sources: tuple[str, ...],
    max_pages: int | None,
    fmt: str,
    skip_baseline: bool,
    trigger: str,
) -> None:
    """Crawl SOURCES now (default: every enabled source).

    Until a crawl of a source has read its whole listing window and ended ok, what the source's
    crawls store is its baseline: history, not news (no "new" in digests, no thread updates, no
    alerts). Exits 0 when every source worked, 1 when any failed or was blocked.
    """
    keys = app.source_keys(sources)
    if not keys:
        raise click.UsageError("no source is enabled; name one or enable one in the config")
    progress = CrawlProgress()
    click.echo(f"crawling {', '.join(keys)} …", err=True)
    summaries = run_crawl(
        app.config,
        app.sessions,
        keys,
        max_pages=max_pages,
        on_progress=progress,
        trigger=trigger,
        skip_baseline=skip_baseline,
    )
    progress.done()
    if fmt == "json":
        echo_json([s.as_dict() for s in summaries])
    else:
        _report(summaries)
    if not all(s.status.worked for s in summaries):  # a partial run worked, with page errors
        raise SystemExit(1)


def _report(summaries: list[RunSummary]) -> None:
    """The text summary: a line per source, then what joined threads, baselines and health."""
    for summary in summaries:
        click.echo(summary.line())
    _thread_lines(summaries)
    for summary in summaries:
        if note := baseline_note(summary):
            click.echo(f"{summary.source}: {note}")
        health = summary.health
        if health.get("opened"):
            click.echo(f"{summary.source}: now {', '.join(health['opened'])}")
        if health.get("cleared"):
            click.echo(f"{summary.source}: no longer {', '.join(health['cleared'])}")


def _thread_lines(summaries: list[RunSummary]) -> None:
    for item in (t for s in summaries for t in s.threads):
        verb = membership_verb(item["state"])
        history = " as history" if item["history"] else ""
        click.echo(
            f"thread '{item['thread']}': release {item['release_id']} {verb} it{history} "
            f"(score {item['score']:.0f}; see `monitor threads show`)"
        )


def baseline_note(summary: RunSummary) -> str | None:
    """What a baseline run means for the source, in one line (``None`` for other runs)."""
    if not summary.baseline or not (summary.new or summary.baseline_complete):
        return None  # a first crawl that failed before storing anything: its error says why
    stored = f"{summary.new} release{'' if summary.new == 1 else 's'} stored as history"
    if summary.baseline_complete:
        return f"baseline, {stored}; from the next crawl on, changes are news"
    return (
        f"baseline, {stored}; the baseline is complete after a crawl that reads the whole "
        "listing window and ends ok"
    )


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
    history: stored like any other, not new in digests, and matched to threads as history (on
    the timeline, not a thread update, never alerted).
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
    _thread_lines([summary])
    with app.sessions() as session:
        row = session.scalar(select(Source).where(Source.key == key))
        if row is not None and row.backfill_done:
            click.echo(f"{key}: reached the end of the listing")
        elif row is not None and row.backfill_next:
            click.echo(f"{key}: `monitor backfill {key}` resumes at {row.backfill_next}")
    if not summary.status.worked:
        raise SystemExit(1)


COMMANDS.append(backfill)
