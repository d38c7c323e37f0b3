#!/usr/bin/env python3
"""Kustomize conformance: run `pinion build {args} {dir}` over the shared corpus and print TAP.

usage: tests/conformance/run.py [--pinion PATH] [--corpus DIR] [--gaps FILE] [--only NAME[,NAME]] [-v]
                                [--write-gaps] [--legacy-order]

The corpus is ../shared/corpus/kustomize relative to the repository root (one case per directory under
krusty/ and krusty-errors/; see its README). Each case is run as check_corpus.py runs it: in the case
directory, {args} = case.json kubectl_args, {dir} = case.json build_dir; a krusty/ case passes when pinion
exits 0 and its stdout equals expected.yaml (trailing whitespace aside); a krusty-errors/ case passes when
pinion exits non-zero and stderr holds every line of expected-error.txt (also after the case's absolute
in/ path is replaced by "/" and \\" by ").

tests/conformance/known-gaps.txt lists cases that are expected to fail, one per line: the case name, then
whitespace, then the reason (the feature it needs). A listed case is reported as a TAP skip; a listed case
that passes, or an unlisted case that fails, is "not ok" and the run exits 1. --write-gaps rewrites the file
from this run: passing cases are dropped, failing ones added (reasons kept, or taken from the case's
features), so after a fix the list only shrinks by hand-checked edits.

--legacy-order runs the krusty/ cases built with "--reorder none" without that flag (pinion's default, the
legacy sort) and compares with expected-legacy-order.yaml, as check_corpus.py --legacy-order does.

With no corpus the output is the single line
  1..0 # SKIP conformance suite skipped: ../shared/corpus not found
and the exit status 0.
"""
import argparse
import difflib
import json
import os
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, '..', 'shared', 'corpus', 'kustomize')
GAPS = os.path.join(ROOT, 'tests', 'conformance', 'known-gaps.txt')
TIMEOUT = 60
# what pinion's build understands now: failures of cases using anything else are explained by it
SUPPORTED = {'resources', 'overlay'}


def norm(s):
    lines = [l.rstrip() for l in s.split('\n')]
    while lines and lines[-1] == '':
        lines.pop()
    return '\n'.join(lines)


def read_gaps(path):
    gaps = {}
    if not os.path.exists(path):
        return gaps
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            parts = line.split(None, 1)
            gaps[parts[0]] = parts[1] if len(parts) > 1 else ''
    return gaps


def write_gaps(path, gaps, header):
    with open(path, 'w', encoding='utf-8') as f:
        f.write(header)
        for name in sorted(gaps):
            f.write('%s %s\n' % (name, gaps[name]))


def cases(corpus):
    for status in ('krusty', 'krusty-errors'):
        sd = os.path.join(corpus, status)
        for name in sorted(os.listdir(sd)):
            yield status, name, os.path.join(sd, name)


def run_case(pinion, status, cd, legacy):
    """(passed, detail lines for a failure, case.json)"""
    meta = json.load(open(os.path.join(cd, 'case.json')))
    argv = list(meta['kubectl_args'])
    exp_file = 'expected.yaml'
    if legacy and status == 'krusty' and argv[:2] == ['--reorder', 'none'] and \
            os.path.exists(os.path.join(cd, 'expected-legacy-order.yaml')):
        argv = argv[2:]
        exp_file = 'expected-legacy-order.yaml'
    args = ' '.join(shlex.quote(x) for x in argv)
    cmd = '%s build %s %s' % (shlex.quote(pinion), args, shlex.quote(meta['build_dir']))
    try:
        p = subprocess.run(cmd, shell=True, cwd=cd, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return False, ['timeout after %ds: %s' % (TIMEOUT, cmd)], meta
    out = p.stdout.decode('utf-8', 'surrogateescape')
    err = p.stderr.decode('utf-8', 'surrogateescape')
    if status == 'krusty':
        exp = open(os.path.join(cd, exp_file), encoding='utf-8', errors='surrogateescape').read()
        if p.returncode != 0:
            return False, ['exit %d: %s' % (p.returncode, err.strip())], meta
        if norm(out) == norm(exp):
            return True, [], meta
        diff = difflib.unified_diff(norm(exp).split('\n'), norm(out).split('\n'), 'expected', 'pinion',
                                    lineterm='')
        return False, list(diff), meta
    subs = [l for l in open(os.path.join(cd, 'expected-error.txt')).read().split('\n') if l]
    absin = os.path.abspath(os.path.join(cd, 'in'))
    alt = err.replace('\\"', '"').replace(absin + '/', '/').replace(absin, '/')
    if p.returncode == 0:
        return False, ['exit 0, expected an error containing: %s' % ' | '.join(subs)], meta
    missing = [s for s in subs if s not in err and s not in alt]
    if not missing:
        return True, [], meta
    return False, ['stderr: %s' % err.strip(), 'missing: %s' % ' | '.join(missing)], meta


def reason_for(meta):
    need = [f for f in (meta.get('features') or []) if f not in SUPPORTED]
    if need:
        return 'needs ' + ','.join(need)
    return 'FIXME: fails with resources only'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--pinion', default=os.environ.get('PINION', os.path.join(ROOT, 'pinion')))
    ap.add_argument('--corpus', default=CORPUS)
    ap.add_argument('--gaps', default=GAPS)
    ap.add_argument('--only', default='')
    ap.add_argument('-v', '--verbose', action='store_true', help='print the diff or error of each failure')
    ap.add_argument('--write-gaps', action='store_true')
    ap.add_argument('--legacy-order', action='store_true')
    a = ap.parse_args()
    if not os.path.isdir(a.corpus):
        print('1..0 # SKIP conformance suite skipped: ../shared/corpus not found')
        return 0
    pinion = os.path.abspath(a.pinion)
    gaps = read_gaps(a.gaps)
    only = set(x for x in a.only.split(',') if x)
    todo = [c for c in cases(a.corpus) if not only or c[1] in only]
    print('1..%d' % len(todo))
    npass = nskip = nfail = 0
    new_gaps = {}
    for i, (status, name, cd) in enumerate(todo, 1):
        ok, detail, meta = run_case(pinion, status, cd, a.legacy_order)
        label = '%s/%s' % (status, name)
        if name in gaps:
            if ok:
                print('not ok %d - %s # known gap passes now: remove it from known-gaps.txt' % (i, label))
                nfail += 1
            else:
                print('ok %d - %s # SKIP %s' % (i, label, gaps[name]))
                nskip += 1
                new_gaps[name] = gaps[name]
        elif ok:
            print('ok %d - %s' % (i, label))
            npass += 1
        else:
            print('not ok %d - %s' % (i, label))
            nfail += 1
            new_gaps[name] = reason_for(meta)
        if not ok and (a.verbose or name not in gaps):
            for line in detail[:60] if a.verbose else detail[:3]:
                print('#   ' + line)
    print('# %d passed, %d known gaps, %d failed' % (npass, nskip, nfail))
    if a.write_gaps:
        if only:
            for name, reason in gaps.items():
                if name not in only:
                    new_gaps[name] = reason
        write_gaps(a.gaps, new_gaps, HEADER)
    return 1 if nfail else 0


HEADER = '''# Corpus cases pinion build does not pass yet: case name, then the reason (what it needs).
# tests/conformance/run.py counts them as skipped, and fails when one of them passes: then delete its line.
'''

if __name__ == '__main__':
    sys.exit(main())
