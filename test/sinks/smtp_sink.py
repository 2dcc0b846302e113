#!/usr/bin/python3
"""A local SMTP sink (Debian's python3-aiosmtpd) for journey-sender's smtp channel (tests, demo).

Listens on 127.0.0.1 (a free port unless --port), writes the port to --port-file once it accepts
connections, and records every message as a JSON line in --log: {"mail_from", "rcpt_tos", "headers",
"subject", "body"} (the body decoded). --reject SUBSTR answers 550 to recipients containing SUBSTR.
Stops on SIGTERM.
"""
import argparse
import email
import email.policy
import json
import os
import signal
import socket
import threading

from aiosmtpd.controller import Controller

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--port-file")
parser.add_argument("--log", required=True)
parser.add_argument("--reject")
args = parser.parse_args()

lock = threading.Lock()
log = open(args.log, "a", buffering=1)


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if args.reject and args.reject in address:
            return "550 5.1.1 mailbox unavailable: " + address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        body = msg.get_body(("plain",))
        line = json.dumps({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                           "headers": {k.lower(): str(v) for k, v in msg.items()},
                           "subject": str(msg["subject"] or ""),
                           "body": body.get_content() if body is not None else ""})
        with lock:
            log.write(line + "\n")
        return "250 Message accepted for delivery"


port = args.port
if port == 0:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
controller = Controller(Handler(), hostname="127.0.0.1", port=port)
controller.start()
if args.port_file:
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, args.port_file)
done = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: done.set())
signal.signal(signal.SIGINT, lambda *_: done.set())
while not done.wait(0.2):
    pass
controller.stop()
