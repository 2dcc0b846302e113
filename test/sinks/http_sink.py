#!/usr/bin/python3
"""A local HTTP sink for journey-sender's webhook channel (tests, demo, bench).

Listens on 127.0.0.1 (a free port unless --port), writes the port to --port-file once it accepts
connections, and records every request as a JSON line in --log: {"n", "path", "headers", "body"}.
Answers, in this order of precedence:
  --fail-first N      503 for the first N requests (then recovers)
  --reject SUBSTR     422 with body {"error": "rejected: SUBSTR"} when the body contains SUBSTR
  --respond JSON      200 with this body (default {"ok": true}); "{n}" is replaced by the request number
  --delay SECONDS     wait before answering (e.g. to be killed mid-batch)
Stops on SIGTERM. With no --log it only counts (--count-file gets the count at exit).
"""
import argparse
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--port-file")
parser.add_argument("--log")
parser.add_argument("--count-file")
parser.add_argument("--fail-first", type=int, default=0)
parser.add_argument("--reject")
parser.add_argument("--respond", default='{"ok": true}')
parser.add_argument("--delay", type=float, default=0)
args = parser.parse_args()

lock = threading.Lock()
count = 0
log = open(args.log, "a", buffering=1) if args.log else None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

    def log_message(self, *a):
        pass

    def do_POST(self):
        global count
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        with lock:
            count += 1
            n = count
        if args.delay:
            time.sleep(args.delay)
        if n <= args.fail_first:
            status, answer = 503, json.dumps({"error": "unavailable", "n": n})
        elif args.reject and args.reject.encode() in body:
            status, answer = 422, json.dumps({"error": "rejected: " + args.reject})
        else:
            status, answer = 200, args.respond.replace("{n}", str(n))
        if log is not None:
            line = json.dumps({"n": n, "t": time.time(), "status": status, "path": self.path,
                               "headers": {k.lower(): v for k, v in self.headers.items()},
                               "body": body.decode("utf-8", "replace")})
            with lock:
                log.write(line + "\n")
        data = answer.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        pass  # a client killed mid-request (the crash tests) is no error of the sink


server = Server(("127.0.0.1", args.port), Handler)


def stop(*_):
    threading.Thread(target=server.shutdown, daemon=True).start()


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
if args.port_file:
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, args.port_file)
server.serve_forever(poll_interval=0.1)
if args.count_file:
    with open(args.count_file, "w") as f:
        f.write(str(count))
sys.exit(0)
