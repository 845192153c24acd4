"""search_index.py -- [store] search through the commands: a new database
gets the words index; a config asking for trigram rebuilds it (logged with
the number of documents) and substring queries then find exactly the
documents Python's `in` finds; words again: prefix queries find exactly
the documents with a word (split on whitespace and punctuation) starting
with the prefix, as Python counts it; a bad value fails naming FILE:LINE.
The documents: the 55 real news texts of tests/data/text/news.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "crawler"))
from harness import check, db_rows, finish, malmoi, tmpdir, write_config  # noqa: E402

DATA = os.environ.get("MALMOI_TEST_DATA", os.path.join(HERE, "..", "data"))
SOURCE = os.environ.get("MALMOI_SOURCE", os.path.join(HERE, "..", ".."))
NEWS = os.path.join(DATA, "text", "news")
TOKENIZER = os.path.join(SOURCE, "config", "models", "kobert", "spiece.model")

d = tmpdir()
docs = []
for name in sorted(os.listdir(NEWS)):
    if name.endswith(".txt"):
        with open(os.path.join(NEWS, name), encoding="utf-8") as f:
            docs.append({"url": f"https://news.example.kr/{name}", "title": "", "text": f.read()})
src = os.path.join(d, "news.jsonl")
with open(src, "w", encoding="utf-8") as f:
    for doc in docs:
        f.write(json.dumps(doc, ensure_ascii=False) + "\n")
db = os.path.join(d, "corpus.db")


def config(search):
    line = f"search = {search}\n" if search else ""
    return write_config(d, f"[store]\n{line}[pipeline]\ntokenizer = {TOKENIZER}\n")


def kind():
    sql = db_rows(db, "SELECT sql FROM sqlite_master WHERE name = 'documents_fts'")[0][0]
    return "trigram" if "trigram" in sql else "unicode61" if "unicode61" in sql else sql


def matches(q):
    return db_rows(db, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?", q)[0][0]


def integrity():
    try:
        db_rows(db, "INSERT INTO documents_fts(documents_fts, rank) VALUES ('integrity-check', 1)")
        return True
    except Exception as e:  # sqlite3.DatabaseError: the index does not match the documents
        print(e)
        return False


rc, out, err = malmoi("import", "--db", db, "--format", "jsonl", "--config", config(None), src, timeout=300)
check(rc == 0, f"import: exit {rc}: {err[-400:]}")
stored = [r[0] for r in db_rows(db, "SELECT text FROM documents")]
check(len(stored) >= 50, f"{len(stored)} documents stored")
check(kind() == "unicode61", f"a new database has the words index: {kind()}")
check("search index" not in err, "no rebuild on a new database")

# trigram: substrings, against Python's `in` over the stored texts
rc, out, err = malmoi("reprocess", "--db", db, "--config", config("trigram"), timeout=300)
check(rc == 0, f"reprocess with search = trigram: exit {rc}: {err[-400:]}")
check(kind() == "trigram", f"trigram after the config asked: {kind()}")
check(f"search index: trigram (was words), {len(stored)} documents indexed" in err, f"rebuild logged: {err[-600:]}")
for sub in ("대통령", "경찰은", "서울시", "코로나19", "있습니다", "이라고 밝혔다"):
    want = sum(sub in t for t in stored)
    check(matches(f'"{sub}"') == want, f"trigram '{sub}': {matches(chr(34) + sub + chr(34))} documents, Python finds {want}")
check(integrity(), "trigram index integrity-check")
rc, out, err = malmoi("reprocess", "--db", db, "--config", config("trigram"), timeout=300)
check(rc == 0 and "search index" not in err, "the same kind again: no rebuild")

# words again: prefixes of whitespace/punctuation-delimited words
rc, out, err = malmoi("reprocess", "--db", db, "--config", config("words"), timeout=300)
check(rc == 0 and kind() == "unicode61", f"back to words: exit {rc}, {kind()}")
check(f"search index: words (was trigram), {len(stored)} documents indexed" in err, f"rebuild logged: {err[-600:]}")
words = [set(w for w in re.split(r"[^\w]+", t) if w) for t in stored]
for prefix in ("경제", "정부", "대통령", "코로나", "서울", "있"):
    want = sum(any(w.startswith(prefix) for w in ws) for ws in words)
    check(matches(f"{prefix}*") == want, f"words '{prefix}*': {matches(prefix + '*')} documents, Python finds {want}")
check(integrity(), "words index integrity-check")

# a bad value: FILE:LINE, nothing changed
bad = write_config(d, "[store]\nsearch = bigram\n")
rc, out, err = malmoi("reprocess", "--db", db, "--config", bad)
check(rc != 0 and f"{bad}:2: key 'search' in [store] wants words or trigram, not 'bigram'" in err,
      f"bad search value: exit {rc}: {err}")
check(kind() == "unicode61", "a bad config leaves the index")
finish()
