#!/usr/bin/env python3
"""Re-records error-catalog.txt against a running Go Pushgateway 1.5.1.

    prometheus-pushgateway --web.listen-address=127.0.0.1:19500 --persistence.file= &
    python3 record-error-catalog.py [http://127.0.0.1:19500]

Each line of error-catalog.txt is `input<TAB>message` (the message may be missing when adding a row). Both
columns use the escapes \\n \\r \\t \\\\ and \\xHH; a message is the UTF-8 bytes of the 400 response body
without the newline http.Error appends. Rows the gateway accepts are reported and left unchanged.
"""
import re
import sys
import urllib.error
import urllib.request

CATALOG = __file__.rsplit('/', 1)[0] + '/error-catalog.txt'
ESCAPE = re.compile(rb'\\(x[0-9a-fA-F]{2}|n|r|t|\\)')


def unescape(text):
    def one(m):
        e = m.group(1)
        return {b'n': b'\n', b'r': b'\r', b't': b'\t', b'\\': b'\\'}.get(e) or bytes([int(e[1:], 16)])
    return ESCAPE.sub(one, text.encode('ascii'))


def escape(data):
    out = []
    for b in data:
        if b == 0x5C:
            out.append('\\\\')
        elif b == 0x0A:
            out.append('\\n')
        elif b == 0x0D:
            out.append('\\r')
        elif b == 0x09:
            out.append('\\t')
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append('\\x%02x' % b)
    return ''.join(out)


def push(base, body):
    request = urllib.request.Request(base + '/metrics/job/catalog', data=body, method='PUT')
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def main():
    base = sys.argv[1] if len(sys.argv) > 1 else 'http://127.0.0.1:19500'
    rows = []
    with open(CATALOG, encoding='ascii') as f:
        for line in f.read().splitlines():
            if not line:
                continue
            raw_input = line.split('\t', 1)[0]
            status, body = push(base, unescape(raw_input))
            if status != 400 or not body.startswith(b'text format parsing error'):
                print('not a parse error (%d): %s -> %r' % (status, raw_input, body), file=sys.stderr)
                rows.append(line)
                continue
            rows.append(raw_input + '\t' + escape(body[:-1] if body.endswith(b'\n') else body))
    with open(CATALOG, 'w', encoding='ascii') as f:
        f.write('\n'.join(rows) + '\n')


if __name__ == '__main__':
    main()
