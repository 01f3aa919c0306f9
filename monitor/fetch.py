"""Scrapy components of the monitor: retries with backoff, browser impersonation, and the
pipeline into the store."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Self, TypeVar

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from monitor.runs import RunRecorder

_R = TypeVar("_R", bound=Request | Response | None)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries (5xx, timeouts, dropped connections), waiting before each one.

    The wait is ``RETRY_BACKOFF`` seconds before the first retry, doubled for each further one.
    Only the retried request waits; other requests go on.
    """

    backoff: float = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = super().from_crawler(crawler)
        middleware.backoff = crawler.settings.getfloat("RETRY_BACKOFF", 0.0)
        return middleware

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response | Awaitable[Request]:
        return self._after_wait(super().process_response(request, response))

    def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Any = None
    ) -> Request | Response | Awaitable[Request] | None:
        return self._after_wait(super().process_exception(request, exception))

    def _after_wait(self, result: _R) -> _R | Awaitable[Request]:
        """A retry comes back after a sleep (Scrapy awaits what a middleware returns);
        anything else is handed on at once, so the common path pays for no coroutine."""
        if not isinstance(result, Request) or self.backoff <= 0:
            return result
        delay = self.backoff * 2 ** (int(result.meta.get("retry_times", 1)) - 1)
        return _later(delay, result)


async def _later(delay: float, request: Request) -> Request:
    await asyncio.sleep(delay)
    return request


class ImpersonateMiddleware:
    """Marks every request, robots.txt included, for scrapy-impersonate's download handler:
    fetched by curl_cffi with the TLS (and HTTP/2) fingerprint of the browser ``IMPERSONATE``.

    The handler passes Scrapy's headers on (ours win over the browser's own) but not the
    download timeout, which it is given here; proxies go through ``request.meta["proxy"]``.
    Switched off when ``IMPERSONATE`` is empty.
    """

    def __init__(self, browser: str, timeout: float) -> None:
        self.browser = browser
        self.timeout = timeout

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        browser = crawler.settings.get("IMPERSONATE") or ""
        if not browser:
            raise NotConfigured
        return cls(browser, crawler.settings.getfloat("DOWNLOAD_TIMEOUT"))

    def process_request(self, request: Request, spider: Any = None) -> None:
        request.meta.setdefault("impersonate", self.browser)
        args = dict(request.meta.get("impersonate_args") or {})
        args.setdefault("timeout", request.meta.get("download_timeout", self.timeout))
        request.meta["impersonate_args"] = args


def impersonation_missing() -> str | None:
    """Why impersonation cannot be switched on here (the extra is not installed), or ``None``."""
    try:
        import scrapy_impersonate  # noqa: F401
    except ImportError:
        return "impersonate needs the optional extra: pip install 'press-monitor[impersonate]'"
    return None


class StorePipeline:
    """Hands every item to the run's :class:`~monitor.runs.RunRecorder` (``spider.recorder``)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self._response_received, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    @property
    def recorder(self) -> RunRecorder | None:
        return getattr(self.crawler.spider, "recorder", None)

    def process_item(self, item: Any) -> Any:
        if self.recorder is not None:
            self.recorder.handle(item)
        return item

    def _response_received(self, response: Response, request: Request, spider: Any) -> None:
        if self.recorder is not None and not request.url.endswith("/robots.txt"):
            self.recorder.page_fetched()
