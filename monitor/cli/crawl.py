"""``monitor crawl``: crawl now, with progress on stderr and one summary line per source."""

from __future__ import annotations

import click

from monitor.cli import App, echo_json, one_line_errors
from monitor.crawl import run_crawl
from monitor.models import RunStatus
from monitor.progress import CrawlProgress


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
            verb = "joined" if item["state"] == "confirmed" else "suggested for"
            click.echo(
                f"thread '{item['thread']}': release {item['release_id']} {verb} it "
                f"(score {item['score']:.0f}; see `monitor threads show`)"
            )
    if any(s.status is not RunStatus.OK for s in summaries):
        raise SystemExit(1)


COMMANDS = [crawl]
