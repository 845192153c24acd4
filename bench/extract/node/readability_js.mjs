// Mozilla Readability.js (on jsdom) over a bench manifest: one JSON line per
// page with article.textContent, as the ScrapingHub benchmark's runner does;
// prints the time spent in JSDOM parsing + Readability.parse().
import { readFileSync, writeFileSync } from 'node:fs';
import { JSDOM, VirtualConsole } from 'jsdom';
import { Readability } from '@mozilla/readability';

const [manifest, outPath] = process.argv.slice(2);
const pages = readFileSync(manifest, 'utf8').trim().split('\n').map((l) => l.split('\t'))
  .map(([id, url, path, set]) => ({ id, url, set, html: readFileSync(path, 'utf8') }));
const vc = new VirtualConsole();
const out = [];
const t0 = process.hrtime.bigint();
for (const p of pages) {
  let text = '';
  try {
    const dom = new JSDOM(p.html, { url: p.url, virtualConsole: vc });
    const art = new Readability(dom.window.document).parse();
    text = art && art.textContent ? art.textContent : '';
    dom.window.close();
  } catch (e) { text = ''; }
  out.push(JSON.stringify({ id: p.id, set: p.set, text }));
}
const dt = Number(process.hrtime.bigint() - t0) / 1e9;
writeFileSync(outPath, out.join('\n') + '\n');
console.log(`readability.js\t${pages.length} pages\t${dt.toFixed(3)} s\t${(pages.length / dt).toFixed(1)} pages/s`);
