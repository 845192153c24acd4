"""gen_real_site.py OUT HOSTS PAGES PORT CORPUS -- the real-pages shape of the
crawl benchmark: HOSTS sites of PAGES pages each, built from every real
Korean UTF-8 HTML page of the shared corpus (CORPUS/MANIFEST.tsv: news
articles, Korean Wikipedia pages, MediaWiki renderings, manuals; larger and
deeper than the news set of gen_site.py), cycled. Each page keeps its own
markup and its own number of links, but every <a href> is pointed at
another page of the benchmark: a relative link stays on the host, an
absolute one goes to a page of another host (with HOSTS > 1), so the hosts
form one link graph. Each page also gets a sentence of its own (a distinct
document) and a link to the next page (all pages reachable from
/index.html). Writes robots.txt, /sitemap.xml per host and OUT/urls.txt.
Host h is served at 127.0.0.(h+2):PORT. The pages are for testing only
(CORPUS/SOURCES.md): this writes them to OUT, never to the repository."""
import os
import re
import sys
import zlib

out, hosts, pages, port, corpus = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
files = []
for line in open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8").read().splitlines()[1:]:
    path, _, _, _, decodes_as, hangul = line.split("\t")
    if re.search(r"\.html?$", path) and decodes_as == "utf-8" and int(hangul) >= 200:
        files.append(path)
files.sort()
if not files:
    sys.exit(f"{corpus}/MANIFEST.tsv lists no Korean UTF-8 HTML page")
templates = [open(os.path.join(corpus, f), "rb").read() for f in files]
os.makedirs(out, exist_ok=True)
urls = open(os.path.join(out, "urls.txt"), "w")
HREF = re.compile(rb'(<a\b[^>]*?\bhref\s*=\s*)("[^"]*"|\'[^\']*\'|[^\s>]+)', re.I)


def base(h):
    return f"http://127.0.0.{h + 2}:{port}"


for h in range(hosts):
    root = os.path.join(out, f"h{h}")
    os.makedirs(os.path.join(root, "p"), exist_ok=True)
    open(os.path.join(root, "robots.txt"), "w").write("User-agent: *\nDisallow: /private/\n")
    open(os.path.join(root, "index.html"), "w").write(
        '<html><head><title>index</title></head><body><a href="/p/0.html">start</a></body></html>')
    with open(os.path.join(root, "sitemap.xml"), "w") as sm:
        sm.write('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n')
        for i in range(pages):
            sm.write(f"<url><loc>{base(h)}/p/{i}.html</loc></url>\n")
            urls.write(f"{base(h)}/p/{i}.html\n")
        sm.write("</urlset>\n")
    for i in range(pages):
        page = templates[(i * 7 + h) % len(templates)]
        k = [0]

        def relink(m):
            k[0] += 1
            target = zlib.crc32(f"{h}/{i}/{k[0]}".encode()) % pages
            href = m.group(2).strip(b"\"'")
            if hosts > 1 and re.match(rb"(?i)https?://", href):
                other = (h + 1 + zlib.crc32(f"{i}/{k[0]}".encode()) % (hosts - 1)) % hosts
                return m.group(1) + f'"{base(other)}/p/{target}.html"'.encode()
            return m.group(1) + f'"/p/{target}.html"'.encode()

        page = HREF.sub(relink, page)
        masked = re.sub(rb"(?is)<(script|style)\b.*?</\1\s*>", lambda m: b" " * len(m.group(0)), page)
        m = max(re.finditer(rb">([^<>]{80,})<", masked), key=lambda m: len(m.group(1).split()), default=None)
        if m:
            mark = f" 이 문서의 벤치마크 번호는 {h}-{i}번입니다.".encode()
            page = page[:m.end(1)] + mark + page[m.end(1):]
        nav = f'<nav class="bench"><a href="/p/{(i + 1) % pages}.html">다음</a></nav>'.encode()
        e = page.rfind(b"</body>")
        page = page[:e] + nav + page[e:] if e >= 0 else page + nav
        open(os.path.join(root, "p", f"{i}.html"), "wb").write(page)
