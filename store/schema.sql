-- schema.sql -- the malmoi corpus database.
--
-- Compiled into the binary. Blocks start with "-- version: N"; a database
-- at PRAGMA user_version = K gets every block with N > K applied in order,
-- each in its own transaction, so `malmoi init` creates or upgrades and is
-- harmless to run twice. Every table and column is documented in
-- store/README.md. Times are ISO 8601 text (UTC "…Z", or with the page's
-- offset for published/modified); JSON arrays are text, so json_each()
-- works in the sqlite3 shell.

-- version: 1

-- Runs of malmoi commands that change the database (crawl, run, import, ...).
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    command     TEXT NOT NULL,               -- "crawl", "run", "import", ...
    args        TEXT,                        -- the command line, for the record
    pid         INTEGER NOT NULL,
    started     TEXT NOT NULL,
    ended       TEXT,                        -- NULL while running or if killed
    status      TEXT NOT NULL DEFAULT 'running', -- running | ok | failed | interrupted | killed
    pages       INTEGER NOT NULL DEFAULT 0,  -- pages fetched
    bytes       INTEGER NOT NULL DEFAULT 0,  -- bytes downloaded (as transferred)
    documents   INTEGER NOT NULL DEFAULT 0,  -- documents added or changed
    errors      TEXT NOT NULL DEFAULT '{}',  -- JSON object: error kind -> count
    message     TEXT                         -- the closing summary line or error
);

-- One row per distinct text: crawled articles and imported documents.
CREATE TABLE documents (
    id                INTEGER PRIMARY KEY,
    url               TEXT,                  -- page fetched; NULL for imports without one
    canonical_url     TEXT,                  -- <link rel=canonical> / og:url
    site              TEXT,                  -- config site name, else the host
    title             TEXT,
    authors           TEXT NOT NULL DEFAULT '[]', -- JSON array of names
    description       TEXT,
    published         TEXT,                  -- ISO 8601 with offset, as the page says
    modified          TEXT,
    fetched           TEXT,                  -- when the page was downloaded (UTC)
    lang              TEXT,                  -- BCP 47 ("ko")
    text              TEXT NOT NULL,         -- paragraphs separated by "\n"
    content_hash      TEXT NOT NULL,         -- SHA-256 hex of text: exact duplicates collapse
    source            TEXT NOT NULL,         -- crawl | import:bert-text | import:jsonl
    source_ref        TEXT,                  -- import: "FILE:LINE"; crawl: NULL
    extract_method    TEXT,                  -- rule | embedded | generic | import
    replacement_chars INTEGER NOT NULL DEFAULT 0, -- U+FFFD inserted while decoding
    stage             TEXT NOT NULL DEFAULT 'extracted', -- extracted | split | encoded | rejected
    reject_reason     TEXT,                  -- why the filters removed it (stage = rejected)
    duplicate_of      INTEGER REFERENCES documents(id) ON DELETE SET NULL, -- near-duplicate of
    added             TEXT NOT NULL,
    updated           TEXT NOT NULL
);
CREATE UNIQUE INDEX documents_content_hash ON documents(content_hash);
CREATE UNIQUE INDEX documents_url ON documents(url) WHERE url IS NOT NULL;
CREATE INDEX documents_site ON documents(site);
CREATE INDEX documents_stage ON documents(stage);

-- Sentences of a document, in order.
CREATE TABLE sentences (
    id            INTEGER PRIMARY KEY,
    document_id   INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,          -- 0-based order in the document
    paragraph     INTEGER NOT NULL DEFAULT 0, -- 0-based paragraph number
    text          TEXT NOT NULL,
    hash          TEXT NOT NULL,             -- hash of the normalised sentence (hex)
    reject_reason TEXT,                      -- NULL = kept; else the filter's code
    duplicate_of  INTEGER REFERENCES sentences(id) ON DELETE SET NULL, -- same text seen first there
    UNIQUE (document_id, position)
);
CREATE INDEX sentences_hash ON sentences(hash);

-- A sentence encoded by a tokenizer: [CLS] pieces [SEP], unpadded.
CREATE TABLE examples (
    id             INTEGER PRIMARY KEY,
    sentence_id    INTEGER NOT NULL REFERENCES sentences(id) ON DELETE CASCADE,
    tokenizer      TEXT NOT NULL,            -- name:sha256-prefix, e.g. "kobert-spm:17dc4710"
    input_ids      TEXT NOT NULL,            -- JSON array of ints
    token_type_ids TEXT NOT NULL,            -- JSON array (all 0 for one sentence)
    attention_mask TEXT NOT NULL,            -- JSON array (all 1: no padding stored)
    length         INTEGER NOT NULL,         -- number of ids
    truncated      INTEGER NOT NULL DEFAULT 0, -- 1 if cut to the maximum length
    UNIQUE (sentence_id, tokenizer)
);

-- Embedding vectors of examples.
CREATE TABLE embeddings (
    id           INTEGER PRIMARY KEY,
    example_id   INTEGER NOT NULL REFERENCES examples(id) ON DELETE CASCADE,
    model        TEXT NOT NULL,              -- model folder name, e.g. "kobert-base-v1"
    model_sha256 TEXT NOT NULL,              -- checksum of the weights file
    pooling      TEXT NOT NULL,              -- pooled | cls | mean
    dim          INTEGER NOT NULL,
    vector       BLOB NOT NULL,              -- dim float32 values, little-endian
    added        TEXT NOT NULL,
    UNIQUE (example_id, model, pooling)
);

-- ---- crawler/ tables (owned by the crawler stage) ----------------------

-- The frontier: every URL the crawler knows, with its state. A URL claimed
-- by a run that died is claimed again (claimed_by names a run whose row has
-- no `ended`).
CREATE TABLE urls (
    id            INTEGER PRIMARY KEY,
    url           TEXT NOT NULL UNIQUE,      -- normalised URL
    host          TEXT NOT NULL,             -- scheme://host:port key of the politeness queue
    site          TEXT,                      -- config site name
    kind          TEXT NOT NULL DEFAULT 'page', -- page | feed | sitemap
    state         TEXT NOT NULL DEFAULT 'queued', -- queued | claimed | done | failed | skipped
    depth         INTEGER NOT NULL DEFAULT 0, -- link hops from a seed, feed or sitemap
    priority      INTEGER NOT NULL DEFAULT 0, -- higher first
    next_fetch    INTEGER NOT NULL DEFAULT 0, -- Unix seconds: not before
    attempts      INTEGER NOT NULL DEFAULT 0, -- failed tries since the last success
    claimed_by    INTEGER REFERENCES runs(id),
    found_from    INTEGER REFERENCES urls(id) ON DELETE SET NULL,
    first_seen    TEXT NOT NULL,
    last_fetched  TEXT,
    last_status   INTEGER,                   -- HTTP status of the last fetch
    last_error    TEXT,                      -- error kind of the last failure
    etag          TEXT,                      -- for If-None-Match
    last_modified TEXT,                      -- for If-Modified-Since
    content_hash  TEXT,                      -- XXH3-128 hex of the last body (an older SHA-256 never matches)
    lastmod       TEXT,                      -- sitemap <lastmod> / feed date, if any
    document_id   INTEGER REFERENCES documents(id) ON DELETE SET NULL
);
CREATE INDEX urls_due ON urls(state, next_fetch, priority);
CREATE INDEX urls_host ON urls(host, state, priority, next_fetch); -- per-host take, best first

-- Per-host politeness and robots.txt cache.
CREATE TABLE hosts (
    host           TEXT PRIMARY KEY,         -- scheme://host:port
    robots_status  INTEGER,                  -- HTTP status of robots.txt (0 = unreachable)
    robots_txt     TEXT,                     -- body (capped at 500 KiB)
    robots_fetched INTEGER,                  -- Unix seconds
    crawl_delay_ms INTEGER,                  -- from robots.txt, capped at 30 s
    next_allowed   INTEGER NOT NULL DEFAULT 0, -- Unix ms: earliest next request
    failures       INTEGER NOT NULL DEFAULT 0, -- consecutive failures
    parked_until   INTEGER NOT NULL DEFAULT 0, -- Unix seconds; > now = parked
    parked_reason  TEXT
);

-- Raw responses as fetched, so extraction can run again without fetching.
CREATE TABLE responses (
    id           INTEGER PRIMARY KEY,
    url_id       INTEGER NOT NULL REFERENCES urls(id) ON DELETE CASCADE,
    run_id       INTEGER REFERENCES runs(id),
    final_url    TEXT NOT NULL,              -- after redirects
    status       INTEGER NOT NULL,
    headers      TEXT NOT NULL,              -- response header block as received
    content_type TEXT,
    body         BLOB,                       -- zlib-compressed body
    body_size    INTEGER NOT NULL,           -- uncompressed bytes
    fetched      TEXT NOT NULL,
    duration_ms  INTEGER
);
CREATE INDEX responses_url ON responses(url_id);

-- ---- text/ tables (owned by the text stage) ----------------------------

-- MinHash LSH bands of kept documents, for near-duplicate detection across
-- runs: documents sharing any (band, hash) are candidates.
CREATE TABLE minhash_bands (
    band        INTEGER NOT NULL,
    hash        INTEGER NOT NULL,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    PRIMARY KEY (band, hash, document_id)
) WITHOUT ROWID;
CREATE INDEX minhash_bands_document ON minhash_bands(document_id);

-- Short paragraphs seen per site, for learning boilerplate lines: a line
-- found on [text] site_line_min_docs pages of one site is boilerplate
-- (sentences.reject_reason = 'boilerplate:site'). Rows stop being added
-- for a line once it has reached that count.
CREATE TABLE text_site_lines (
    site        TEXT NOT NULL,
    hash        INTEGER NOT NULL,            -- 64-bit hash of the normalised line
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    PRIMARY KEY (site, hash, document_id)
) WITHOUT ROWID;
CREATE INDEX text_site_lines_document ON text_site_lines(document_id);

-- Full-text search over titles and text: words (unicode61), or trigram
-- substrings when [store] search says so (store_search_set rebuilds this
-- table; databases created before 2026-12-03 started with trigram).
CREATE VIRTUAL TABLE documents_fts USING fts5(
    title, text, content='documents', content_rowid='id', tokenize='unicode61'
);
CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts(documents_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER documents_fts_update AFTER UPDATE OF title, text ON documents BEGIN
    INSERT INTO documents_fts(documents_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
    INSERT INTO documents_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;

-- version: 2
-- Search indexing in batches: a new document waits in documents_fts_queue
-- and goes into documents_fts when its transaction commits (store_commit
-- runs the batch; a malmoi write outside a transaction runs it at once).
-- FTS5 writes its pending terms to disk at every statement savepoint, so a
-- trigger indexing one document at a time cost a sixth of a crawl's CPU.
-- Rows inserted by hand are indexed at malmoi's next write, or at once by:
--   INSERT INTO documents_fts(rowid, title, text) SELECT d.id, d.title, d.text
--     FROM documents_fts_queue q JOIN documents d ON d.id = q.id;
--   DELETE FROM documents_fts_queue;
CREATE TABLE documents_fts_queue (
    id INTEGER PRIMARY KEY                   -- documents.id not yet in documents_fts
);
DROP TRIGGER documents_fts_insert;
DROP TRIGGER documents_fts_delete;
DROP TRIGGER documents_fts_update;
CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
    INSERT OR IGNORE INTO documents_fts_queue(id) VALUES (new.id);
END;
-- A queued row is not in the index: it leaves the queue, not the index.
CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts(documents_fts, rowid, title, text)
        SELECT 'delete', old.id, old.title, old.text
        WHERE NOT EXISTS (SELECT 1 FROM documents_fts_queue WHERE id = old.id);
    DELETE FROM documents_fts_queue WHERE id = old.id;
END;
CREATE TRIGGER documents_fts_update AFTER UPDATE OF title, text ON documents
WHEN NOT EXISTS (SELECT 1 FROM documents_fts_queue WHERE id = old.id) BEGIN
    INSERT INTO documents_fts(documents_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
    INSERT INTO documents_fts_queue(id) VALUES (new.id);
END;

-- version: 3
-- An index on every foreign key that had none. Deleting a row makes SQLite
-- look up the rows that refer to it (ON DELETE SET NULL, or the check);
-- without an index that is a scan of the whole child table per deleted
-- row, so re-splitting a corpus (deleting its sentences, many of them
-- duplicate_of targets) was quadratic: 169 s against 5.7 s for the first
-- split of 20,756 sentences.
CREATE INDEX sentences_duplicate_of ON sentences(duplicate_of) WHERE duplicate_of IS NOT NULL;
CREATE INDEX documents_duplicate_of ON documents(duplicate_of) WHERE duplicate_of IS NOT NULL;
CREATE INDEX urls_document ON urls(document_id) WHERE document_id IS NOT NULL;
CREATE INDEX urls_found_from ON urls(found_from) WHERE found_from IS NOT NULL;
CREATE INDEX urls_claimed_by ON urls(claimed_by) WHERE claimed_by IS NOT NULL;
CREATE INDEX responses_run ON responses(run_id) WHERE run_id IS NOT NULL;

-- version: 4
-- Rule health (issue 13): what served each site's pages in each run, and
-- how fresh each feed is, so a redesign that breaks a site rule or a feed
-- that stopped shows the same day (`malmoi stats` warns; see store/README.md).
CREATE TABLE run_sites (
    run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    site          TEXT NOT NULL,              -- [site NAME] of the config, else the page's host
    pages         INTEGER NOT NULL DEFAULT 0, -- article pages extracted: rule + rule_fallback + embedded + generic + empty
    rule          INTEGER NOT NULL DEFAULT 0, -- body read by the site's body_xpath
    rule_fallback INTEGER NOT NULL DEFAULT 0, -- the site has body_xpath and it found nothing (embedded data or the generic extractor was used, or no text)
    embedded      INTEGER NOT NULL DEFAULT 0, -- body from embedded data (JSON-LD, __NEXT_DATA__, Fusion) with no rule miss
    generic       INTEGER NOT NULL DEFAULT 0, -- generic extractor on a site without body_xpath (or no site section)
    empty         INTEGER NOT NULL DEFAULT 0, -- no article text, no rule miss
    other_pages   INTEGER NOT NULL DEFAULT 0, -- pages outside the site's article_pattern (front pages, lists): in no column above
    PRIMARY KEY (run_id, site)
) WITHOUT ROWID;

CREATE TABLE feeds (
    url         TEXT PRIMARY KEY,            -- feed or sitemap URL as queued (urls.url)
    site        TEXT,                        -- config site name, NULL for none
    kind        TEXT NOT NULL,               -- feed | sitemap
    run_id      INTEGER REFERENCES runs(id) ON DELETE SET NULL, -- run of the last readable fetch
    fetched     INTEGER NOT NULL,            -- Unix seconds of that fetch
    items       INTEGER NOT NULL,            -- entries it listed
    dated_items INTEGER NOT NULL,            -- entries whose date (pubDate, dc:date, lastmod, ...) could be read
    newest_item INTEGER                      -- Unix seconds of the newest dated entry; NULL when none is dated
);
CREATE INDEX feeds_run ON feeds(run_id) WHERE run_id IS NOT NULL; -- foreign keys are indexed (version 3)

-- version: 5
-- Fewer, larger merges of the search index's segments: FTS5's default (4)
-- made indexing the documents of a crawl cost a sixth more CPU.
INSERT INTO documents_fts(documents_fts, rank) VALUES ('automerge', 16);
