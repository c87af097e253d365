"""A real SMTP server for breachd's tests (aiosmtpd, Debian's python3-aiosmtpd).

Accepts every message and appends it as one JSON line to --out, except:
  - a recipient whose local part starts with "reject" gets 550 at RCPT;
  - a recipient whose local part starts with "defer" gets 451 at RCPT
    (temporarily), for the first --defer-times attempts.
--rate-limit N answers N RCPT commands (whoever they are for), after the
first --rate-limit-after K, with Google's "421 4.7.28 ... unusual rate"
reply, as a relay that rate-limits a burst does; --rate-log FILE appends
each such address.
Prints "READY <port>" once listening. Optional --delay-ms slows each DATA;
--pipelining advertises PIPELINING (RFC 2920) in the EHLO reply (aiosmtpd
reads commands in order from its stream, so it serves pipelined groups).
A stall never answers a message's closing dot (and records nothing):
--stall-first K stalls the first K messages; --stall-every N stalls every
Nth message whose address has not stalled before (so its retry goes
through); --stall-log FILE appends each stalled address as a line;
--stall-ms MS answers a stall after MS milliseconds instead, accepting the
message (a slow server rather than a dead one).
"""

import argparse
import asyncio
import email
import email.policy
import json
import sys
import threading
import time

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, out, defer_times, delay_ms, pipelining, stall_first=0, stall_every=0, stall_log=None, stall_ms=0,
                 rate_limit=0, rate_limit_after=0, rate_log=None):
        self.stall_ms = stall_ms
        self.rate_limit_left = rate_limit
        self.rate_limit_after = rate_limit_after
        self.rcpts_seen = 0
        self.rate_log = rate_log
        self.stall_first = stall_first
        self.stall_every = stall_every
        self.stall_log = stall_log
        self.messages_seen = 0
        self.stalled = set()
        self.pipelining = pipelining
        self.out = out
        self.lock = threading.Lock()
        self.defer_times = defer_times
        self.deferred = {}
        self.delay = delay_ms / 1000.0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        with self.lock:
            self.rcpts_seen += 1
            limited = self.rate_limit_left > 0 and self.rcpts_seen > self.rate_limit_after
            if limited:
                self.rate_limit_left -= 1
                if self.rate_log:
                    with open(self.rate_log, "a", encoding="utf8") as f:
                        f.write(address + "\n")
                        f.flush()
        if limited:
            return ("421 4.7.28 [127.0.0.1] Our system has detected an unusual rate of "
                    "unsolicited mail originating from your IP address. Try again later.")
        if local.startswith("reject"):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if local.startswith("defer"):
            seen = self.deferred.get(address, 0)
            if seen < self.defer_times:
                self.deferred[address] = seen + 1
                return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def should_stall(self, envelope):
        with self.lock:
            self.messages_seen += 1
            address = ",".join(envelope.rcpt_tos)
            if self.messages_seen <= self.stall_first:
                stall = True
            elif self.stall_every and self.messages_seen % self.stall_every == 0:
                stall = address not in self.stalled
            else:
                stall = False
            if stall:
                self.stalled.add(address)
                if self.stall_log:
                    with open(self.stall_log, "a", encoding="utf8") as f:
                        f.write(address + "\n")
                        f.flush()
            return stall

    async def handle_DATA(self, server, session, envelope):
        if self.should_stall(envelope):
            if not self.stall_ms:
                await asyncio.sleep(3600)
                return "451 4.3.0 stalled"
            await asyncio.sleep(self.stall_ms / 1000.0)
        if self.delay:
            await asyncio.sleep(self.delay)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        part = parsed.get_body(("plain",))
        record = {
            "at": time.time(),
            # The client's address and port: one per SMTP connection.
            "session": "%s:%s" % tuple(session.peer[:2]),
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.content.decode("utf8", errors="replace"),
            "subject": str(parsed.get("Subject", "")),
            "body": part.get_content() if part is not None else "",
        }
        with self.lock:
            with open(self.out, "a", encoding="utf8") as f:
                f.write(json.dumps(record) + "\n")
                f.flush()
        return "250 2.0.0 OK queued"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--defer-times", type=int, default=1000000)
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--pipelining", action="store_true")
    parser.add_argument("--stall-first", type=int, default=0)
    parser.add_argument("--stall-every", type=int, default=0)
    parser.add_argument("--stall-log")
    parser.add_argument("--stall-ms", type=int, default=0)
    parser.add_argument("--rate-limit", type=int, default=0)
    parser.add_argument("--rate-limit-after", type=int, default=0)
    parser.add_argument("--rate-log")
    args = parser.parse_args()
    controller = Controller(
        Handler(args.out, args.defer_times, args.delay_ms, args.pipelining,
                args.stall_first, args.stall_every, args.stall_log, args.stall_ms,
                args.rate_limit, args.rate_limit_after, args.rate_log),
        hostname="127.0.0.1",
        port=args.port,
        server_kwargs={"data_size_limit": 10 * 1024 * 1024},
    )
    controller.start()
    print("READY %d" % args.port, flush=True)
    try:
        sys.stdin.read()  # until the test closes our stdin (or dies)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
