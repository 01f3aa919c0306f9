"""Scrapy spiders for agency newsrooms. They yield items and know nothing of the database."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spiders.base import NewsroomSpider

# source key -> "module:Class"; a plain table, imported on demand.
BUILTIN = {
    "dhs": "spiders.dhs:DhsSpider",
    "ice": "spiders.ice:IceSpider",
    "ca_ag": "spiders.ca_ag:CaAgSpider",
    "il_ag": "spiders.il_ag:IlAgSpider",
    "ny_ag": "spiders.ny_ag:NyAgSpider",
}


def spider_class(key: str) -> type[NewsroomSpider]:
    module, _, cls = BUILTIN[key].partition(":")
    spider: type[NewsroomSpider] = getattr(import_module(module), cls)
    return spider
