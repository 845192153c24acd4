-- peer.sql -- the figures of `malmoi report`, as one would write them by
-- hand in the sqlite3 shell (store/README.md's ready queries): the peer of
-- bench/report/run.sh. [UNK] (KoBERT id 0) is counted with json_each.
.mode list
SELECT count(*), sum(stage = 'rejected'), sum(length(CAST(text AS BLOB))), min(fetched), max(fetched) FROM documents;
SELECT sum(reject_reason IS NULL), sum(reject_reason IS NOT NULL) FROM sentences;
SELECT count(*) FROM examples;
SELECT count(*) FROM embeddings;
SELECT substr(added, 1, 10) AS day, site, count(*) FROM documents WHERE added >= date('now', '-30 days') GROUP BY 1, 2;
SELECT site, count(*), sum(stage = 'rejected'), sum(reject_reason = 'near_duplicate'), sum(extract_method = 'rule'),
       sum(extract_method = 'embedded'), sum(extract_method = 'generic') FROM documents GROUP BY site;
SELECT d.site, count(*), sum(s.reject_reason IS NULL), avg(length(s.text)), sum(s.duplicate_of IS NOT NULL)
  FROM sentences s JOIN documents d ON d.id = s.document_id GROUP BY d.site;
SELECT reject_reason, count(*) FROM documents WHERE stage = 'rejected' GROUP BY 1;
SELECT reject_reason, count(*) FROM sentences WHERE reject_reason IS NOT NULL GROUP BY 1;
SELECT min(length(text) / 10, 30), count(*) FROM sentences WHERE reject_reason IS NULL GROUP BY 1;
SELECT min(length / 16, 33), count(*), sum(length > 128), sum(length > 512) FROM examples GROUP BY 1;
SELECT d.site, count(*), sum(e.length - 2), sum((SELECT count(*) FROM json_each(e.input_ids) WHERE value = 0))
  FROM examples e JOIN sentences s ON s.id = e.sentence_id JOIN documents d ON d.id = s.document_id GROUP BY d.site;
SELECT duplicate_of, count(*) FROM documents WHERE duplicate_of IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 10;
SELECT duplicate_of, count(*) FROM sentences WHERE duplicate_of IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 10;
SELECT id, command, started, ended, status, pages, errors FROM runs ORDER BY id DESC LIMIT 15;
SELECT host, last_status, count(*) FROM urls GROUP BY 1, 2;
