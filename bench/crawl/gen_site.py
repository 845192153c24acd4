"""gen_site.py OUT HOSTS PAGES PORT -- a static multi-host news site for the crawl
benchmark: HOSTS sites (one folder each) of PAGES real Korean news pages
(tests/data/crawler/pages, cycled) with a navigation block of links added,
so every page is reachable from /index.html, and one sentence of its own in
the article (each page is a distinct document), a robots.txt, a /sitemap.xml
listing every page and OUT/urls.txt with every page URL (for fetch-only runs).
Host h is served at 127.0.0.(h+2):PORT."""
import os
import re
import sys

out, hosts, pages, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
urls = open(os.path.join(out, "urls.txt"), "w") if os.makedirs(out, exist_ok=True) is None else None
src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data", "crawler", "pages")
templates = [open(os.path.join(src, f), "rb").read() for f in sorted(os.listdir(src))
             if f.endswith(".html") and not f.startswith("apache")]
for h in range(hosts):
    root = os.path.join(out, f"h{h}")
    os.makedirs(os.path.join(root, "p"), exist_ok=True)
    open(os.path.join(root, "robots.txt"), "w").write("User-agent: *\nDisallow: /private/\n")
    open(os.path.join(root, "index.html"), "w").write(
        '<html><head><title>index</title></head><body><a href="/p/0.html">start</a></body></html>')
    base = f"http://127.0.0.{h + 2}:{port}"
    with open(os.path.join(root, "sitemap.xml"), "w") as sm:
        sm.write('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n')
        for i in range(pages):
            sm.write(f"<url><loc>{base}/p/{i}.html</loc></url>\n")
            urls.write(f"{base}/p/{i}.html\n")
        sm.write("</urlset>\n")
    for i in range(pages):
        links = sorted({(i + 1) % pages, (i * 7 + 3) % pages, (i * 13 + 5) % pages, (i * 31 + 11) % pages})
        nav = "".join(f'<a href="/p/{j}.html">기사 {j}</a> ' for j in links).encode()
        page = templates[(i + h) % len(templates)]
        # one sentence of its own in the article's longest paragraph, so that
        # every page is a distinct document (stored, indexed), not a duplicate
        masked = re.sub(rb"(?is)<(script|style)\b.*?</\1\s*>", lambda m: b" " * len(m.group(0)), page)
        m = max(re.finditer(rb">([^<>]{80,})<", masked), key=lambda m: len(m.group(1).split()), default=None)
        if m:
            mark = f" 이 기사의 벤치마크 번호는 {h}-{i}번입니다.".encode()
            page = page[:m.end(1)] + mark + page[m.end(1):]
        k = page.rfind(b"</body>")
        page = page[:k] + b'<nav class="bench">' + nav + b"</nav>" + page[k:] if k >= 0 else page + nav
        open(os.path.join(root, "p", f"{i}.html"), "wb").write(page)
