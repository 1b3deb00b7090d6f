"""A real SMTP server for tests and benchmarks: aiosmtpd in a thread, keeping what it accepted."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.sink.rcpt_attempts += 1
        if self.sink.refuse:
            # What the buyer's server says: "550 5.1.1 No such user" (for good), "451 4.7.1 Try later".
            return self.sink.refuse
        if self.sink.hold.is_set():
            # Keep the client waiting in the middle of the conversation, so a
            # test can kill the sender while nothing has been accepted yet.
            self.sink.held.set()
            while self.sink.hold.is_set():
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.sink.lock:
            self.sink.messages.append(message)
            self.sink.recipients.append(list(envelope.rcpt_tos))
            self.sink.accepted_at.append(time.time())
            self.sink.peers.append(session.peer)
        if self.sink.on_accept is not None:
            # Runs after the message is kept and before the client hears "250": a fault injected
            # here falls between the server's accept and the sender's record of it.
            self.sink.on_accept(message)
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.messages: list = []
        self.recipients: list[list[str]] = []  # the envelope's RCPT TO per message: who really gets it
        self.accepted_at: list[float] = []
        self.peers: list = []  # the client's (address, port) per message: one port, one connection
        self.lock = threading.Lock()
        self.hold = threading.Event()
        self.held = threading.Event()
        self.refuse: str | None = None  # an SMTP reply to every RCPT TO instead of "250 OK"
        self.rcpt_attempts = 0
        self.on_accept = None
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.hold.clear()
        self.controller.stop()

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def wait_for(self, count: int, timeout: float = 30) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count() >= count:
                return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} e-mails within {timeout}s, the sink has {self.count()}")
