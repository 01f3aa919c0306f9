"""The baseline: a plain Scrapy spider that parses the same pages and stores nothing.

Run as ``python bench/bare_spider.py START_URL CONCURRENCY``; prints ``pages seconds``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, start: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_urls = [start]
        self.pages = 0

    def parse(self, response: scrapy.http.Response) -> Iterator[Any]:
        self.pages += 1
        for href in response.css(".views-row .news-title a::attr(href)").getall():
            yield response.follow(href, self.parse_release)
        following = response.css("a.usa-pagination__next-page::attr(href)").get()
        if following:
            yield response.follow(following, self.parse)

    def parse_release(self, response: scrapy.http.Response) -> Iterator[dict[str, Any]]:
        self.pages += 1
        yield {
            "title": response.css(".nr-title h1::text").get(),
            "date": response.css('meta[property="article:published_time"]::attr(content)').get(),
            "body": "\n\n".join(
                " ".join(p.xpath("string()").get().split()) for p in response.css(".nr-body p")
            ),
        }


def main() -> None:
    start, concurrency = sys.argv[1], int(sys.argv[2])
    process = CrawlerProcess(
        {
            "LOG_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
            "REMOTE_CONTROL_ENABLED": False,
            "ROBOTSTXT_OBEY": True,
            "DOWNLOAD_DELAY": 0,
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        }
    )
    crawler = process.create_crawler(BareSpider)
    began = time.perf_counter()
    process.crawl(crawler, start=start)
    process.start()
    print(crawler.spider.pages, time.perf_counter() - began)


if __name__ == "__main__":
    main()
