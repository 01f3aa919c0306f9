"""Every setting the config file knows: one table per section (name, default, help, check).

The tables drive defaults, validation and the README's settings tables alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from monitor import __version__
from monitor.setting_checks import (
    address_list,
    any_string,
    apprise_urls,
    boolean,
    browser_name,
    end_markers,
    non_empty_string,
    non_negative_int,
    non_negative_number,
    one_of,
    parameter_names,
    positive_int,
    score,
    share,
    timezone_name,
    url_list,
)
from monitor.timetable import valid_schedule

DEFAULT_USER_AGENT = (
    f"press-monitor/{__version__} (change monitor for government press releases; "
    "set [crawl] user_agent to add your contact)"
)


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    check: Callable[[Any], bool]
    expects: str


# The crawl settings: defaults for every source in [crawl], overridable per source.
CRAWL_SETTINGS: tuple[Setting, ...] = (
    Setting("max_pages", 3, "listing pages read per crawl", positive_int, "a positive integer"),
    Setting(
        "download_delay",
        1.5,
        "seconds between requests to one host",
        non_negative_number,
        "a number of seconds >= 0",
    ),
    Setting(
        "concurrent_requests",
        1,
        "requests in flight at once to the source's host",
        positive_int,
        "a positive integer",
    ),
    Setting(
        "user_agent",
        DEFAULT_USER_AGENT,
        "User-Agent header sent to the sites",
        non_empty_string,
        "a non-empty string",
    ),
    Setting(
        "timeout", 30, "seconds before a request is abandoned", positive_int, "a positive integer"
    ),
    Setting(
        "retries",
        3,
        "retries of a request after a 5xx answer or a timeout",
        non_negative_int,
        "a whole number >= 0",
    ),
    Setting(
        "retry_backoff",
        2.0,
        "seconds before the first retry, doubled on each further retry",
        non_negative_number,
        "a number of seconds >= 0",
    ),
    Setting(
        "recheck_days",
        7,
        "known releases older than the listing window are re-fetched when "
        "this many days have passed since their last fetch",
        positive_int,
        "a positive integer",
    ),
    Setting("obey_robots", True, "obey robots.txt", boolean, "true or false"),
    Setting(
        "strip_query",
        [],
        "query parameters dropped from release and listing URLs, besides known tracking ones "
        "(utm_*, fbclid, gclid, mc_cid, …)",
        parameter_names,
        "a list of query parameter names such as ['source', 'ref']",
    ),
    Setting(
        "end_markers",
        [],
        "what a whole page holds: closing tags such as '</body>' or selectors such as "
        "'footer' (any one found); [] for the spider's own",
        end_markers,
        "a list of closing tags such as '</body>' and CSS or XPath selectors such as 'footer'",
    ),
    Setting(
        "impersonate",
        "",
        "fetch with this browser's TLS fingerprint (needs the impersonate extra); '' for off",
        browser_name,
        "'' (off) or a browser curl_cffi can impersonate, such as 'chrome', 'chrome131', "
        "'firefox' or 'safari'",
    ),
    Setting(
        "schedule",
        "every 2h",
        "when the service crawls: 'every N s|m|h|d' or a crontab line",
        valid_schedule,
        "'every 2h' or a crontab line like '15 */2 * * *'",
    ),
    Setting(
        "schedule_timezone",
        "America/New_York",
        "time zone of crontab schedules",
        timezone_name,
        "an IANA time zone",
    ),
    Setting(
        "jitter",
        120,
        "up to this many seconds added at random to each scheduled crawl",
        non_negative_int,
        "a whole number of seconds >= 0",
    ),
)
SOURCE_ONLY: tuple[Setting, ...] = (
    Setting("enabled", True, "crawl this source", boolean, "true or false"),
    Setting(
        "start_urls",
        None,
        "listing URL(s) to start from (a mirror or local copy)",
        url_list,
        "a non-empty list of http(s) URLs",
    ),
)
CRAWL_BY_NAME = {s.name: s for s in CRAWL_SETTINGS}
SOURCE_BY_NAME = {s.name: s for s in (*CRAWL_SETTINGS, *SOURCE_ONLY)}


THREAD_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "match_threshold",
        50,
        "a release whose score reaches this joins a thread",
        score,
        "a score from 0 to 100",
    ),
    Setting(
        "suggest_threshold",
        40,
        "from this score up to the match threshold a release is suggested, not joined",
        score,
        "a score from 0 to 100",
    ),
    Setting(
        "window_days",
        120,
        "thread members published further than this from a release are not compared with it",
        positive_int,
        "a positive integer",
    ),
)
DIGEST_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "timezone",
        "America/New_York",
        "the day a digest covers is a day in this zone",
        timezone_name,
        "an IANA time zone such as 'America/Chicago'",
    ),
)


DIGEST_DELIVERY: tuple[Setting, ...] = (
    Setting(
        "schedule",
        "0 7 * * *",
        "when the service makes the daily digest (in the digest's time zone)",
        valid_schedule,
        "a crontab line like '0 7 * * *'",
    ),
    Setting(
        "email",
        [],
        "addresses the service mails the digest to",
        address_list,
        "a list of e-mail addresses",
    ),
    Setting(
        "output_dir",
        "",
        "folder the service writes each digest to (HTML, JSON and Atom); '' for none",
        any_string,
        "a folder path",
    ),
)
SERVICE_SETTINGS: tuple[Setting, ...] = (
    Setting("host", "127.0.0.1", "address `monitor serve` listens on", non_empty_string, "a host"),
    Setting("port", 8080, "port `monitor serve` listens on", positive_int, "a port number"),
    Setting(
        "token",
        "",
        "token for write actions (trigger, attach, detach); $MONITOR_TOKEN wins; "
        "required when not bound to 127.0.0.1",
        any_string,
        "a string",
    ),
    Setting("max_crawls", 2, "crawls running at once", positive_int, "a positive integer"),
    Setting(
        "crawl_timeout",
        1800,
        "seconds before a crawl is stopped",
        positive_int,
        "a positive integer",
    ),
    Setting(
        "misfire_grace_time",
        3600,
        "seconds a missed scheduled run may still start late (missed runs are coalesced into one)",
        positive_int,
        "a positive integer",
    ),
    Setting(
        "shutdown_grace",
        30,
        "seconds running crawls get to finish on shutdown",
        positive_int,
        "a positive integer",
    ),
)
SMTP_SETTINGS: tuple[Setting, ...] = (
    Setting("host", "localhost", "SMTP server", non_empty_string, "a host name"),
    Setting("port", 587, "SMTP port", positive_int, "a port number"),
    Setting(
        "security",
        "starttls",
        "'starttls', 'tls' (implicit TLS) or 'none'",
        one_of("starttls", "tls", "none"),
        "'starttls', 'tls' or 'none'",
    ),
    Setting("user", "", "login name ('' for none)", any_string, "a string"),
    Setting(
        "password_env",
        "MONITOR_SMTP_PASSWORD",
        "environment variable holding the password",
        non_empty_string,
        "an environment variable name",
    ),
    Setting(
        "sender",
        "press-monitor@localhost",
        "From address of digests",
        non_empty_string,
        "an e-mail address",
    ),
    Setting(
        "timeout",
        30,
        "seconds before the SMTP server is given up on",
        positive_int,
        "a positive integer",
    ),
)


HEALTH_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "failures",
        3,
        "a source is failing after this many failed crawls in a row",
        positive_int,
        "a positive integer",
    ),
    Setting(
        "fewer_share",
        0.5,
        "a listing shows far fewer releases than usual below this share of the median per "
        "listing page of the source's recent ok crawls",
        share,
        "a number between 0 and 1",
    ),
    Setting(
        "undated_share",
        0.5,
        "dates stopped parsing when more than this share of a listing's rows have none "
        "(and usually fewer do)",
        share,
        "a number between 0 and 1",
    ),
    Setting(
        "broken_share",
        0.5,
        "most release links of a listing fail when more than this share of them failed "
        "in the last crawl",
        share,
        "a number between 0 and 1",
    ),
    Setting(
        "silence_factor",
        4.0,
        "a source is silent when its newest release is older than "
        "this many times its usual gap between releases",
        non_negative_number,
        "a number >= 0",
    ),
    Setting(
        "silence_min_days",
        7,
        "a source is never called silent before this many days",
        positive_int,
        "a positive integer",
    ),
)
ALERT_EVENTS = ("thread", "source", "watched")


def _events(v: Any) -> bool:
    return isinstance(v, list) and all(e in ALERT_EVENTS for e in v)


ALERT_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "urls",
        [],
        "Apprise URLs alerts go to (mailto://, slack://, matrix://, ntfy://, json://, …)",
        apprise_urls,
        "a list of Apprise URLs such as 'ntfy://ntfy.sh/my-topic'",
    ),
    Setting(
        "events",
        list(ALERT_EVENTS),
        "what is alerted: 'thread' (a release joined or was suggested for a thread), "
        "'source' (a source broken or recovered), 'watched' (a thread member edited or removed)",
        _events,
        f"a list of {', '.join(repr(e) for e in ALERT_EVENTS)}",
    ),
    Setting(
        "retries",
        2,
        "retries of a failed notification",
        lambda v: non_negative_int(v) and v <= 10,
        "a whole number from 0 to 10",
    ),
    Setting(
        "retry_delay",
        2.0,
        "seconds between retries of a failed notification",
        lambda v: non_negative_number(v) and v <= 20,
        "a number of seconds from 0 to 20",
    ),
)
# Sections other than [crawl] and [sources.*]: one flat table each.
SECTIONS: dict[str, tuple[Setting, ...]] = {
    "threads": THREAD_SETTINGS,
    "digest": (*DIGEST_SETTINGS, *DIGEST_DELIVERY),
    "health": HEALTH_SETTINGS,
    "alerts": ALERT_SETTINGS,
    "smtp": SMTP_SETTINGS,
    "service": SERVICE_SETTINGS,
}
# Settings that moved to another section: named in the error, not just "unknown".
MOVED: dict[tuple[str, str], str] = {
    ("digest", "silence_factor"): "health",
    ("digest", "silence_min_days"): "health",
}
