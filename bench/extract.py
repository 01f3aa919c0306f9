"""Release-page extraction benchmark for newsrooms defined in the config.

    python bench/extract.py [--rounds 20]

Reads every saved release page of the two html sample newsrooms defined in the example config
through their configured spiders: ``wa_ag`` finds its body with a selector, ``ma_ag`` with the
main-content extractor (``body = "auto"``). Prints the median time per page of each and their
ratio, and the same pages read by a built-in spider (``ny_ag``) as the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from scrapy.http import HtmlResponse, Request

from monitor.config import load_config
from monitor.samples import DATA, EXAMPLE_CONFIG


def pages(site: str, folder: str) -> list[HtmlResponse]:
    files = sorted((DATA / site / "v1" / folder).rglob("*.html"))
    return [
        HtmlResponse(
            url=f"http://127.0.0.1/{f.name}",
            body=f.read_bytes(),
            request=Request("http://127.0.0.1/"),
        )
        for f in files
    ]


def per_page(
    read: Callable[[HtmlResponse], object], responses: list[HtmlResponse], rounds: int
) -> float:
    """Median seconds per page over ``rounds`` passes (fresh responses: no cached parse)."""
    times = []
    for _ in range(rounds):
        fresh = [r.replace(body=r.body) for r in responses]
        start = time.perf_counter()
        for response in fresh:
            read(response)
        times.append((time.perf_counter() - start) / len(fresh))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    config = load_config(Path(EXAMPLE_CONFIG))
    cases = {
        "ny_ag (built-in spider)": ("ny_ag", "press-release"),
        "wa_ag (configured, body selector)": ("wa_ag", "news/news-releases"),
        "ma_ag (configured, body = auto)": ("ma_ag", "news"),
    }
    results = {}
    for label, (site, folder) in cases.items():
        spider = config.source(site).spider()
        responses = pages(site, folder)
        results[label] = per_page(spider.release_fields, responses, args.rounds)
        print(f"{label:38} {len(responses):3} pages  {results[label] * 1000:7.2f} ms/page")
    base = results["ny_ag (built-in spider)"]
    for label, seconds in results.items():
        print(f"{label:38} {seconds / base:6.1f}x the built-in spider")


if __name__ == "__main__":
    main()
