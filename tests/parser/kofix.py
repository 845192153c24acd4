"""Shared helpers for the parser gates: run `malmoi extract` on a page and
return its JSON. MALMOI_EXTRACT (a command line) overrides `$MALMOI extract`."""
import json, os, shlex, subprocess


def extract_cmd():
    if os.environ.get('MALMOI_EXTRACT'):
        return shlex.split(os.environ['MALMOI_EXTRACT'])
    return [os.environ['MALMOI'], 'extract']


def extract(html_bytes, url=None, content_type=None, config=None):
    cmd = extract_cmd() + ['--format', 'json']
    if url:
        cmd += ['--url', url]
    if content_type:
        cmd += ['--content-type', content_type]
    cmd += ['--config', config if config is not None else '']
    cmd += ['-']
    r = subprocess.run(cmd, input=html_bytes, capture_output=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError('extract failed (%d): %s' % (r.returncode, r.stderr.decode()[:300]))
    return json.loads(r.stdout)
