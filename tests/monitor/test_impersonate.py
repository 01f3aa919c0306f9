"""Impersonation: a source fetched with a browser's TLS fingerprint gets past a fingerprinting gate.

The gate (:mod:`tests.tls_newsrooms`) is a TLS server on 127.0.0.1 that reads each ClientHello
and answers non-browser clients with the site's 403 "Access Denied" page. Each crawl is a real
``monitor crawl`` process (Scrapy's reactor runs once per process). curl_cffi checks certificates;
it is told to trust the test CA through ``$CURL_CA_BUNDLE``, which it reads like curl does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from click.testing import CliRunner
from scrapy.http import Request

from monitor.cli import main
from monitor.config import ConfigError, load_config
from monitor.crawl import scrapy_settings
from monitor.fetch import ImpersonateMiddleware
from monitor.models import CrawlRun, Release
from monitor.samples import Newsroom, serve
from monitor.settings import DEFAULT_USER_AGENT
from tests.monitor.test_crawl_e2e import EXPECTED, by_path, count, summaries, write_config
from tests.tls_newsrooms import GatedNewsroom, serve_gated

KEYS = ("dhs", "ice", "ca_ag", "il_ag", "ny_ag")
SITE = "ny_ag"  # its spider follows links on whatever host served the listing
BLOCK_IMPORTS = "import sys; sys.modules['scrapy_impersonate'] = sys.modules['curl_cffi'] = None; "


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def gated(ca: trustme.CA) -> Iterator[GatedNewsroom]:
    with serve_gated(ca, SITE) as rooms:
        yield rooms[SITE]


def config_for(
    tmp_path: Path, database_url: str, rooms: dict[str, Newsroom], **source: str
) -> Path:
    path = write_config(tmp_path / "monitor.toml", database_url, rooms)
    lines = "".join(f'{key} = "{value}"\n' for key, value in source.items())
    path.write_text(path.read_text().replace(f"[sources.{SITE}]\n", f"[sources.{SITE}]\n{lines}"))
    return path


def crawl(
    config: Path, ca_file: Path, *sources: str, prelude: str = ""
) -> subprocess.CompletedProcess[str]:
    """``monitor crawl SOURCES`` (default: the gated site) in a process of its own."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("MONITOR_") and k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
    }
    environ["CURL_CA_BUNDLE"] = str(ca_file)
    program = prelude + "from monitor.cli import main; main()"
    command = [sys.executable, "-c", program, "--config", str(config), "crawl", "--format", "json"]
    return subprocess.run(
        [*command, *(sources or (SITE,))],
        capture_output=True,
        text=True,
        env=environ,
        cwd=config.parent,
        timeout=240,
        check=False,
    )


def test_without_impersonation_the_gate_blocks_and_nothing_is_stored(
    tmp_path, database_url, sessions, gated, ca_file
):
    config = config_for(tmp_path, database_url, {SITE: gated})
    result = crawl(config, ca_file)
    assert result.returncode == 1, result.stderr
    run = summaries(result)[SITE]
    assert run["status"] == "blocked"
    assert "blocked by the site (HTTP 403 'Access Denied' page)" in run["error"]
    assert gated.hellos and not any(h and h.browser_like for h in gated.hellos)
    with sessions() as session:
        assert count(session, Release) == 0
        assert session.query(CrawlRun).one().status.value == "blocked"


def test_impersonating_chrome_gets_through_and_keeps_conditional_requests(
    tmp_path, database_url, sessions, gated, ca_file
):
    config = config_for(tmp_path, database_url, {SITE: gated}, impersonate="chrome")
    result = crawl(config, ca_file)
    assert result.returncode == 0, result.stdout + result.stderr
    run = summaries(result)[SITE]
    expected = EXPECTED[SITE]["v1"]
    assert (run["status"], run["errors"]) == ("ok", 0)
    assert (run["new"], run["listing_pages"]) == (expected["releases"], expected["listing_pages"])
    with sessions() as session:
        stored = by_path(session, SITE)
        assert len(stored) == expected["releases"]
        for path, title in expected["titles"].items():
            assert stored[path].title == title
    assert all(h and h.browser_like for h in gated.hellos)
    assert gated.requests[0] == "/robots.txt"
    # left at our default, the User-Agent is the browser's, matching its fingerprint
    assert all("Chrome/" in agent for agent in gated.agents), set(gated.agents)

    gated.not_modified = 0
    again = crawl(config, ca_file)
    assert again.returncode == 0, again.stderr
    run = summaries(again)[SITE]
    assert (run["new"], run["edited"], run["unchanged"]) == (0, 0, expected["releases"])
    assert gated.not_modified == expected["releases"] + expected["listing_pages"]  # all 304


def test_an_operators_user_agent_is_sent_and_failures_are_retried(
    tmp_path, database_url, sessions, gated, ca_file
):
    broken = next(iter(EXPECTED[SITE]["v1"]["titles"]))
    gated.broken = {broken}
    agent = "example-monitor (ops@example.org)"
    config = config_for(
        tmp_path, database_url, {SITE: gated}, impersonate="firefox", user_agent=agent
    )
    result = crawl(config, ca_file)
    run = summaries(result)[SITE]
    assert (run["status"], run["errors"]) == ("partial", 1)  # the listing was read whole
    assert run["failures"][0]["status"] == 500
    assert run["new"] == EXPECTED[SITE]["v1"]["releases"] - 1
    assert gated.requests.count(broken) == 2  # retries = 1
    assert set(gated.agents) == {agent}


def test_without_the_extra_the_source_does_not_start_and_the_others_go_on(
    tmp_path, database_url, sessions, gated, ca_file
):
    with serve("il_ag") as plain:
        config = config_for(tmp_path, database_url, {SITE: gated, **plain}, impersonate="chrome131")
        result = crawl(config, ca_file, SITE, "il_ag", prelude=BLOCK_IMPORTS)
    assert result.returncode == 1
    runs = summaries(result)
    assert runs[SITE]["status"] == "failed"
    assert runs[SITE]["error"] == (
        "impersonate needs the optional extra: pip install 'press-monitor[impersonate]'"
    )
    assert runs["il_ag"]["status"] == "ok"
    assert gated.requests == []


# -- settings --------------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(text)
    return path


def test_impersonate_is_off_by_default_and_set_in_crawl_or_per_source(tmp_path):
    assert load_config(write(tmp_path, ""), source_keys=KEYS).source("dhs").get("impersonate") == ""
    text = '[crawl]\nimpersonate = "chrome"\n\n[sources.ice]\nimpersonate = "safari184"\n'
    config = load_config(write(tmp_path, text), source_keys=KEYS)
    assert config.source("dhs").get("impersonate") == "chrome"
    assert config.source("ice").get("impersonate") == "safari184"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[crawl]\nmax_pages = 2\nimpersonate = "chrom"\n',
            "monitor.toml:3: crawl.impersonate must be '' (off) or a browser curl_cffi can "
            "impersonate, such as 'chrome', 'chrome131', 'firefox' or 'safari', got 'chrom'",
        ),
        (
            "[sources.ny_ag]\nimpersonate = true\n",
            "monitor.toml:2: sources.ny_ag.impersonate must be '' (off) or a browser",
        ),
    ],
)
def test_an_unknown_browser_is_one_line_naming_file_line_and_key(tmp_path, text, message):
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text), source_keys=KEYS)
    assert str(error.value).startswith(f"{tmp_path / message}")


def test_without_curl_cffi_a_plausible_name_passes_the_config(tmp_path, monkeypatch):
    for name in ("curl_cffi", "curl_cffi.requests.impersonate"):
        monkeypatch.setitem(sys.modules, name, None)
    config = load_config(write(tmp_path, '[crawl]\nimpersonate = "chrome999"\n'), source_keys=KEYS)
    assert config.source("dhs").get("impersonate") == "chrome999"
    with pytest.raises(ConfigError, match=r"crawl\.impersonate must be"):
        load_config(write(tmp_path, '[crawl]\nimpersonate = "Chrome 131"\n'), source_keys=KEYS)


def test_scrapy_settings_route_downloads_through_the_browser_only_when_on(tmp_path):
    text = '[sources.ny_ag]\nimpersonate = "chrome"\n[sources.ice]\nimpersonate = "firefox"\n'
    text += 'user_agent = "example-monitor (ops@example.org)"\n'
    config = load_config(write(tmp_path, text), source_keys=KEYS)
    off = scrapy_settings(config.source("dhs"))
    assert not off.get("IMPERSONATE") and not off.getdict("DOWNLOAD_HANDLERS")
    assert off["USER_AGENT"] == DEFAULT_USER_AGENT
    chrome = scrapy_settings(config.source("ny_ag"))
    assert chrome["IMPERSONATE"] == "chrome"
    assert set(chrome.getdict("DOWNLOAD_HANDLERS").values()) == {
        "scrapy_impersonate.ImpersonateDownloadHandler"
    }
    assert chrome["USER_AGENT"] == "" and chrome.getdict("DEFAULT_REQUEST_HEADERS") == {}
    assert chrome["ROBOTSTXT_USER_AGENT"] == DEFAULT_USER_AGENT
    assert "monitor.fetch.BackoffRetryMiddleware" in chrome.getdict("DOWNLOADER_MIDDLEWARES")
    firefox = scrapy_settings(config.source("ice"))
    assert firefox["USER_AGENT"] == "example-monitor (ops@example.org)"


def test_the_middleware_marks_requests_with_the_browser_and_the_timeout():
    middleware = ImpersonateMiddleware("chrome131", 30)
    request = Request("https://ag.ny.gov/press-releases", meta={"download_timeout": 12})
    middleware.process_request(request)
    assert request.meta["impersonate"] == "chrome131"
    assert request.meta["impersonate_args"] == {"timeout": 12}
    own = Request("https://ag.ny.gov/", meta={"impersonate": "safari", "impersonate_args": {}})
    middleware.process_request(own)
    assert own.meta["impersonate"] == "safari" and own.meta["impersonate_args"]["timeout"] == 30


def test_sources_check_fetches_like_the_crawl(tmp_path, database_url, gated, ca_file, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.setenv("CURL_CA_BUNDLE", str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    plain = config_for(tmp_path, database_url, {SITE: gated})
    result = CliRunner().invoke(
        main, ["--config", str(plain), "--log-file", "", "sources", "check", SITE]
    )
    assert result.exit_code == 1 and "problem: blocked by the site (HTTP 403" in result.output
    chrome = config_for(tmp_path, database_url, {SITE: gated}, impersonate="chrome")
    result = CliRunner().invoke(
        main, ["--config", str(chrome), "--log-file", "", "sources", "check", SITE]
    )
    assert result.exit_code == 0, result.output
    assert "ok: every field was found" in result.output
