"""Config files: defaults, overrides, and one clear line for every mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

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
        ("[sources.fbi]\nenabled = true\n", r"monitor.toml:1: sources.fbi is not a known setting"),
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
