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


# A browser's User-Agent on every request that names none: a request without one is a program, which the
# ingester counts as a bot. A test that means to send none passes {"User-Agent": None}.
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def request(method, url, headers=None, body=None, timeout=10, source=None):
    """One request, never following redirects; `source` picks the client address (another 127.x.y.z)."""
    headers = dict(headers or {})
    if not any(k.lower() == "user-agent" for k in headers):
        headers["User-Agent"] = BROWSER_UA
    headers = {k: v for k, v in headers.items() if v is not None}
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

    def __init__(self, key, source=None):
        self.key = key
        self.source = source  # the client address to send from (None: 127.0.0.1)

    def auth(self, extra=None):
        return {"Authorization": f"Bearer {self.key}", **(extra or {})}

    def call(self, method, path, body=None):
        return request(method, f"{HTTPS}{path}", self.auth(), body, source=self.source)

    def create(self, **fields):
        return self.call("POST", "/api/urls", fields)

    def get(self, alias):
        return self.call("GET", f"/api/v1/urls/{alias}")

    def patch(self, alias, **fields):
        return self.call("PATCH", f"/api/v1/urls/{alias}", fields)

    def delete(self, alias):
        return self.call("DELETE", f"/api/v1/urls/{alias}")


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
                conn.request("GET", u.path, headers={"User-Agent": BROWSER_UA})
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


# ---- accounts, sessions and mail -----------------------------------------------------------------------
import base64
import email
import email.policy
import glob
import hashlib
import hmac
import itertools
import re
import struct

MAIL_DIR = os.path.join(STACK_DIR, "mail")
PASSWORD = "correct horse battery staple"
_sources = itertools.count(1)


def fresh_source():
    """A client address no other test uses (127.77.x.y), so that per-address limits start from zero."""
    n = next(_sources)
    return f"127.77.{n // 250}.{n % 250 + 1}"


def unique_email(prefix="user"):
    return f"{prefix}-{os.getpid()}-{time.time_ns()}@example.com"


def mails_to(address):
    """Every message the SMTP sink accepted for `address`, oldest first."""
    out = []
    for path in sorted(glob.glob(os.path.join(MAIL_DIR, "*.eml"))):
        with open(path, "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        if address in msg.get("X-Envelope-To", ""):
            out.append(msg)
    return out


def wait_mail(address, subject_part, count=1, timeout=15):
    """Waits until `count` messages whose subject contains `subject_part` reached `address`; returns the last."""
    found = []
    def arrived():
        found[:] = [m for m in mails_to(address) if subject_part in m["Subject"]]
        return len(found) >= count
    assert wait_for(arrived, timeout=timeout), f"no mail '{subject_part}' for {address}; got {[m['Subject'] for m in mails_to(address)]}"
    return found[-1]


def mail_token(msg):
    return re.search(r"Token: (\S+)", msg.get_content()).group(1)


def register(email_address, password=PASSWORD, name="", source=None):
    return request("POST", f"{HTTPS}/api/auth/register", body={"email": email_address, "password": password, "name": name},
                   source=source or fresh_source())


def login(email_address, password=PASSWORD, source=None):
    return request("POST", f"{HTTPS}/api/auth/login", body={"email": email_address, "password": password},
                   source=source or fresh_source())


def new_user(prefix="user", verify=True):
    """Registers a user (verifying the address through the mailed token); returns (email, password)."""
    address = unique_email(prefix)
    r = register(address)
    assert r.status == 202, r
    if verify:
        token = mail_token(wait_mail(address, "Confirm your email"))
        r = request("POST", f"{HTTPS}/api/auth/verify-email", body={"token": token}, source=fresh_source())
        assert r.status == 204, r
    return address, PASSWORD


class Session(API):
    """The API with a signed-in session's access token."""

    def __init__(self, tokens):
        super().__init__(tokens["accessToken"])
        self.refresh_token = tokens["refreshToken"]

    def me(self):
        return request("GET", f"{HTTPS}/api/me", self.auth())


def signed_in(email_address, password=PASSWORD):
    r = login(email_address, password)
    assert r.status == 200, r
    return Session(r.json())


def totp(secret_b32, at=None, step_offset=0):
    """RFC 6238 TOTP (SHA-1, 6 digits, 30 s), as an authenticator app computes it."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((at if at is not None else time.time()) // 30) + step_offset
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token_signing_key():
    """The stack's access-token key, derived from its server secret as shortlinkd does (libsodium crypto_kdf:
    BLAKE2b keyed with SHA-256 of the secret, subkey id 1, context 'shortlnk')."""
    with open(os.path.join(STACK_DIR, "secret-key"), "rb") as f:
        master = hashlib.sha256(f.read().strip()).digest()
    return hashlib.blake2b(b"", digest_size=32, key=master, salt=struct.pack("<Q", 1) + b"\0" * 8,
                           person=b"shortlnk" + b"\0" * 8).digest()


def forge_jwt(claims, key, alg="HS256"):
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = b64url(hmac.new(key, signing_input, hashlib.sha256).digest()) if alg == "HS256" else ""
    return f"{header}.{payload}.{signature}"


def jwt_claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def grant_plan(session, plan):
    """Puts the session's user on `plan` (an administrator's grant through the admin API)."""
    user_id = session.me().json()["id"]
    r = request("PATCH", f"{HTTPS}/api/admin/users/{user_id}", API(admin_key()).auth(), {"plan": plan})
    assert r.status == 200, r
    return user_id


def invite_and_join(admin_session, team_id, member_email, role):
    """Invites `member_email` to the team and accepts with the mailed token; returns the member's session."""
    r = admin_session.call("POST", f"/api/teams/{team_id}/invitations", {"email": member_email, "role": role})
    assert r.status == 201, r
    msg = wait_mail(member_email, "You are invited to the team")
    member = signed_in(member_email)
    r = member.call("POST", "/api/invitations/accept", {"token": mail_token(msg)})
    assert r.status == 200 and r.json()["role"] == role, r
    return member


@pytest.fixture(scope="module")
def team():
    """A team on the business plan: its owner, an admin, an editor and a viewer, plus an outsider."""
    owner_email, _ = new_user("owner")
    owner = signed_in(owner_email)
    grant_plan(owner, "business")
    r = owner.call("POST", "/api/teams", {"name": "Campaigns"})
    assert r.status == 201, r
    team_id = r.json()["id"]
    people = {"owner": owner}
    for role in ("admin", "editor", "viewer"):
        email_address, _ = new_user(role)
        people[role] = invite_and_join(owner, team_id, email_address, role)
    people["other"] = signed_in(new_user("outsider")[0])
    people["ids"] = {name: people[name].me().json()["id"] for name in ("owner", "admin", "editor", "viewer", "other")}
    people["team"] = team_id
    return people


def set_password(email_address, password=PASSWORD):
    """Gives a user made by shortlinkctl (no password) one, as an operator would."""
    env = dict(os.environ, SHORTLINK_CONFIG=os.path.join(STACK_DIR, "shortlink.conf"))
    subprocess.run([os.path.join(os.environ["SL_BIN"], "shortlinkctl"), "set-password", "--email", email_address],
                   input=password + "\n", env=env, capture_output=True, text=True, check=True)


def settle_after_memcached_restart(seconds=2.5):
    """After memcached restarts, each worker's first call on its old connection fails and libmemcached waits
    1 s before retrying it. Concurrent requests for a while reach every worker, so none is left to meet the
    restart in a later test."""
    stop = time.time() + seconds
    def hammer():
        while time.time() < stop:
            request("GET", f"{HTTPS}/api/health", source=fresh_source())
    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wait_for(lambda: all(request("GET", f"{HTTPS}/api/health").json()["cache"] == "up" for _ in range(10)),
                    timeout=10, interval=0.25)
