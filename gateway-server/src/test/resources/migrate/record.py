#!/usr/bin/env python3
"""Records the fixtures of MigrateTest from the real Go Pushgateway (Debian's prometheus-pushgateway).

Usage: record.py [--binary prometheus-pushgateway] [--port 19861]   (writes into this script's directory)

Starts one gateway on loopback, sends the PUSHES below (each must get its expected status), then writes
  metrics-pushgateway-1.5.1.json  GET /api/v1/metrics, byte for byte (groups in the gateway's map order)
  scrape-pushgateway-1.5.1.txt    GET /metrics without the gateway's own families (go_, process_, pushgateway_,
                                  promhttp_), every push_time_seconds / push_failure_time_seconds value replaced
                                  by <TS> (a migration sets both anew)
  native-histogram.pb             the protobuf body of the "native" push, for migrate-against-go.sh
The protobuf body is built by the encoder of ../golden/record_protobuf.py.
"""
import argparse, os, re, subprocess, sys, time, urllib.error, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "golden"))
import record_protobuf as rp  # noqa: E402

TEXT = "text/plain; version=0.0.4"

BASIC = (
    "# HELP a_first Sorts before labels.\n# TYPE a_first gauge\na_first 1\n"
    "# HELP c_total Requests served.\n# TYPE c_total counter\n"
    "c_total{path=\"/a\"} 3\nc_total{path=\"/b\"} 1.5\n"
    "# TYPE g gauge\ng 42\n"
    "# HELP h A histogram.\n# TYPE h histogram\n"
    "h_bucket{le=\"0.1\"} 1\nh_bucket{le=\"0.5\"} 2\nh_bucket{le=\"1\"} 3\nh_bucket{le=\"10\"} 4\n"
    "h_bucket{le=\"+Inf\"} 5\nh_sum 17.5\nh_count 5\n"
    "# TYPE h_no_inf histogram\nh_no_inf_bucket{le=\"1\"} 1\nh_no_inf_bucket{le=\"2\"} 3\nh_no_inf_sum 4\n"
    "h_no_inf_count 7\n"
    "# HELP s A summary.\n# TYPE s summary\n"
    "s{quantile=\"0.5\"} 2\ns{quantile=\"0.9\"} 4.5\ns{quantile=\"0.99\"} 8\ns_sum 100\ns_count 30\n"
    "# TYPE s_no_quantiles summary\ns_no_quantiles_sum 1\ns_no_quantiles_count 2\n"
    "u_untyped 7\n"
    "# HELP zzz \n# TYPE zzz untyped\nzzz -3.25\n")
ESC = (
    "# HELP esc Help with \\\\ backslash and \\n newline, <html> & \"quotes\" \u2028 \x01.\n# TYPE esc gauge\n"
    "esc{v=\"a\\\\b\"} 1\nesc{v=\"q\\\"uote\"} 2\nesc{v=\"new\\nline\"} 3\nesc{v=\"<tag>&amp;\"} 4\n"
    "esc{v=\"tab\there\"} 5\nesc{v=\"M\u00fcnchen \u2603 \U0001F600\"} 6\nesc{v=\"\"} 7\n")
SPECIAL = (
    "# TYPE big_hist histogram\nbig_hist_bucket{le=\"1e-07\"} 0\nbig_hist_bucket{le=\"1e+06\"} 1234567\n"
    "big_hist_bucket{le=\"+Inf\"} 9007199254740992\nbig_hist_sum 1e+21\nbig_hist_count 9007199254740992\n"
    "# TYPE big_summary summary\nbig_summary{quantile=\"1e-05\"} NaN\nbig_summary{quantile=\"0.5\"} -Inf\n"
    "big_summary_sum +Inf\nbig_summary_count 1e19\n"
    "# TYPE special gauge\nspecial{k=\"a\"} NaN\nspecial{k=\"b\"} +Inf\nspecial{k=\"c\"} -Inf\n"
    "special{k=\"d\"} 1e6\nspecial{k=\"e\"} 1.5e-7\nspecial{k=\"f\"} -0\nspecial{k=\"g\"} 123456.789\n"
    "special{k=\"h\"} 0.0001\nspecial{k=\"i\"} 0.1\nspecial{k=\"j\"} 0.30000000000000004\n"
    "special{k=\"k\"} 5e-324\nspecial{k=\"l\"} 1.7976931348623157e308\n")
NATIVE = rp.body_of([rp.fam("nh", rp.HISTOGRAM, rp.m(histogram=rp.NATIVE), help="A native histogram.")], False)

# method, path, content type, body, expected status
PUSHES = [
    ("PUT", "/metrics/job/basic", TEXT, BASIC, 200),
    ("PUT", "/metrics/job/esc/instance@base64/aTwmPg", TEXT, ESC, 200),                        # i<&>
    ("PUT", "/metrics/job/utf8/label@base64/w7zigqzwn5iA", TEXT,                              # ü€😀
     "# HELP utf8_metric Gr\u00fc\u00dfe \u20ac \U0001F600\n# TYPE utf8_metric counter\n"
     "utf8_metric{name=\"Gr\u00fc\u00dfe\"} 1\n", 200),
    ("PUT", "/metrics/job/M%C3%BCnchen%20a+b", TEXT, "# TYPE city gauge\ncity 1\n", 200),     # job "München a+b"
    ("PUT", "/metrics/job@base64/dGVhbS9uaWdodGx5LWJhY2t1cA", TEXT,                            # team/nightly-backup
     "# HELP backup_last_success_timestamp_seconds Last success.\n"
     "# TYPE backup_last_success_timestamp_seconds gauge\nbackup_last_success_timestamp_seconds 1.7e+09\n", 200),
    ("PUT", "/metrics/job/paths/dir@base64/L3Zhci9saWIvZGF0YQ/dot@base64/Lg", TEXT,            # /var/lib/data, .
     "# TYPE disk_free_bytes gauge\ndisk_free_bytes 1.2345e+10\n", 200),
    ("PUT", "/metrics/job/empty/instance@base64/=", TEXT, "# TYPE e gauge\ne 1\n", 200),
    ("PUT", "/metrics/job/empty2/rack/r1/zone@base64/=", TEXT, "# TYPE e gauge\ne 2\n", 200),
    ("PUT", "/metrics/job/multi/instance/host-1:9100/zone/eu-1/env/prod", TEXT,
     "# HELP c_total Requests served.\n# TYPE c_total counter\nc_total{path=\"/m\"} 10\n"
     "# TYPE m gauge\nm{zone=\"ignored\",extra=\"x\"} 5\n", 200),
    ("PUT", "/metrics/job/special", TEXT, SPECIAL, 200),
    ("PUT", "/metrics/job/native", rp.PB_CT, NATIVE, 200),
    ("PUT", "/metrics/job/quirk", TEXT, "labels 1\nlast_push_successful 2\n", 200),
    ("PUT", "/metrics/job/failed", TEXT, "ok_metric 1\n", 200),
    ("PUT", "/metrics/job/failed", TEXT, "ok_metric 2 1234567890\n", 400),
    ("PUT", "/metrics/job/emptybody", TEXT, "", 200),
]

OWN = re.compile(r"^(# (HELP|TYPE) )?(go_|process_|pushgateway_|promhttp_)")
TS = re.compile(r"^(push_(failure_)?time_seconds\{.*\}) (\S+)$")


def request(method, url, body=None, content_type=None):
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": content_type} if content_type else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="prometheus-pushgateway")
    ap.add_argument("--port", type=int, default=19861)
    args = ap.parse_args()
    base = "http://127.0.0.1:%d" % args.port
    proc = subprocess.Popen([args.binary, "--web.listen-address=127.0.0.1:%d" % args.port, "--persistence.file="],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                if request("GET", base + "/-/ready")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        for method, path, ctype, body, want in PUSHES:
            status, answer = request(method, base + path, body, ctype)
            if status != want:
                sys.exit("%s %s answered %d, want %d: %s" % (method, path, status, want, answer.decode()))
        status, api = request("GET", base + "/api/v1/metrics")
        status, text = request("GET", base + "/metrics")
    finally:
        proc.terminate()
        proc.wait(10)
    lines = []
    for line in text.decode().split("\n"):
        if not line:
            continue
        if OWN.match(line):
            continue
        m = TS.match(line)
        lines.append(m.group(1) + " <TS>" if m else line)
    with open(os.path.join(HERE, "metrics-pushgateway-1.5.1.json"), "wb") as f:
        f.write(api)
    with open(os.path.join(HERE, "scrape-pushgateway-1.5.1.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(HERE, "native-histogram.pb"), "wb") as f:
        f.write(NATIVE)


if __name__ == "__main__":
    main()
