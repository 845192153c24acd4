"""check_batch.py TMP TRUTH -- the JSON Lines of `malmoi extract --format json`
over kbs.html, missing.html, the folder TMP and kbs.html again (TMP/batch.jsonl):
one line per file in the order given, "file" on each, "error" on the two bad
ones, the KBS text equal to the spider's ground truth (white space aside), and
each good record equal to the one-page run's (TMP/one.json)."""
import json
import sys

tmp, truth = sys.argv[1], json.load(open(sys.argv[2], encoding='utf-8'))['kbs-01']
rows = [json.loads(line) for line in open(tmp + '/batch.jsonl', encoding='utf-8')]
one = json.load(open(tmp + '/one.json', encoding='utf-8'))
want = [tmp + '/kbs.html', tmp + '/missing.html', tmp, tmp + '/kbs.html']
problems = []
if [r.get('file') for r in rows] != want:
    problems.append('files in order: %r' % [r.get('file') for r in rows])
else:
    for i in (1, 2):
        if set(rows[i]) != {'file', 'error'} or rows[i]['file'] not in rows[i]['error']:
            problems.append('error line %d: %r' % (i, rows[i]))
    for i in (0, 3):
        if ''.join(rows[i]['text'].split()) != ''.join(truth['text'].split()) or rows[i]['method'] != 'rule':
            problems.append('page %d text differs from the ground truth' % i)
        if rows[i] != one:
            problems.append('page %d differs from the one-page run' % i)
if problems:
    print('FAIL: batch extract:', '; '.join(problems))
    sys.exit(1)
