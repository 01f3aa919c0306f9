"""``monitor digest``: what changed in a day (or since a time), in the format asked for."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import click

from monitor.cli import App, iso_date, one_line_errors
from monitor.digest.build import build_digest, day_period, yesterday
from monitor.digest.mail import MailError, send_digest
from monitor.digest.render import RENDERERS


def _moment(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a time like 2025-09-20T08:00") from None


@click.command()
@click.option("--date", "day", callback=iso_date, help="The day (YYYY-MM-DD); default: yesterday.")
@click.option(
    "--since",
    callback=_moment,
    help="From this time until now instead (ISO; no zone means the digest's zone).",
)
@click.option(
    "--format", "fmt", type=click.Choice(list(RENDERERS)), default="text", show_default=True
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of stdout.",
)
@click.option(
    "--email",
    "recipients",
    multiple=True,
    help="Also send it (HTML with a plain-text part) to this address (repeatable).",
)
@click.pass_obj
@one_line_errors
def digest(
    app: App,
    day: dt.date | None,
    since: dt.datetime | None,
    fmt: str,
    output: str | None,
    recipients: tuple[str, ...],
) -> None:
    """The change digest: thread updates, new, edited and removed releases, source trouble.

    The day is a day in the configured time zone ([digest] timezone).
    """
    if day and since:
        raise click.UsageError("give --date or --since, not both")
    settings = app.config.digest
    zone = zoneinfo.ZoneInfo(settings["timezone"])
    if since is not None:
        start = since if since.tzinfo else since.replace(tzinfo=zone)
        end = dt.datetime.now(zone)
        if start >= end:
            raise click.BadParameter("must be in the past", param_hint="--since")
    else:
        start, end = day_period(day or yesterday(settings["timezone"]), settings["timezone"])
    keys = list(app.config.sources)
    agencies = app.config.agencies()
    with app.sessions() as session:
        built = build_digest(
            session,
            since=start,
            until=end,
            settings=settings,
            health=app.config.health,
            sources=keys,
            agencies=agencies,
        )
    text = RENDERERS[fmt](built)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {fmt} digest to {output}", err=True)
    else:
        click.echo(text)
    if recipients:
        try:
            send_digest(built, to=list(recipients), smtp=app.config.smtp)
        except MailError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"sent digest to {', '.join(recipients)}", err=True)


COMMANDS = [digest]
