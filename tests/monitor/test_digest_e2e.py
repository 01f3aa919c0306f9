"""End to end: crawl the saved newsrooms, follow a story, crawl the later state, read the digest."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
from click.testing import CliRunner

from monitor.cli import main
from tests.conftest import empty_database
from tests.monitor.test_crawl_e2e import EXPECTED, crawl, write_config
from tests.newsrooms import SITES, serve

ICE_SEEDS = (
    "/news/releases/ice-asks-california-illinois-new-york-attorneys-general-honor-detainers",
    "/news/releases/dhs-puts-california-illinois-new-york-on-notice-detainers",
)
ICE_NEW = "/news/releases/ice-new-york-arrests-11-noncitizens-released-despite-detainers"
ICE_EDITED = "/news/releases/ice-reports-detainer-figures-fiscal-year-2025"


def cli(config: Path, *args: str) -> Any:
    result = CliRunner().invoke(main, ["--config", str(config), "--log-file", "", *args])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """v1 crawled, a thread created, v2 crawled; the digest since the thread, as JSON."""
    directory = tmp_path_factory.mktemp("digest")
    for database_url in empty_database(directory):
        with serve(*SITES) as rooms:
            # the saved pages end in early 2026: without this, every source would be "silent"
            quiet = "[health]\nsilence_min_days = 100000\n"
            config = write_config(directory / "monitor.toml", database_url, rooms, extra=quiet)
            start = dt.datetime.now(dt.UTC).isoformat()
            assert crawl(config).returncode == 0  # every source's baseline
            ice = rooms["ice"].root
            cli(
                config,
                "threads",
                "add",
                "ICE detainer dispute",
                "-k",
                "detainer",
                "-k",
                "sanctuary",
                *(a for p in ICE_SEEDS for a in ("-r", ice + p)),
            )
            since = dt.datetime.now(dt.UTC).isoformat()  # after the first crawl's events
            for room in rooms.values():
                room.state = "v2"
            second = crawl(config)
            assert second.returncode == 0, second.stderr
            digest = json.loads(cli(config, "digest", "--since", since, "--format", "json").output)
            yield {
                "config": config,
                "roots": {s: r.root for s, r in rooms.items()},
                "digest": digest,
                "crawl": json.loads(second.stdout),
                "since": since,
                "start": start,
            }


def paths(releases: list[dict[str, Any]], roots: dict[str, str]) -> set[str]:
    return {r["url"].removeprefix(roots[r["source"]]) for r in releases}


def test_digest_lists_new_edited_and_removed(story):
    digest, roots = story["digest"], story["roots"]
    assert paths(digest["new"], roots) == {p for s in SITES for p in EXPECTED[s]["v2"]["new"]}
    edited = {
        e["release"]["url"].removeprefix(roots[e["release"]["source"]]): e["fields"]
        for e in digest["edited"]
    }
    assert edited == {p: f for s in SITES for p, f in EXPECTED[s]["v2"]["edited"].items()}
    assert all("[-" in e["diff"] or "{+" in e["diff"] for e in digest["edited"])
    assert paths(digest["removed"], roots) == {
        p for s in SITES for p in EXPECTED[s]["v2"]["removed"]
    }
    assert all(r["last_text"] for r in digest["removed"])
    for release in digest["new"]:
        assert {"id", "source", "url", "title", "published", "first_seen"} <= set(release)
    assert [s["source"] for s in digest["sources"]] == list(SITES)
    assert all(s["status"] == "ok" and s["runs"] == 1 for s in digest["sources"])
    assert all(s["baseline"] is None for s in digest["sources"])  # the baseline came before


def test_the_first_crawl_is_a_baseline_and_only_the_later_changes_are_news(story):
    config, roots = story["config"], story["roots"]
    both = json.loads(cli(config, "digest", "--since", story["start"], "--format", "json").output)
    later = {p for s in SITES for p in EXPECTED[s]["v2"]["new"]}
    assert paths(both["new"], roots) == later  # none of the first crawl's releases
    assert len(both["edited"]) == sum(len(EXPECTED[s]["v2"]["edited"]) for s in SITES)
    for report in both["sources"]:
        releases = EXPECTED[report["source"]]["v1"]["releases"]
        assert report["baseline"] == {"runs": 1, "releases": releases, "complete": True}
        assert report["new"] == len(EXPECTED[report["source"]]["v2"]["new"])
    text = cli(config, "digest", "--since", story["start"]).output
    assert f"ice: baseline, {EXPECTED['ice']['v1']['releases']} releases stored as history" in text
    assert f"Sources baselined ({len(SITES)})" in text
    assert "sources baselined" in text.splitlines()[4]


def test_digest_shows_the_thread_update_with_its_reason(story):
    updates = story["digest"]["thread_updates"]
    assert [u["thread"]["name"] for u in updates] == ["ICE detainer dispute"]
    items = {r["url"].removeprefix(story["roots"][r["source"]]): r for r in updates[0]["releases"]}
    assert items[ICE_EDITED]["change"] == "joined"  # its new version matched
    for item in items.values():
        assert "title " in item["reason"] and "keywords: detainer" in item["reason"]
    unrelated = ("settlement", "lender", "scam", "landlord", "tax")
    assert not any(w in r["title"].lower() for r in updates[0]["releases"] for w in unrelated)
    matched = [t for run in story["crawl"] for t in run["threads"]]
    assert any(t["thread"] == "ICE detainer dispute" for t in matched)


def test_thread_timeline_and_manual_decisions(story):
    config, ice = story["config"], story["roots"]["ice"]
    shown = json.loads(
        cli(config, "threads", "show", "ICE detainer dispute", "--format", "json").output
    )
    urls = [m["url"] for m in shown["timeline"]]
    assert ice + ICE_SEEDS[0] in urls and ice + ICE_EDITED in urls
    assert ice + ICE_NEW not in urls  # the matcher missed it: a person attaches it
    assert [m["published"] for m in shown["timeline"]] == sorted(
        m["published"] for m in shown["timeline"]
    )
    cli(config, "threads", "detach", "ICE detainer dispute", ice + ICE_EDITED)
    after = json.loads(cli(config, "threads", "show", "1", "--format", "json").output)
    assert ice + ICE_EDITED not in [m["url"] for m in after["timeline"]]
    cli(config, "threads", "attach", "1", ice + ICE_NEW)
    again = json.loads(cli(config, "threads", "show", "1", "--format", "json").output)
    member = next(m for m in again["timeline"] if m["url"] == ice + ICE_NEW)
    assert (member["method"], member["state"], member["reason"]) == (
        "manual",
        "confirmed",
        "attached by hand",
    )
    listed = json.loads(cli(config, "threads", "list", "--format", "json").output)
    assert listed[0]["members"] >= 3 and listed[0]["keywords"] == ["detainer", "sanctuary"]


def test_every_format_renders_and_atom_parses(story):
    config, since = story["config"], story["since"]
    for fmt in ("text", "markdown", "html"):
        assert (
            "ICE detainer dispute"
            in cli(config, "digest", "--since", since, "--format", fmt).output
        )
    feed = feedparser.parse(cli(config, "digest", "--since", since, "--format", "atom").output)
    assert feed.bozo == 0 and len(feed.entries) > 10


def test_a_quiet_period_says_so(story):
    since = dt.datetime.now(dt.UTC).isoformat()
    assert crawl(story["config"]).returncode == 0  # the later state again: nothing changes
    output = cli(story["config"], "digest", "--since", since).output
    assert "No changes" in output, output


def test_a_day_without_crawls_says_so(story):
    output = cli(story["config"], "digest", "--date", "2020-01-01", "--format", "json").output
    assert {s["status"] for s in json.loads(output)["sources"]} == {"no runs"}


def test_silent_sources_are_flagged_from_their_own_history(story, tmp_path):
    config = story["config"]
    loud = tmp_path / "loud.toml"
    loud.write_text(config.read_text().replace("silence_min_days = 100000", ""))
    sources = json.loads(cli(loud, "digest", "--since", story["since"], "--format", "json").output)[
        "sources"
    ]
    assert {s["status"] for s in sources} == {"silent"}  # the saved releases end in 2026
    ice = next(s for s in sources if s["source"] == "ice")
    assert ice["error"].startswith("no new release since 2026-02-05 (usually every")


def test_contradictory_and_bad_options_are_refused(story):
    runner = CliRunner()
    both = runner.invoke(
        main,
        [
            "--config",
            str(story["config"]),
            "--log-file",
            "",
            "digest",
            "--date",
            "2025-01-01",
            "--since",
            "2025-01-01T00:00",
        ],
    )
    assert both.exit_code == 2 and "not both" in both.output
    bad = runner.invoke(
        main, ["--config", str(story["config"]), "--log-file", "", "digest", "--date", "yesterday"]
    )
    assert bad.exit_code == 2 and "is not a date" in bad.output


def test_digest_by_email_through_the_cli(story, start_server, tmp_path):
    inbox, port = start_server()
    config = tmp_path / "mail.toml"
    config.write_text(
        story["config"].read_text()
        + (
            f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
            'sender = "monitor@example.org"\n'
        )
    )
    cli(
        config,
        "digest",
        "--since",
        story["since"],
        "--email",
        "desk@example.org",
        "--output",
        str(tmp_path / "digest.txt"),
    )
    [received] = inbox.received
    message = received.message
    assert message["To"] == "desk@example.org"
    assert {part.get_content_type() for part in message.iter_parts()} == {"text/plain", "text/html"}
    assert "ICE detainer dispute" in message.get_body(("plain",)).get_content()
    assert (tmp_path / "digest.txt").read_text().startswith("Press-release changes")


def test_mail_failure_is_one_line(story, tmp_path):
    config = tmp_path / "nomail.toml"
    config.write_text(
        story["config"].read_text() + '\n[smtp]\nhost = "127.0.0.1"\nport = 9\nsecurity = "none"\n'
    )
    result = CliRunner().invoke(
        main,
        [
            "--config",
            str(config),
            "--log-file",
            "",
            "digest",
            "--date",
            "2020-01-01",
            "--email",
            "desk@example.org",
        ],
    )
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith("Error: cannot send digest via 127.0.0.1:9")


def test_suggest_proposes_clusters_across_agencies(story):
    proposals = json.loads(
        cli(story["config"], "threads", "suggest", "--days", "3", "--format", "json").output
    )
    assert proposals, "the saved newsrooms hold stories told by several agencies"
    for proposal in proposals:
        assert len({r["source"] for r in proposal["releases"]}) >= 2
        assert proposal["keywords"]
    largest = proposals[0]
    assert len({r["source"] for r in largest["releases"]}) >= 3
    members = json.loads(cli(story["config"], "threads", "show", "1", "--format", "json").output)[
        "timeline"
    ]
    confirmed = {m["release"] for m in members if m["state"] == "confirmed"}
    assert not confirmed & {r["id"] for p in proposals for r in p["releases"]}
    text = cli(story["config"], "threads", "suggest", "--days", "3").output
    assert "monitor threads add" in text
