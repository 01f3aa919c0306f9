"""Config files: defaults, overrides, and one clear line for every mistake."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.config import DEFAULT_DATABASE_URL, ConfigError, load_config
from monitor.settings import CRAWL_SETTINGS, SECTIONS

KEYS = ("dhs", "ice", "ca_ag", "il_ag", "ny_ag")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(text)
    return path


def test_defaults_without_a_file(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MONITOR_CONFIG", raising=False)
    monkeypatch.delenv("MONITOR_DATABASE_URL", raising=False)
    config = load_config(None, source_keys=KEYS)
    assert config.path is None
    assert config.database_url == DEFAULT_DATABASE_URL
    assert all(s.enabled for s in config.sources.values())
    assert config.source("dhs").get("download_delay") > 0
    assert config.source("dhs").get("obey_robots") is True


def test_file_values_and_per_source_overrides(tmp_path, monkeypatch):
    monkeypatch.delenv("MONITOR_DATABASE_URL", raising=False)
    path = write(
        tmp_path,
        """
[database]
url = "sqlite:///elsewhere.db"

[crawl]
download_delay = 0.5
max_pages = 2

[sources.dhs]
enabled = false

[sources.ice]
start_urls = ["http://127.0.0.1:9999/newsroom"]
max_pages = 7
user_agent = "example-monitor (ops@example.org)"
""",
    )
    config = load_config(path, source_keys=KEYS)
    assert config.database_url == "sqlite:///elsewhere.db"
    assert config.source("dhs").enabled is False
    ice = config.source("ice")
    assert ice.start_urls == ("http://127.0.0.1:9999/newsroom",)
    assert (ice.get("max_pages"), ice.get("download_delay")) == (7, 0.5)
    assert ice.get("user_agent") == "example-monitor (ops@example.org)"
    assert config.source("ny_ag").get("max_pages") == 2


def test_environment_chooses_file_and_database(tmp_path, monkeypatch):
    path = write(tmp_path, '[database]\nurl = "sqlite:///from-file.db"\n')
    monkeypatch.setenv("MONITOR_CONFIG", str(path))
    monkeypatch.setenv("MONITOR_DATABASE_URL", "sqlite:///from-env.db")
    config = load_config(None, source_keys=KEYS)
    assert config.path == path
    assert config.database_url == "sqlite:///from-env.db"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[crawl]\nmax_pages = \n", r"monitor.toml:2: invalid TOML: .*"),
        (
            "[crawl]\nmax_pages = 0\n",
            r"monitor.toml:2: crawl.max_pages must be a positive integer, got 0",
        ),
        (
            '\n\n[sources.dhs]\nenabled = "no"\n',
            r"monitor.toml:4: sources.dhs.enabled must be true or false",
        ),
        (
            "[crawl]\ndownload_dealy = 1\n",
            r"monitor.toml:2: crawl.download_dealy is not a known setting \(did you mean 'download_delay'\?\)",
        ),
        (
            "[sources.fbi]\nenabled = true\n",
            r"monitor.toml:1: sources.fbi is not a built-in source .*kind = .html. or .rss.",
        ),
        (
            '[sources.ice]\nstart_urls = ["ftp://x"]\n',
            r"monitor.toml:2: sources.ice.start_urls must be a non-empty list of http\(s\) URLs",
        ),
        ("crawl = 3\n", r"monitor.toml:1: crawl must be a table"),
        (
            "[digest]\n\nsilence_min_days = 3\n",
            r"monitor.toml:3: digest.silence_min_days has moved to \[health\]",
        ),
        (
            '[alerts]\nurls = ["hooks.example.org/x"]\n',
            r"monitor.toml:2: alerts.urls must be a list of Apprise URLs",
        ),
        (
            '[alerts]\nevents = ["thread", "everything"]\n',
            r"monitor.toml:2: alerts.events must be a list of 'thread', 'source', 'watched'",
        ),
        (
            "[health]\nfewer_share = 1.5\n",
            r"monitor.toml:2: health.fewer_share must be a number between 0 and 1",
        ),
    ],
    ids=[
        "syntax",
        "zero",
        "type",
        "typo",
        "unknown-source",
        "bad-url",
        "not-a-table",
        "moved",
        "alert-url",
        "alert-event",
        "share",
    ],
)
def test_mistakes_get_one_line_naming_file_line_and_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(path, source_keys=KEYS)
    assert "\n" not in str(caught.value)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.toml: cannot read config file"):
        load_config(tmp_path / "nope.toml", source_keys=KEYS)


def test_example_config_in_deploy_is_valid_and_matches_the_defaults(monkeypatch):
    monkeypatch.delenv("MONITOR_DATABASE_URL", raising=False)
    example = Path(__file__).parents[2] / "deploy" / "monitor.example.toml"
    config = load_config(example, source_keys=KEYS)
    assert config.database_url == DEFAULT_DATABASE_URL
    for setting in CRAWL_SETTINGS:
        assert config.crawl[setting.name] == setting.default, setting.name
    for section, settings in SECTIONS.items():
        for setting in settings:
            assert config.sections[section][setting.name] == setting.default, setting.name


def test_section_settings_are_checked(tmp_path):
    bad = write(tmp_path, '[digest]\ntimezone = "Mars/Olympus"\n')
    with pytest.raises(ConfigError, match=r"monitor.toml:2: digest.timezone must be an IANA"):
        load_config(bad, source_keys=KEYS)
    crossed = write(tmp_path, "[threads]\nmatch_threshold = 30\nsuggest_threshold = 40\n")
    with pytest.raises(ConfigError, match="suggest_threshold must not be above match_threshold"):
        load_config(crossed, source_keys=KEYS)


NEWSROOM = """
[crawl]
max_pages = 4

[sources.wa_ag]
kind = "html"
name = "Washington Attorney General"
start_urls = ["https://www.atg.wa.gov/news/news-releases"]
download_delay = 3

[sources.wa_ag.listing]
row = ".view-content .views-row"
link = "h3 a"
date = "//span[@class='news-date']"
date_format = "%B %d, %Y"
next_page = "li.pager-next a"

[sources.wa_ag.release]
body = ".field--name-body"
drop = [".share-links"]

[sources.doj]
kind = "rss"
start_urls = ["https://www.justice.gov/news/rss?type=press_release"]
"""


def test_a_newsroom_defined_in_the_config(tmp_path):
    config = load_config(write(tmp_path, NEWSROOM))
    assert list(config.sources)[-2:] == ["wa_ag", "doj"]
    wa = config.source("wa_ag")
    assert wa.kind == "html" and wa.name == "Washington Attorney General"
    assert wa.get("download_delay") == 3 and wa.get("max_pages") == 4  # own, then [crawl]
    assert wa.definition is not None and wa.definition.listing is not None
    assert wa.definition.listing.date_format == "%B %d, %Y"
    assert wa.definition.release.drop == (".share-links",)
    spider = wa.spider
    assert spider.name == "wa_ag" and spider.hosts == ("www.atg.wa.gov",)
    assert spider is config.source("wa_ag").spider  # one class per definition
    doj = config.source("doj")
    assert doj.kind == "rss" and doj.name == "doj"
    assert doj.definition is not None and not doj.definition.fetch_pages
    assert config.agencies()["wa_ag"] == "Washington Attorney General"


@pytest.mark.parametrize(
    ("edit", "lines"),
    [
        (
            ('row = ".view-content .views-row"', 'row = ".view-content >> .views-row"'),
            [r"monitor.toml:12: sources.wa_ag.listing.row is not a valid CSS selector"],
        ),
        (
            ('date_format = "%B %d, %Y"', 'date_format = "%B %Y"'),
            [r"monitor.toml:15: sources.wa_ag.listing.date_format does not give a whole date"],
        ),
        (
            ('link = "h3 a"\n', ""),
            [r"monitor.toml: sources.wa_ag.listing.link is required"],
        ),
        (
            ('body = ".field--name-body"', 'body = ".field--name-body'),
            [r"monitor.toml:\d+: invalid TOML"],
        ),
        (
            ('body = ".field--name-body"', "body = \"//div[@class='x'\""),
            [r"monitor.toml:\d+: sources.wa_ag.release.body is not a valid XPath selector"],
        ),
        (  # two mistakes: two lines
            (
                'date_format = "%B %d, %Y"\nnext_page = "li.pager-next a"',
                'date_format = "x"\nnext_pager = "li.pager-next a"',
            ),
            [
                r"monitor.toml:\d+: sources.wa_ag.listing.next_pager is not a known selector "
                r"\(did you mean 'next_page'\?\)",
                r"sources.wa_ag.listing.date_format has no % directive",
            ],
        ),
        (('kind = "html"', 'kind = "json"'), [r"sources.wa_ag.kind must be 'html' or 'rss'"]),
        (
            ('rss?type=press_release"]\n', 'rss?type=press_release"]\n[sources.doj.listing]\n'),
            [r"sources.doj.listing does not apply to kind = 'rss'"],
        ),
        (
            ('start_urls = ["https://www.justice.gov/news/rss?type=press_release"]\n', ""),
            [r"sources.doj.start_urls is required for kind = 'rss'"],
        ),
    ],
    ids=["css", "date-format", "missing", "toml", "xpath", "two", "kind", "rss-listing", "no-url"],
)
def test_newsroom_mistakes_get_one_line_each(tmp_path, edit, lines):
    old, new = edit
    assert old in NEWSROOM
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, NEWSROOM.replace(old, new, 1)))
    message = str(caught.value).splitlines()
    assert len(message) == len(lines), message
    for line, pattern in zip(message, lines, strict=True):
        assert re.search(pattern, line), (pattern, line)


def test_a_built_in_key_cannot_be_redefined_and_keys_are_checked(tmp_path):
    with pytest.raises(ConfigError, match=r"sources.dhs.kind is not a known setting"):
        load_config(write(tmp_path, '[sources.dhs]\nkind = "html"\n'))
    with pytest.raises(ConfigError, match=r"sources.Bad-Key is not a usable source key"):
        load_config(
            write(tmp_path, '[sources.Bad-Key]\nkind = "rss"\nstart_urls = ["https://x"]\n')
        )


# Every setting that counts something (pages, retries, seconds, days, crawls, a port) takes
# whole numbers only: 2.5 retries or 3.0 pages is a mistake, named like any other.
COUNTS = [
    ("crawl", "max_pages"),
    ("crawl", "concurrent_requests"),
    ("crawl", "timeout"),
    ("crawl", "retries"),
    ("crawl", "recheck_days"),
    ("crawl", "jitter"),
    ("sources.ice", "retries"),
    ("sources.ice", "max_pages"),
    ("threads", "window_days"),
    ("health", "failures"),
    ("health", "silence_min_days"),
    ("alerts", "retries"),
    ("smtp", "port"),
    ("smtp", "timeout"),
    ("service", "port"),
    ("service", "max_crawls"),
    ("service", "crawl_timeout"),
    ("service", "misfire_grace_time"),
    ("service", "shutdown_grace"),
]


def test_every_count_setting_is_covered():
    scores = {"match_threshold", "suggest_threshold"}  # 0-100, fractions allowed
    tables = {"crawl": CRAWL_SETTINGS, **SECTIONS}
    counted = {
        (table, s.name)
        for table, settings in tables.items()
        for s in settings
        if type(s.default) is int and s.name not in scores
    }
    assert counted <= set(COUNTS), counted - set(COUNTS)


@pytest.mark.parametrize(("table", "name"), COUNTS, ids=[f"{t}.{n}" for t, n in COUNTS])
@pytest.mark.parametrize("value", ["2.5", "3.0"])
def test_counts_take_whole_numbers_only(tmp_path, table, name, value):
    path = write(tmp_path, f"[{table}]\n{name} = {value}\n")
    result = CliRunner().invoke(main, ["--config", str(path), "--log-file", "", "sources"])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"Error: {path}:2: {table}.{name} must be ")
    assert result.output.rstrip().endswith(f"got {float(value)!r}")
    assert len(result.output.strip().splitlines()) == 1
    fine = write(tmp_path, f"[{table}]\n{name} = 3\n")
    assert load_config(fine, source_keys=KEYS).path == fine
