#!/usr/bin/env python3
"""A local SMTP server for the private stacks (aiosmtpd): every message it accepts is written to
<dir>/<n>.eml, so that developers and the end-to-end tests can read what shortlink sent.

    python3 scripts/lib/mailsink.py <host> <port> <dir>
"""
import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class SaveToDirectory:
    def __init__(self, directory):
        self.directory = directory
        self.lock = threading.Lock()
        os.makedirs(directory, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            n = len([f for f in os.listdir(self.directory) if f.endswith(".eml")]) + 1
            path = os.path.join(self.directory, f"{n:06d}.eml")
            tmp = path + ".tmp"
            with open(tmp, "wb") as f:
                f.write(f"X-Envelope-From: {envelope.mail_from}\r\n".encode())
                f.write(f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n".encode())
                f.write(envelope.original_content or envelope.content)
            os.rename(tmp, path)  # readers never see half a message
        return "250 Message accepted for delivery"


def main():
    host, port, directory = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    controller = Controller(SaveToDirectory(directory), hostname=host, port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
