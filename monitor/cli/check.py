"""``monitor sources check SOURCE``: what a crawl would extract, without storing anything."""

from __future__ import annotations

import click

from monitor.check import CheckError, CheckReport, ListingReport, ReleaseReport, check_source
from monitor.cli import App, echo_json, one_line_errors
from monitor.cli.browse import sources
from monitor.digest.present import one_line

ROWS_SHOWN = 10


@sources.command("check")
@click.argument("source")
@click.option("--url", "listing_url", help="Read this listing page (or feed) instead.")
@click.option("--release", "release_url", help="Read this release page instead of the first row's.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.pass_obj
@one_line_errors
def check(
    app: App, source: str, listing_url: str | None, release_url: str | None, fmt: str
) -> None:
    """Fetch one listing page and one release page of SOURCE the way a crawl does (robots.txt,
    retries, impersonation, truncation rules) and show what would be extracted, and which
    selector found each value. Exits with status 1 when something is missing."""
    [key] = app.source_keys((source,))
    try:
        report = check_source(app.config, key, listing_url=listing_url, release_url=release_url)
    except CheckError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        echo_json(report.to_json())
    else:
        click.echo("\n".join(report_lines(report)))
    if not report.ok:
        raise SystemExit(1)


def report_lines(report: CheckReport) -> list[str]:
    lines = [f"source {report.source} ({report.kind}): {one_line(report.agency)}"]
    lines += _listing_lines(report.listing)
    if report.release is not None:
        lines += _release_lines(report.release)
    problems = report.listing.problems + (report.release.problems if report.release else [])
    lines.append("")
    lines += [f"problem: {one_line(p)}" for p in problems] or ["ok: every field was found"]
    return lines


def _by(text: str) -> str:
    return f"  [by {one_line(text)}]" if text else ""


def _listing_lines(listing: ListingReport) -> list[str]:
    status = f"HTTP {listing.status}, {listing.size:,} bytes" if listing.status else "not fetched"
    lines = [f"listing  {one_line(listing.url)}  ({status})"]
    if not listing.status:
        return lines
    dated = sum(1 for r in listing.rows if r.published)
    lines.append(
        f"  {len(listing.rows)} rows{_by(listing.rows_by)}, {dated} with a date"
        + ("" if listing.complete else ", page cut short")
    )
    for number, row in enumerate(listing.rows[:ROWS_SHOWN], start=1):
        date = row.published.isoformat() if row.published else "no date   "
        title = one_line(row.title or "")[:70]
        lines.append(f"  {number:>3}. {date}  {title}")
        lines.append(f"       {one_line(row.url)}{_by(row.date_by)}")
    if len(listing.rows) > ROWS_SHOWN:
        lines.append(f"       … and {len(listing.rows) - ROWS_SHOWN} more")
    if listing.next_url:
        lines.append(f"  next page: {one_line(listing.next_url)}{_by(listing.next_by)}")
    else:
        lines.append("  next page: none")
    return lines


def _release_lines(release: ReleaseReport) -> list[str]:
    status = f"HTTP {release.status}" if release.status else "not fetched"
    lines = [f"release  {one_line(release.url)}  ({status})"]
    if release.title or release.published or release.words:
        date = release.published.isoformat() if release.published else "none"
        lines += [
            f"  title      {one_line(release.title) or 'none'}{_by(release.title_by)}",
            f"  published  {date}{_by(release.date_by)}",
            f"  body       {release.words} words{_by(release.body_by)}",
        ]
        if release.excerpt:
            lines.append(f"             {one_line(release.excerpt)} …")
    return lines
