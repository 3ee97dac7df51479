#!/usr/bin/env python3
"""Records golden answers of the real Go Pushgateway (Debian's prometheus-pushgateway) to protobuf pushes.

Usage: record_protobuf.py [--binary prometheus-pushgateway] [--port 19847] > protobuf.json

Every case starts a fresh gateway on loopback and sends its pushes (method, path, headers, body bytes; the body is
recorded base64). For every push it records the status and the response body; then, after the last push:
  metrics   GET /metrics as text, without the gateway's own families (go_, process_, pushgateway_, promhttp_) and
            with push_time_seconds / push_failure_time_seconds values above 1e9 replaced by <TS> (as record.py does)
  pb        GET /metrics with Accept: <delimited protobuf>: its Content-Type ("pb_ct") and the body base64 ("pb"),
            byte for byte except that the delimited messages of the gateway's own families are left out (the
            Go runtime's families would make up nearly all of it); push times are not masked here
  api       GET /api/v1/metrics, every "time_stamp" and the push_time_seconds / push_failure_time_seconds values
            replaced by <masked> (as ApiJsonTest masks them), the group objects put in order of their labels
            (bytes untouched; the Go gateway iterates a map)
  responses for a push whose answer varies between runs (RANDOM_ANSWERS): every distinct answer seen
  api_comparable  false where 1.5.1's JSON predates the shapes Cairn implements (native and float histograms got
            their own JSON in upstream 1.8.0 and 1.10.0)

The protobuf bodies are built by the small encoder below from nested dicts that name the fields of
io.prometheus.client's metrics.proto (gateway-core/src/main/protobuf/io/cairn/core/proto/metrics.proto).
"""
import argparse, base64, gzip, json, os, re, struct, subprocess, sys, time, urllib.request, urllib.error

PB_CT = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
COUNTER, GAUGE, SUMMARY, UNTYPED, HISTOGRAM = 0, 1, 2, 3, 4


# ---------------------------------------------------------------------- pushes and messages, for the table

def pb(method, path, *families, gz=False):
    """A protobuf push of the given MetricFamily dicts, length-delimited; gz: gzip the body (Content-Encoding)."""
    headers = {"Content-Type": PB_CT}
    if gz:
        headers["Content-Encoding"] = "gzip"
    return method, path, headers, lambda: body_of(families, gz)


def truncated(push, cut):
    """The push without the last cut bytes of its body."""
    method, path, headers, make_body = push
    return method, path, headers, lambda: make_body()[:-cut]


def text(method, path, body):
    return method, path, {"Content-Type": "text/plain; version=0.0.4"}, lambda: body.encode()


def fam(name, mtype, *metrics, help=None):
    """help=None leaves the field out; help="" sends it explicitly empty."""
    f = {"name": name, "type": mtype, "metric": list(metrics)}
    if help is not None:
        f["help"] = help
    return f


def m(labels=None, **fields):
    """One Metric: labels as an ordered dict, the other fields by their metrics.proto names."""
    fields["label"] = [{"name": k, "value": v} for k, v in (labels or {}).items()]
    return fields


def ts(seconds, nanos=0):
    return {"seconds": seconds, "nanos": nanos}


def ex(value, labels, timestamp=None):
    e = {"label": [{"name": k, "value": v} for k, v in labels.items()], "value": value}
    if timestamp is not None:
        e["timestamp"] = timestamp
    return e


def buckets(*pairs):
    return [{"upper_bound": ub, "cumulative_count": c} for ub, c in pairs]


# A native histogram with integer counts: schema 3, a zero bucket, spans with gaps on both sides, no classic buckets.
NATIVE = {"sample_count": 19, "sample_sum": 42.75, "schema": 3, "zero_threshold": 1e-128, "zero_count": 2,
          "negative_span": [{"offset": -2, "length": 2}, {"offset": 3, "length": 1}],
          "negative_delta": [1, 1, -1],
          "positive_span": [{"offset": 0, "length": 3}, {"offset": 2, "length": 2}],
          "positive_delta": [2, 1, -2, 3, -1]}

CASES = [
    # name, API JSON comparable with Cairn's (classic types only), pushes
    ("counter-total", True, [pb("PUT", "/metrics/job/j", fam(
        "c_total", COUNTER, m({"code": "200"}, counter={"value": 1027}), m({"code": "400"}, counter={"value": 3}),
        help="Requests."))]),
    ("counter-without-total", True, [pb("PUT", "/metrics/job/j", fam("c", COUNTER, m(counter={"value": 5}),
                                                                     help="C."))]),
    ("gauge", True, [pb("PUT", "/metrics/job/j", fam("g", GAUGE, m(gauge={"value": -2.5}), help="A gauge."))]),
    ("untyped", True, [pb("PUT", "/metrics/job/j", fam("u", UNTYPED, m({"a": "x"}, untyped={"value": 1e21}),
                                                       help="U."))]),
    ("summary", True, [pb("PUT", "/metrics/job/j", fam("s", SUMMARY, m(summary={
        "sample_count": 30, "sample_sum": 100,
        "quantile": [{"quantile": 0.5, "value": 2}, {"quantile": 0.9, "value": 4.5}, {"quantile": 0.99, "value": 9}]}),
        help="A summary."))]),
    ("histogram", True, [pb("PUT", "/metrics/job/j", fam("h", HISTOGRAM, m(histogram={
        "sample_count": 12, "sample_sum": 53.2,
        "bucket": buckets((0.005, 1), (0.1, 5), (1, 8), (10, 11), (float("inf"), 12))}), help="Latency."))]),
    ("histogram-without-inf", True, [pb("PUT", "/metrics/job/j", fam("h", HISTOGRAM, m(histogram={
        "sample_count": 7, "sample_sum": 4, "bucket": buckets((1, 1), (2, 3))})))]),
    ("help-present-absent-empty", True, [pb("PUT", "/metrics/job/j",
                                            fam("a", GAUGE, m(gauge={"value": 1}), help="Has help."),
                                            fam("b", GAUGE, m(gauge={"value": 2})),
                                            fam("c", GAUGE, m(gauge={"value": 3}), help=""))]),
    ("grouping-labels-override", True, [pb("PUT", "/metrics/job/j/zone/z1", fam(
        "a", GAUGE, m({"zz": "1", "zone": "other", "job": "x", "aa": "4"}, gauge={"value": 1}),
        m({"instance": "body"}, gauge={"value": 2})))]),
    ("native-histogram", False, [pb("PUT", "/metrics/job/j", fam("nh", HISTOGRAM, m(histogram=NATIVE),
                                                                 help="Native."))]),
    ("native-and-classic-histogram", False, [pb("PUT", "/metrics/job/j", fam("nh", HISTOGRAM, m(histogram=dict(
        NATIVE, bucket=buckets((-1, 3), (0, 5), (1, 9), (float("inf"), 19)))), help="Both."))]),
    ("float-histogram", False, [pb("PUT", "/metrics/job/j", fam("fh", HISTOGRAM, m(histogram={
        "sample_count_float": 10.5, "sample_sum": 33.25, "schema": 0, "zero_threshold": 0.001,
        "zero_count_float": 1.5, "positive_span": [{"offset": 1, "length": 3}], "positive_count": [2, 0, 7]}),
        help="Float."))]),
    ("exemplars", True, [pb("PUT", "/metrics/job/j",
                            fam("c_total", COUNTER, m(counter={
                                "value": 7, "exemplar": ex(1, {"trace_id": "abc"}, ts(1700000000, 123))})),
                            fam("h", HISTOGRAM, m(histogram={"sample_count": 3, "sample_sum": 1.5, "bucket": [
                                {"upper_bound": 0.5, "cumulative_count": 1, "exemplar": ex(0.25, {"trace_id": "t1"})},
                                {"upper_bound": 1, "cumulative_count": 3,
                                 "exemplar": ex(0.75, {"trace_id": "t2", "span_id": "s"}, ts(1700000001))}]})))]),
    ("native-histogram-exemplars", False, [pb("PUT", "/metrics/job/j", fam("nh", HISTOGRAM, m(histogram=dict(
        NATIVE, exemplars=[ex(0.3, {"trace_id": "n1"}, ts(1700000002, 5)),
                           ex(-2, {"trace_id": "n2"}, ts(1700000003))]))))]),
    ("created-timestamps", True, [pb("PUT", "/metrics/job/j",
                                     fam("c_total", COUNTER, m(counter={
                                         "value": 1, "created_timestamp": ts(1690000000, 500)})),
                                     fam("s", SUMMARY, m(summary={
                                         "sample_count": 1, "sample_sum": 2, "created_timestamp": ts(1690000001)})),
                                     fam("h", HISTOGRAM, m(histogram={
                                         "sample_count": 1, "sample_sum": 2, "bucket": buckets((1, 1)),
                                         "created_timestamp": ts(1690000002, 7)})))]),
    ("timestamp-rejected", True, [pb("PUT", "/metrics/job/j", fam("a", GAUGE, m(gauge={"value": 1},
                                                                              timestamp_ms=1234567890)))]),
    ("duplicate-family", True, [pb("PUT", "/metrics/job/j",
                                   fam("a", GAUGE, m({"x": "1"}, gauge={"value": 1}), help="First."),
                                   fam("b", GAUGE, m(gauge={"value": 5})),
                                   fam("a", GAUGE, m({"x": "2"}, gauge={"value": 2}), help="Second."))]),
    ("post-merges-into-text-group", True, [text("PUT", "/metrics/job/j", "# TYPE a gauge\na 1\nb 2\n"),
                                           pb("POST", "/metrics/job/j", fam("b", GAUGE, m(gauge={"value": 20})),
                                              fam("c", COUNTER, m(counter={"value": 3})))]),
    ("put-empty-body", True, [pb("PUT", "/metrics/job/j", fam("a", GAUGE, m(gauge={"value": 1}))),
                              pb("PUT", "/metrics/job/j")]),
    ("type-conflict-other-group", True, [text("PUT", "/metrics/job/j1", "# TYPE a counter\na 1\n"),
                                         pb("PUT", "/metrics/job/j2", fam("a", GAUGE, m(gauge={"value": 1})))]),
    ("field-mismatches-type", True, [pb("PUT", "/metrics/job/j", fam("a", GAUGE, m(counter={"value": 1})))]),
    ("duplicate-series", True, [pb("PUT", "/metrics/job/j", fam("a", GAUGE, m({"x": "1"}, gauge={"value": 1}),
                                                                m({"x": "1"}, gauge={"value": 2})))]),
    ("invalid-label-name", True, [pb("PUT", "/metrics/job/j", fam("a", GAUGE, m({"bad-name": "1"},
                                                                              gauge={"value": 1})))]),
    ("type-field-absent", True, [pb("PUT", "/metrics/job/j", {"name": "a", "metric": [m(counter={"value": 1})]})]),
    ("family-without-metrics", True, [pb("PUT", "/metrics/job/j", fam("a", GAUGE, help="Empty."),
                                         fam("b", GAUGE, m(gauge={"value": 1})))]),
    ("unit", True, [pb("PUT", "/metrics/job/j", dict(fam("a_seconds", GAUGE, m(gauge={"value": 1})),
                                                     unit="seconds"))]),
    ("metric-without-value", True, [pb("PUT", "/metrics/job/j", fam("a", GAUGE, m({"x": "1"})))]),
    ("truncated-body", True, [truncated(pb("PUT", "/metrics/job/j", fam("a", GAUGE, m(gauge={"value": 1}))), 3)]),
    ("gzip", True, [pb("PUT", "/metrics/job/j", fam("g", GAUGE, m({"a": "b"}, gauge={"value": 3}), help="Gzipped."),
                       fam("c_total", COUNTER, m(counter={"value": 4})), gz=True)]),
]

# Cases whose error message depends on Go's map order (which group's series the consistency check gathers first):
# recorded this many times, every distinct answer kept in the push's "responses".
RANDOM_ANSWERS = {"type-conflict-other-group": 30}


# ---------------------------------------------------------------------- a protobuf encoder for metrics.proto

# message -> field name -> (number, kind); kind is a scalar kind or a message name; repeated fields hold lists.
SCHEMA = {
    "MetricFamily": {"name": (1, "string"), "help": (2, "string"), "type": (3, "enum"), "metric": (4, "Metric"),
                     "unit": (5, "string")},
    "Metric": {"label": (1, "LabelPair"), "gauge": (2, "Gauge"), "counter": (3, "Counter"), "summary": (4, "Summary"),
               "untyped": (5, "Untyped"), "timestamp_ms": (6, "int64"), "histogram": (7, "Histogram")},
    "LabelPair": {"name": (1, "string"), "value": (2, "string")},
    "Gauge": {"value": (1, "double")},
    "Untyped": {"value": (1, "double")},
    "Counter": {"value": (1, "double"), "exemplar": (2, "Exemplar"), "created_timestamp": (3, "Timestamp")},
    "Quantile": {"quantile": (1, "double"), "value": (2, "double")},
    "Summary": {"sample_count": (1, "uint64"), "sample_sum": (2, "double"), "quantile": (3, "Quantile"),
                "created_timestamp": (4, "Timestamp")},
    "Histogram": {"sample_count": (1, "uint64"), "sample_sum": (2, "double"), "bucket": (3, "Bucket"),
                  "sample_count_float": (4, "double"), "schema": (5, "sint32"), "zero_threshold": (6, "double"),
                  "zero_count": (7, "uint64"), "zero_count_float": (8, "double"), "negative_span": (9, "BucketSpan"),
                  "negative_delta": (10, "sint64"), "negative_count": (11, "double"),
                  "positive_span": (12, "BucketSpan"), "positive_delta": (13, "sint64"),
                  "positive_count": (14, "double"), "created_timestamp": (15, "Timestamp"),
                  "exemplars": (16, "Exemplar")},
    "Bucket": {"cumulative_count": (1, "uint64"), "upper_bound": (2, "double"), "exemplar": (3, "Exemplar"),
               "cumulative_count_float": (4, "double")},
    "BucketSpan": {"offset": (1, "sint32"), "length": (2, "uint32")},
    "Exemplar": {"label": (1, "LabelPair"), "value": (2, "double"), "timestamp": (3, "Timestamp")},
    "Timestamp": {"seconds": (1, "int64"), "nanos": (2, "int32")},
}


def varint(n):
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if not n:
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def delimited(message):
    return varint(len(message)) + message


def body_of(families, gz):
    body = b"".join(delimited(encode("MetricFamily", f)) for f in families)
    return gzip.compress(body, mtime=0) if gz else body


def encode(message, values):
    """Fields in field-number order, repeated fields unpacked (proto2's default, as client_golang writes them)."""
    fields = SCHEMA[message]
    out = b""
    for name, value in sorted(values.items(), key=lambda kv: fields[kv[0]][0]):
        number, kind = fields[name]
        for v in value if isinstance(value, list) else [value]:
            if kind in SCHEMA:
                out += varint(number << 3 | 2) + delimited(encode(kind, v))
            elif kind == "string":
                out += varint(number << 3 | 2) + delimited(v.encode())
            elif kind == "double":
                out += varint(number << 3 | 1) + struct.pack("<d", float(v))
            elif kind in ("sint32", "sint64"):
                out += varint(number << 3) + varint(v << 1 if v >= 0 else (-v << 1) - 1)
            else:  # enum, int32, int64, uint32, uint64
                out += varint(number << 3) + varint(v)
    return out


# ---------------------------------------------------------------------- recording

OWN = re.compile(r"^(# (HELP|TYPE) )?(go_|process_|pushgateway_|promhttp_)")
TS = re.compile(r"^(push_(failure_)?time_seconds\{.*\}) (\S+)$")
API_TIME = re.compile(r'"time_stamp":"[^"]*"')
API_PUSH_TIME = re.compile(r'("push_(?:failure_)?time_seconds":\{[^\[]*\[\{"labels":\{[^}]*\},"value":")[^"]*"')
MASK = "<masked>"


def request(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def scrape_text(base):
    lines = []
    for line in request("GET", base + "/metrics")[2].decode().splitlines():
        if OWN.match(line):
            continue
        t = TS.match(line)
        if t and float(t.group(3)) > 1e9:
            line = t.group(1) + " <TS>"
        lines.append(line)
    return lines


def mask_api(body):
    body = API_TIME.sub('"time_stamp":"%s"' % MASK, body)
    body = API_PUSH_TIME.sub(r'\g<1>%s"' % MASK, body)
    head = '{"status":"success","data":['
    assert body.startswith(head) and body.endswith("]}"), body
    groups, pos, decoder = [], len(head), json.JSONDecoder()
    while body[pos] != "]":
        group, end = decoder.raw_decode(body, pos)
        groups.append((sorted(group["labels"].items()), body[pos:end]))
        pos = end + 1 if body[end] == "," else end
    return head + ",".join(raw for _, raw in sorted(groups)) + "]}"


def without_own_families(body):
    """The delimited MetricFamily messages whose name (field 1) is not one of the gateway's own, bytes untouched."""
    kept, pos = b"", 0
    while pos < len(body):
        length, start = read_varint(body, pos)
        message, pos = body[start:start + length], start + length
        name, field = None, 0
        while field < len(message):
            key, field = read_varint(message, field)
            if key & 7 == 2:
                n, field = read_varint(message, field)
                if key >> 3 == 1:
                    name = message[field:field + n].decode()
                field += n
            elif key & 7 == 0:
                field = read_varint(message, field)[1]
            else:
                field += 8 if key & 7 == 1 else 4
        if not OWN.match(name):
            kept += body[start - len(varint(length)):pos]
    return kept


def read_varint(data, pos):
    n = shift = 0
    while True:
        b = data[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return n, pos


def record(binary, port, name, api_comparable, pushes):
    base = "http://127.0.0.1:%d" % port
    proc = subprocess.Popen([binary, "--web.listen-address=127.0.0.1:%d" % port, "--persistence.file="],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, TZ="UTC"))
    try:
        for _ in range(200):
            if proc.poll() is not None:
                raise SystemExit("%s exited (port %d taken?)" % (binary, port))
            try:
                if request("GET", base + "/-/ready")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        steps = []
        for method, path, headers, make_body in pushes:
            body = make_body()
            status, _, answer = request(method, base + path, body, headers)
            steps.append({"method": method, "path": path, "headers": headers,
                          "body": base64.b64encode(body).decode(), "status": status, "response": answer.decode()})
        _, pb_headers, pb_body = request("GET", base + "/metrics", headers={"Accept": PB_CT})
        api = request("GET", base + "/api/v1/metrics")[2].decode()
        return {"name": name, "api_comparable": api_comparable, "pushes": steps, "metrics": scrape_text(base),
                "pb_ct": pb_headers.get("Content-Type"), "pb": base64.b64encode(without_own_families(pb_body)).decode(),
                "api": mask_api(api)}
    finally:
        proc.terminate()
        proc.wait(10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="prometheus-pushgateway")
    ap.add_argument("--port", type=int, default=19847)
    args = ap.parse_args()
    version = subprocess.run([args.binary, "--version"], capture_output=True, text=True)
    out = {"recorded_against": (version.stderr or version.stdout).splitlines()[0], "cases": []}
    for name, api_comparable, pushes in CASES:
        recorded = record(args.binary, args.port, name, api_comparable, pushes)
        for _ in range(RANDOM_ANSWERS.get(name, 1) - 1):
            again = record(args.binary, args.port, name, api_comparable, pushes)
            for step, other in zip(recorded["pushes"], again["pushes"]):
                step.setdefault("responses", [step["response"]])
                if other["response"] not in step["responses"]:
                    step["responses"] = sorted(step["responses"] + [other["response"]])
        for step in recorded["pushes"]:
            if len(step.get("responses", ())) == 1:
                del step["responses"]
        out["cases"].append(recorded)
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
