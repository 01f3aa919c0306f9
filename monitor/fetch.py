"""Scrapy components of the monitor: retries with backoff, and the pipeline into the store."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Self, TypeVar

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
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
