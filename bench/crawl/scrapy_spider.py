"""scrapy_spider.py -- the Scrapy peer of bench/crawl: a CrawlSpider that
follows every link on the benchmark hosts and stores url, title and text
(the <p> text, joined), at the same concurrency as malmoi. Run with
`scrapy runspider`; START and OUT come from the environment."""
import os

from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import CrawlSpider, Rule

START = os.environ["START"].split()


class BenchSpider(CrawlSpider):
    name = "bench"
    start_urls = START
    allowed_domains = sorted({u.split("/")[2].split(":")[0] for u in START})
    # (LinkExtractor(allow_domains=...) compares host:port in this Scrapy; the
    # offsite middleware filters by allowed_domains instead)
    rules = (Rule(LinkExtractor(), callback="parse_page", follow=True),)
    custom_settings = {
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": int(os.environ.get("CONC", "32")),
        "CONCURRENT_REQUESTS_PER_DOMAIN": int(os.environ.get("PER_HOST", "8")),
        "DOWNLOAD_DELAY": 0,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "DEPTH_LIMIT": 0,
        "FEEDS": {os.environ["OUT"]: {"format": "jsonlines", "encoding": "utf8"}},
        "USER_AGENT": "scrapy-bench (+http://127.0.0.1/)",
    }

    def parse_page(self, response):
        yield {
            "url": response.url,
            "title": response.xpath("normalize-space(//title)").get(),
            "text": "\n".join(t.strip() for t in response.xpath("//p//text()").getall() if t.strip()),
        }
