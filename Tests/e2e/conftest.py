"""End-to-end tests: a real nginx in front of the real shortlinkd pool, MariaDB and memcached, all started
by scripts/test. Standard library only: http.client against loopback."""
import http.client
import json
import os
import signal
import ssl
import subprocess
import threading
import time
import urllib.parse

import pytest

HTTP = os.environ["SL_HTTP"]
HTTPS = os.environ["SL_HTTPS"]
STACK_DIR = os.environ["SL_STACK_DIR"]
STACKCTL = os.environ["SL_STACKCTL"]
_TLS = ssl.create_default_context()
_TLS.check_hostname = False
_TLS.verify_mode = ssl.CERT_NONE


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.status} {self.headers.get('content-type')} {self.body[:200]!r}>"


def request(method, url, headers=None, body=None, timeout=10, source=None):
    """One request, never following redirects; `source` picks the client address (another 127.x.y.z)."""
    u = urllib.parse.urlsplit(url)
    source_address = (source, 0) if source else None
    if u.scheme == "https":
        conn = http.client.HTTPSConnection(u.hostname, u.port, timeout=timeout, context=_TLS, source_address=source_address)
    else:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout, source_address=source_address)
    try:
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            headers = {"Content-Type": "application/json", **(headers or {})}
        path = u.path + (("?" + u.query) if u.query else "")
        conn.request(method, path or "/", body=body, headers=headers or {})
        r = conn.getresponse()
        return Response(r.status, r.getheaders(), r.read())
    finally:
        conn.close()


def admin_key():
    with open(os.path.join(STACK_DIR, "admin-api-key")) as f:
        return f.read().strip()


class API:
    """The JSON API over HTTPS with a key."""

    def __init__(self, key):
        self.key = key

    def auth(self, extra=None):
        return {"Authorization": f"Bearer {self.key}", **(extra or {})}

    def create(self, **fields):
        return request("POST", f"{HTTPS}/api/urls", self.auth(), fields)

    def get(self, alias):
        return request("GET", f"{HTTPS}/api/v1/urls/{alias}", self.auth())

    def patch(self, alias, **fields):
        return request("PATCH", f"{HTTPS}/api/v1/urls/{alias}", self.auth(), fields)

    def delete(self, alias):
        return request("DELETE", f"{HTTPS}/api/v1/urls/{alias}", self.auth())


@pytest.fixture(scope="session")
def api():
    return API(admin_key())


def ctl(*args):
    """Runs shortlinkctl against the test stack; returns its output."""
    env = dict(os.environ, SHORTLINK_CONFIG=os.path.join(STACK_DIR, "shortlink.conf"))
    return subprocess.run([os.path.join(os.environ["SL_BIN"], "shortlinkctl"), *args], env=env,
                          capture_output=True, text=True, check=True).stdout.strip()


def stackctl(command):
    subprocess.run([STACKCTL, STACK_DIR, command], check=True, capture_output=True)


def sql(query):
    """Runs SQL as the MariaDB root user over the private socket; returns rows of strings."""
    out = subprocess.run(["mariadb", f"--socket={STACK_DIR}/mariadb.sock", "-uroot", "-N", "-B", "shortlink", "-e", query],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def link_count():
    return int(sql("SELECT COUNT(*) FROM links")[0][0])


def master_pid():
    with open(os.path.join(STACK_DIR, "shortlinkd.pid")) as f:
        return int(f.read().strip())


def worker_pids():
    out = subprocess.run(["pgrep", "-P", str(master_pid())], capture_output=True, text=True).stdout
    return sorted(int(p) for p in out.split())


def wait_for(predicate, timeout=10.0, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def log_text():
    with open(os.path.join(STACK_DIR, "shortlinkd.log")) as f:
        return f.read()


class Load:
    """Background GETs on short links over keep-alive connections; counts answers that are not `expect`."""

    def __init__(self, url, expect=302, threads=6):
        self.url = url
        self.expect = expect
        self.threads = threads
        self.ok = 0
        self.failures = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self):
        u = urllib.parse.urlsplit(self.url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        while not self._stop.is_set():
            try:
                conn.request("GET", u.path)
                r = conn.getresponse()
                r.read()
                with self._lock:
                    if r.status == self.expect:
                        self.ok += 1
                    else:
                        self.failures.append(r.status)
            except Exception as e:  # a dropped connection counts as a failure too
                with self._lock:
                    self.failures.append(repr(e))
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        conn.close()

    def __enter__(self):
        for t in self._workers:
            t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for t in self._workers:
            t.join(timeout=15)
