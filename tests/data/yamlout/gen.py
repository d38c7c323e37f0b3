#!/usr/bin/env python3
"""Make the yamlout test vectors: for every case below, write <name>.in.yaml and let `kubectl kustomize`
(Kustomize v5.5.0) print it into <name>.out.yaml. tests/unit/yamlout_test.c reads each .in.yaml with the YAML
reader, prints it with the writer and compares byte for byte.

usage: tests/data/yamlout/gen.py        (needs kubectl 1.32 on PATH; rewrites every pair)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
HEAD = 'apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: t\n'


def seq(values, quote):
    """A Thing whose `v` is a list of the values, each written as a YAML double-quoted string (quote) or
    as it is (plain)."""
    lines = [HEAD, 'v:\n']
    for v in values:
        lines.append('- %s\n' % (json.dumps(v, ensure_ascii=False) if quote else v))
    return ''.join(lines)


def keys(names):
    lines = [HEAD, 'v:\n']
    for k in names:
        lines.append('  %s: x\n' % json.dumps(k, ensure_ascii=False))
    return ''.join(lines)


CASES = {}

# Left out, where this writer differs from kubectl (see yamlout.h): keys on which go-yaml v2's comparator is
# not transitive (a1b a9 a10, a010 a10a a100, a01b a09 ...: kubectl prints them in a different order from
# run to run), a string starting with U+FEFF (go-yaml's is_bom ignores its index and escapes
# every character), a single-quoted string ending in U+2028/U+2029 (libyaml 0.2.5 indents before the quote).

# strings that go-yaml v2 reads back as something else: double quotes
CASES['quote_bool_null'] = seq(['yes', 'Yes', 'YES', 'no', 'No', 'NO', 'y', 'Y', 'n', 'N', 'on', 'On',
    'ON', 'off', 'Off', 'OFF', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'null', 'Null', 'NULL',
    '~', '', 'yES', 'nO', 'oN', 'tRUE', 'nULL', 'yes!', 'nope', 'o', 'f', 't', 'T'], True)
CASES['quote_numbers'] = seq(['0', '1', '-1', '+1', '1.0', '1.', '.5', '-.5', '+.5', '1e3', '1E3', '1e+3',
    '1e-3', '0755', '0x1F', '0X1f', '0o17', '0O17', '0b101', '0B11', '08', '09.5', '1_000', '1__0', '_1',
    '0x', '0b', '0o', '0x1G', '1e', 'e1', '-', '+', '.', '..5', '.5.', '1.2.3', '1e3.5', '-0', '+0',
    '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809',
    '18446744073709551615', '18446744073709551616', '0xFFFFFFFFFFFFFFFF', '0x10000000000000000',
    '-0x8000000000000000', '-0x8000000000000001', '1e400', '-1e400', '.5e999', '1e-400', '.inf', '.Inf',
    '.INF', '-.inf', '+.inf', '.nan', '.NaN', '.NAN', 'inf', 'nan', 'Infinity', '0.0.0', '1,000', '1 000',
    '12a', 'a12', '+-1', '--1', '0_x10', '0x_10', '1_e3', '._5', '.5_', '1:20', '1:2', '190:20:30',
    '-1:20', '1:60', '1:5a', '1:20.5', '1:20.', '1:', ':20', '1_0:20', '1::20', '1:123', '12:34:56.7_8',
    '+1:20', 'a:20', '1.5:20',
    # found by fuzz_yamlout: Go's ParseFloat takes '_' between digits (".7_8" is a float, so quoted)
    '.7_8', '+.', '._7', '.7_', '.7__8', '.5e1_0', '.5_e1', '1_0.5'], True)
CASES['quote_timestamps'] = seq(['2020-01-01', '2020-1-1', '2020-01-01T10:00:00Z', '2020-01-01t10:00:00Z',
    '2020-01-01 10:00:00', '2020-01-01 10:00:00.5', '2020-01-01T10:00:00.123456789+01:00',
    '2020-01-01T10:00:00+0100', '2020-01-01T10:00:00', '2020-02-30', '2020-02-29', '2019-02-29',
    '2020-13-01', '2020-00-01', '2020-01-32', '20-01-01', '20200-01-01', '2020-01', '2020-01-01x',
    '2020-01-01T25:00:00Z', '2020-01-01T1:2:3Z', '2020-001-01', '2020-01-01 1:2:3', '2020-01-01T10:00Z',
    '2020-01-01T10:00:00.Z', '2020-01-01T10:00:00,5Z', '2020-01-01 10:00:00 +01:00', '1999-12-31T23:59:59-05:00',
    '2020-01-01T10:00:00+25:00', '2020-01-01T10:00:00+01:61'], True)
CASES['quote_indicators'] = seq(['a: b', 'a:b', 'a :b', ':a', ': a', 'a:', '*x', '&x', '!x', '|x', '>x',
    "'x", '"x', '%x', '@x', '`x', '#x', 'a #b', 'a#b', ' x', 'x ', '  ', ' ', '-x', '- x', '-', '--',
    '---', '...', '?x', '? x', '?', ',x', 'x,y', '[x', 'x]', '{x', 'x}', 'a, b', 'x: ', 'a\tb', '\tx',
    'x\t', 'a\\b', 'a"b', "a'b", "it's", 'a  b', 'a - b', 'a -b', '<<', '=', 'a=b', 'http://x/y',
    'x:8080', '~x', 'x~', 'a|b', 'a>b', 'a!b', 'a&b', 'a*b', 'a%b', 'a@b', '$x', '^x', 'a?b', 'a?', '?a'], True)
CASES['strings_unicode'] = seq(['héllo', 'ünïcödé: x', '日本語', 'ça va', 'emoji 😀', '\u00a0x', 'x\u00a0',
    'a\u0085b', 'x\ufeff', '\u00e9\u0301', 'tab\there',
    '\u200b'], True)
CASES['strings_multiline'] = seq(['a\nb', 'a\nb\n', 'a\nb\n\n', 'a\n\nb', '\na', ' a\nb', 'a \nb', 'a\nb ',
    'a\n b', '\ta\nb', 'a\tb\nc', 'a\r\nb', 'line1\nline2\nline3\n', 'x\n', '\n', '\n\n', 'a:\n  b: c\n',
    '#!/bin/sh\necho hi\n', 'a\n\n\n', 'trailing  \nspace', '- a\n- b\n', 'a\u0085b\nc', 'a\u2028b\nc',
    'very long line ' * 8 + '\nnext'], True)
CASES['strings_long'] = seq([
    'word ' * 30, ('word ' * 30).strip(), 'x' * 200, 'a ' + 'x' * 120 + ' b',
    ('lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore '
     'et dolore magna aliqua'),
    'a: ' + 'word ' * 25, "it's " * 30, 'quoted "word" ' * 10, 'x  ' * 40, 'y' * 79, 'y ' * 45,
    '0' * 100, 'tab\t' * 30], True)
CASES['strings_long_keys'] = keys(['k' * 120, 'k' * 128, 'k' * 129, 'k ' * 70, 'a: b', 'yes', 'on', 'y',
    '1', '1.0', '', '~', '*x', 'a\nb', 'x ' * 50])
CASES['key_order'] = keys(['b', 'a', 'B', 'A', '_z', '1', '2', '10', 'a9', 'a10',
    'ab', 'a_b', 'a-b', 'a.b', 'a/b', 'a0', 'a00', 'a000', 'a1', 'a100', 'a1000', 'z', 'Z', '-',
    '.', '0', '00', '7', '70', 'é', 'ä', 'Ω', '日', '€', 'x€', 'x1', 'x-1', 'x_1', 'x 1', '$',
    'a.b.c', 'a9z', '10a', '9a'])
CASES['key_order_labels'] = HEAD.replace('name: t\n', '''name: t
  labels:
    app.kubernetes.io/name: x
    app: y
    app.kubernetes.io/instance: z
    App: w
    zone: q
    a-1: r
    a-10: s
    a-2: t
  annotations:
    kustomize.config.k8s.io/id: x
    b: "1"
''')
CASES['typed_plain'] = seq(['1', '1.0', '1.5', '1e3', '1E3', '1e21', '1e20', '1e-7', '1e-5', '0.0001',
    '0.00001', '123456.5', '1234567.5', '12345678', '0x10', '012', '0o12', '0b11', '08', '1_000', '-0',
    '-0.0', '3.14159265358979', '0.1', '100000000000000000000', '18446744073709551615',
    '9223372036854775808', '-9223372036854775809', '1.7976931348623157e308', '5e-324', '2.5e-5', '123e-2',
    'true', 'True', 'FALSE', 'yes', 'no', 'on', 'off', 'y', 'null', '~', 'Null', '2020-01-01',
    '2020-01-01T10:00:00+01:00', '2020-01-01 10:00:00', '"2020-01-01"', "'0755'", '!!str 12',
    '!!float 1', '!!int "7"', '1:20', '.5', '+1', '+.5', '999999', '1000000', '0.000001', '1e6',
    '1.0e+6', '123456789012', '1e15', '1.5e15', '1e16', '12345678901234567890'], False)
CASES['structures'] = HEAD + '''spec:
  empty_map: {}
  empty_list: []
  nulls: [~, null, ]
  nested:
    - a: 1
      b: [1, 2]
      c: []
      d: {}
    - - x
      - y
    - []
    - {}
    - [[], [[]]]
    - {a: {b: {c: [d]}}}
  flow: {x: [1, {y: z}], w: v}
  list_of_maps:
  - name: a
    value: "1"
  - {}
  - name: b
    items:
    - k: v
      l:
      - m
  anchors:
    base: &b {a: 1, b: [x]}
    copy: *b
    merged:
      <<: *b
      c: 2
'''
CASES['multi_doc'] = HEAD + 'a: 1\n---\n' + HEAD.replace('name: t', 'name: u') + 'b: [x, "y"]\n---\n' + \
    HEAD.replace('name: t', 'name: w') + 'c: "multi\\nline\\n"\n'
CASES['literal_in_structures'] = HEAD + '''data:
  script: |
    #!/bin/sh
    set -e
    echo "hello"
  keep: |+
    kept

  strip: |-
    stripped
  folded: >
    folded text
    goes here
  nested:
  - |
    item one
    item two
  - key: |
      a
        b
      c
  indented: "  leading\\n  lines\\n"
'''
CASES['deployment'] = '''apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        args: ["--port=8080", "--verbose", "-v", "yes"]
        ports:
        - containerPort: 8080
          protocol: TCP
        env:
        - name: A
          value: "true"
        - name: B
          value: "0755"
        resources:
          limits: {cpu: 500m, memory: 128Mi}
        command:
        - /bin/sh
        - -c
        - |
          echo start
          exec nginx -g 'daemon off;'
'''
CASES['keep_trailing'] = HEAD + 'data:\n  a: "x\\n\\n"\n  b: "x\\n\\n\\n"\n'
CASES['keep_trailing_last'] = HEAD + 'zz: "x\\n\\n"\n'


def run(name, text, tmp):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    with open(os.path.join(d, 'r.yaml'), 'w', encoding='utf-8') as f:
        f.write(text)
    with open(os.path.join(d, 'kustomization.yaml'), 'w') as f:
        f.write('resources:\n- r.yaml\n')
    env = dict(os.environ, KUBECONFIG='/dev/null')
    p = subprocess.run(['kubectl', 'kustomize', '--reorder', 'none', d], capture_output=True, env=env)
    if p.returncode != 0:
        sys.stderr.write('%s: kubectl failed: %s\n' % (name, p.stderr.decode()))
        return False
    with open(os.path.join(HERE, name + '.in.yaml'), 'w', encoding='utf-8') as f:
        f.write(text)
    with open(os.path.join(HERE, name + '.out.yaml'), 'wb') as f:
        f.write(p.stdout)
    return True


def main():
    tmp = tempfile.mkdtemp()
    ok = True
    try:
        for name, text in CASES.items():
            ok = run(name, text, tmp) and ok
    finally:
        shutil.rmtree(tmp)
    with open(os.path.join(HERE, 'cases.txt'), 'w') as f:
        for name in CASES:
            if os.path.exists(os.path.join(HERE, name + '.out.yaml')):
                f.write(name + '\n')
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
