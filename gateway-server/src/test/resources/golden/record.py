#!/usr/bin/env python3
"""Records golden /metrics outputs from the real Go Pushgateway (Debian's prometheus-pushgateway).

Usage: record.py [--binary prometheus-pushgateway] [--port 19800] > scrapes.json

Every case starts a fresh gateway on loopback, sends its pushes, and records the status of each push and the
text exposition of GET /metrics without the gateway's own families (go_, process_, pushgateway_, promhttp_).
push_time_seconds / push_failure_time_seconds values above 1e9 are replaced by <TS>.
"""
import argparse, json, re, subprocess, sys, time, urllib.request, urllib.error

CASES = [
    ("gauge", [("PUT", "/metrics/job/j", "# HELP a A gauge.\n# TYPE a gauge\na 1\n")]),
    ("counter-labels", [("PUT", "/metrics/job/j/instance/i",
                         "# HELP c_total Requests.\n# TYPE c_total counter\n"
                         "c_total{code=\"200\",method=\"get\"} 1027\nc_total{code=\"400\",method=\"post\"} 3\n")]),
    ("histogram", [("PUT", "/metrics/job/j",
                    "# HELP h Latency.\n# TYPE h histogram\n"
                    "h_bucket{le=\"0.005\"} 1\nh_bucket{le=\"0.01\"} 2\nh_bucket{le=\"0.025\"} 3\n"
                    "h_bucket{le=\"0.05\"} 4\nh_bucket{le=\"0.1\"} 5\nh_bucket{le=\"0.25\"} 6\n"
                    "h_bucket{le=\"0.5\"} 7\nh_bucket{le=\"1\"} 8\nh_bucket{le=\"2.5\"} 9\n"
                    "h_bucket{le=\"5\"} 10\nh_bucket{le=\"10\"} 11\nh_bucket{le=\"+Inf\"} 12\n"
                    "h_sum 53.2\nh_count 12\n")]),
    ("histogram-without-inf", [("PUT", "/metrics/job/j",
                                "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"2\"} 3\nh_sum 4\nh_count 7\n")]),
    ("summary", [("PUT", "/metrics/job/j",
                  "# HELP s A summary.\n# TYPE s summary\n"
                  "s{quantile=\"0.5\"} 2\ns{quantile=\"0.9\"} 4.5\ns{quantile=\"0.99\"} 9\ns_sum 100\ns_count 30\n")]),
    ("floats", [("PUT", "/metrics/job/j",
                 "a 1e6\nb 1234567\nc 123456\nd 0.00001\ne .5\nf 5.\ng +5\nh 1.5E-7\ni 0.0001\nj 1e21\n"
                 "k 123456789012345678\nl -2.5e-3\nm 100\nn 0.1\no NaN\np +Inf\nq -Inf\nr 3.141592653589793\n"
                 "s 1e-300\nt 0.30000000000000004\nu -0\nv 1.7976931348623157e308\nw 5e-324\n")]),
    ("escapes", [("PUT", "/metrics/job/j",
                  "# HELP a Line1\\nLine2 back\\\\slash \"quoted\".\na{l=\"x\\\"y\\\\z\\nw\",u=\"M\u00fcnchen \u2603\"} 1\n")]),
    ("label-order", [("PUT", "/metrics/job/j/zone/z1/instance/i",
                      "a{zz=\"1\",bb=\"2\",mm=\"3\",aa=\"4\",zone=\"other\",job=\"x\"} 1\n")]),
    ("series-order", [("PUT", "/metrics/job/j",
                       "a{x=\"b\"} 1\na{x=\"a\"} 2\na{x=\"c\",y=\"1\"} 3\na{x=\"10\"} 4\na{x=\"9\"} 5\n")]),
    ("two-groups", [("PUT", "/metrics/job/j1", "# TYPE a gauge\na 1\n"),
                    ("PUT", "/metrics/job/j2/instance/x", "# TYPE a gauge\na 2\nb 3\n")]),
    ("post-merge", [("PUT", "/metrics/job/j", "a 1\nb 2\n"), ("POST", "/metrics/job/j", "b 20\nc 3\n")]),
    ("rejected-push", [("PUT", "/metrics/job/j1", "# TYPE a counter\na 1\n"),
                       ("PUT", "/metrics/job/j2", "# TYPE a gauge\na 1\n")]),
    ("empty-put", [("PUT", "/metrics/job/j", "")]),
    ("untyped-suffixes", [("PUT", "/metrics/job/j", "x_sum 1\nx_count 2\nx_bucket 3\n")]),
    ("bench-body", [("PUT", "/metrics/job/bench/instance/i7",
                     "# HELP bench_job_duration_seconds Duration of the last run.\n"
                     "# TYPE bench_job_duration_seconds gauge\nbench_job_duration_seconds 42.5\n"
                     "# HELP bench_items_total Items processed.\n# TYPE bench_items_total counter\n"
                     "bench_items_total{status=\"ok\"} 1234\nbench_items_total{status=\"error\"} 5\n"
                     "# HELP bench_item_size_bytes Item sizes.\n# TYPE bench_item_size_bytes histogram\n"
                     "bench_item_size_bytes_bucket{le=\"100\"} 3\nbench_item_size_bytes_bucket{le=\"1000\"} 7\n"
                     "bench_item_size_bytes_bucket{le=\"10000\"} 9\nbench_item_size_bytes_bucket{le=\"100000\"} 10\n"
                     "bench_item_size_bytes_bucket{le=\"+Inf\"} 10\nbench_item_size_bytes_sum 123456\n"
                     "bench_item_size_bytes_count 10\n")]),
]

OWN = re.compile(r"^(# (HELP|TYPE) )?(go_|process_|pushgateway_|promhttp_)")
TS = re.compile(r"^(push_(failure_)?time_seconds\{.*\}) (\S+)$")


def request(method, url, body=None):
    req = urllib.request.Request(url, data=body.encode() if body is not None else None, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def scrape(base):
    status, text = request("GET", base + "/metrics")
    lines = []
    for line in text.splitlines():
        if OWN.match(line):
            continue
        m = TS.match(line)
        if m and float(m.group(3)) > 1e9:
            line = m.group(1) + " <TS>"
        lines.append(line)
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="prometheus-pushgateway")
    ap.add_argument("--port", type=int, default=19800)
    args = ap.parse_args()
    base = "http://127.0.0.1:%d" % args.port
    version = subprocess.run([args.binary, "--version"], capture_output=True, text=True)
    out = {"recorded_against": (version.stderr or version.stdout).splitlines()[0], "cases": []}
    for name, pushes in CASES:
        proc = subprocess.Popen([args.binary, "--web.listen-address=127.0.0.1:%d" % args.port,
                                 "--persistence.file="], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    if request("GET", base + "/-/ready")[0] == 200:
                        break
                except OSError:
                    time.sleep(0.05)
            steps = []
            for method, path, body in pushes:
                status, text = request(method, base + path, body)
                steps.append({"method": method, "path": path, "body": body, "status": status, "response": text})
            out["cases"].append({"name": name, "pushes": steps, "metrics": scrape(base)})
        finally:
            proc.terminate()
            proc.wait(10)
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
