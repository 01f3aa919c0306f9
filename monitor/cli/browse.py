"""Reading commands: ``sources``, ``releases``, ``show``, ``diff``, ``export``."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys

import click
from sqlalchemy import select
from tabulate import tabulate

from monitor.cli import App, echo_json, iso_date, one_line_errors
from monitor.diff import render_text, version_diff
from monitor.digest.present import one_line
from monitor.history import (
    EXPORT_FIELDS,
    export_rows,
    find_release,
    get_version,
    last_runs,
    list_releases,
    release_record,
    utc_iso,
    version_record,
)
from monitor.models import ReleaseStatus, Source
from monitor.problems import open_problems
from monitor.runs import FAILURES_SHOWN

FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)


@click.group(invoke_without_command=True)
@FORMAT
@click.pass_context
@one_line_errors
def sources(ctx: click.Context, fmt: str) -> None:
    """Sources with their settings, last crawl result and open health problems
    (``check`` tries one out)."""
    if ctx.invoked_subcommand is not None:
        return
    app: App = ctx.obj
    with app.sessions() as session:
        runs = last_runs(session)
        problems = open_problems(session)
        baselined = dict(session.execute(select(Source.key, Source.baselined_at)).all())
        rows = []
        for key, source in app.config.sources.items():
            run = runs.get(key)
            rows.append(
                {
                    "source": key,
                    "agency": source.name,
                    "kind": source.kind,
                    "enabled": source.enabled,
                    "start_urls": list(source.listing_urls),
                    "max_pages": source.get("max_pages"),
                    "download_delay": source.get("download_delay"),
                    "last_run": None
                    if run is None
                    else {
                        "started_at": run.started_at.isoformat(timespec="seconds") + "Z",
                        "status": run.status.value,
                        "pages": run.pages,
                        "new": run.new,
                        "edited": run.edited,
                        "removed": run.removed,
                        "errors": run.errors,
                        "error": run.error,
                        "baseline": run.baseline,
                        "failures": [f.as_json() for f in run.failures],
                    },
                    "problems": [p.as_json() for p in problems.get(key, [])],
                    "baselined_at": utc_iso(baselined.get(key)),
                }
            )
    if fmt == "json":
        echo_json(rows)
        return
    table = [
        [
            r["source"],
            "yes" if r["enabled"] else "no",
            r["max_pages"],
            r["download_delay"],
            _last(r["last_run"]),
            _health(r["problems"]),
            r["start_urls"][0],
        ]
        for r in rows
    ]
    headers = ["source", "enabled", "max pages", "delay", "last run", "health", "listing"]
    click.echo(tabulate(table, headers=headers))
    for r in rows:  # what each problem is, and which pages the last run could not use
        for p in r["problems"]:
            since = str(p["since"])[:16].replace("T", " ")
            click.echo(f"{r['source']}: {p['label']} since {since}Z: {one_line(str(p['detail']))}")
        failures = r["last_run"]["failures"] if r["last_run"] else []
        for f in failures[:FAILURES_SHOWN]:
            click.echo(f"{r['source']}: failed page: {one_line(f['detail'])}: {one_line(f['url'])}")
        if len(failures) > FAILURES_SHOWN:
            click.echo(f"{r['source']}: … and {len(failures) - FAILURES_SHOWN} more failed pages")


def _health(problems: list[dict[str, object]]) -> str:
    return ", ".join(str(p["label"]) for p in problems) or "ok"


def _last(run: dict[str, object] | None) -> str:
    if run is None:
        return "never"
    text = f"{run['status']} {str(run['started_at'])[:16].replace('T', ' ')}"
    if run["baseline"]:  # what it stored is history
        return text + f" (baseline: {run['new']} stored as history, {run['errors']} errors)"
    return text + f" ({run['new']} new, {run['edited']} edited, {run['errors']} errors)"


@click.command()
@click.option("--source", help="Only this source.")
@click.option("--since", callback=iso_date, help="Published on or after this date (YYYY-MM-DD).")
@click.option("--status", type=click.Choice([s.value for s in ReleaseStatus]))
@click.option("--limit", type=click.IntRange(min=1), help="At most this many, newest first.")
@FORMAT
@click.pass_obj
@one_line_errors
def releases(
    app: App,
    source: str | None,
    since: dt.date | None,
    status: str | None,
    limit: int | None,
    fmt: str,
) -> None:
    """Stored releases, newest first."""
    if source:
        app.source_keys((source,))
    with app.sessions() as session:
        found = list_releases(
            session,
            source=source,
            since=since,
            status=ReleaseStatus(status) if status else None,
            limit=limit,
        )
        records = [release_record(r) for r in found]
    if fmt == "json":
        echo_json(records)
        return
    click.echo(
        tabulate(
            [
                [
                    r["id"],
                    r["source"],
                    r["published"] or "",
                    r["status"],
                    r["versions"],
                    _cut(r["title"], 70),
                ]
                for r in records
            ],
            headers=["id", "source", "published", "status", "versions", "title"],
        )
    )


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@click.command()
@click.argument("release")
@click.option("--version", "number", type=click.IntRange(min=1), help="Show this version.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.pass_obj
@one_line_errors
def show(app: App, release: str, number: int | None, fmt: str) -> None:
    """A release (id or URL): its current or chosen version and its history."""
    with app.sessions() as session:
        found = find_release(session, release)
        version = get_version(session, found, number)
        record = release_record(found)
        record["version"] = version_record(version)
        record["history"] = [version_record(v, body=False) for v in found.versions]
    if fmt == "json":
        echo_json(record)
        return
    shown = record["version"]
    click.echo(shown["title"])
    click.echo(f"{record['url']}")
    click.echo(
        f"source {record['source']} · published {shown['published'] or 'unknown'} · "
        f"{record['status']} · version {shown['number']} of {record['versions']}"
    )
    click.echo()
    click.echo(shown["body"])
    click.echo()
    click.echo("history:")
    for item in record["history"]:
        what = ", ".join(item["changed"]) if item["changed"] else "first seen"
        click.echo(f"  v{item['number']}  {item['fetched_at']}  {what}")


@click.command()
@click.argument("release")
@click.option(
    "--from",
    "old",
    type=click.IntRange(min=1),
    help="Older version (default: the one before --to).",
)
@click.option("--to", "new", type=click.IntRange(min=1), help="Newer version (default: current).")
@click.option("--color/--no-color", default=None, help="Colour insertions and deletions.")
@click.pass_obj
@one_line_errors
def diff(app: App, release: str, old: int | None, new: int | None, color: bool | None) -> None:
    """Word-level diff of title, date and body between two versions of RELEASE."""
    with app.sessions() as session:
        found = find_release(session, release)
        newer = get_version(session, found, new)
        if old is None and newer.number == 1:
            click.echo(f"release {found.id} has only one version")
            return
        older = get_version(session, found, old if old is not None else newer.number - 1)
    click.echo(
        f"{found.url}\nversion {older.number} ({older.fetched_at:%Y-%m-%d %H:%M}Z) → "
        f"version {newer.number} ({newer.fetched_at:%Y-%m-%d %H:%M}Z)\n"
    )
    use_color = sys.stdout.isatty() if color is None else color
    click.echo(render_text(version_diff(older, newer), color=use_color))


@click.command()
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option("--source", help="Only this source.")
@click.pass_obj
@one_line_errors
def export(app: App, fmt: str, source: str | None) -> None:
    """Every version of every release, one row each, to stdout."""
    if source:
        app.source_keys((source,))
    out = sys.stdout
    with app.sessions() as session:
        rows = export_rows(session, source=source)
        if fmt == "csv":
            writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
            writer.writeheader()
            writer.writerows(rows)
        else:
            out.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


COMMANDS = [sources, releases, show, diff, export]
