"""shortlinkd as systemd runs it: socket activation (LISTEN_FDS), sd_notify, and a bad config at start-up.
Talks FastCGI to the daemon directly, without nginx."""
import os
import signal
import socket
import struct
import subprocess
import tempfile
import time

import pytest

from conftest import STACK_DIR, wait_for

BIN = os.environ["SL_BIN"]


def fastcgi_get(sock_path, path):
    """One FastCGI responder request; returns the raw CGI response (headers and body)."""
    def record(type_, content, request_id=1):
        return struct.pack("!BBHHBB", 1, type_, request_id, len(content), 0, 0) + content

    def pair(k, v):
        k, v = k.encode(), v.encode()
        return bytes([len(k)]) + bytes([len(v)]) + k + v if len(v) < 128 else None

    params = b"".join(pair(k, v) for k, v in [("REQUEST_METHOD", "GET"), ("DOCUMENT_URI", path),
                                               ("REMOTE_ADDR", "127.0.0.1"), ("HTTP_ACCEPT", "application/json")])
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(sock_path)
    s.sendall(record(1, struct.pack("!HB5x", 1, 0)) + record(4, params) + record(4, b"") + record(5, b""))
    out, data = b"", b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    while len(data) >= 8:
        _, type_, _, length, padding, _ = struct.unpack("!BBHHBB", data[:8])
        if type_ == 6:
            out += data[8:8 + length]
        data = data[8 + length + padding:]
    return out.decode()


def test_socket_activation_and_sd_notify():
    tmp = tempfile.mkdtemp(prefix="sl-activation-")
    sock_path = os.path.join(tmp, "activated.sock")
    notify_path = os.path.join(tmp, "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(10)
    env = dict(os.environ, SHORTLINK_CONFIG=os.path.join(STACK_DIR, "shortlink.conf"), SHORTLINK_WORKERS="2",
               SHORTLINK_SOCKET=os.path.join(tmp, "unused.sock"), NOTIFY_SOCKET=notify_path)
    # systemd-socket-activate binds the socket and execs the daemon with LISTEN_FDS=1 and LISTEN_PID.
    passed = [arg for name in ("SHORTLINK_CONFIG", "SHORTLINK_WORKERS", "SHORTLINK_SOCKET", "NOTIFY_SOCKET")
              for arg in ("-E", name)]
    proc = subprocess.Popen(["systemd-socket-activate", *passed, "-l", sock_path, os.path.join(BIN, "shortlinkd")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert wait_for(lambda: os.path.exists(sock_path), timeout=10)
        response = fastcgi_get(sock_path, "/surelyNoSuchCode")
        assert response.startswith("Status: 404"), response
        assert "application/problem+json" in response
        messages = []
        while not any("READY=1" in m for m in messages):
            messages.append(notify.recv(4096).decode())
        assert not os.path.exists(os.path.join(tmp, "unused.sock"))  # the inherited socket was used
        proc.send_signal(signal.SIGTERM)
        while not any("STOPPING=1" in m for m in messages):
            messages.append(notify.recv(4096).decode())
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        notify.close()


def test_bad_config_stops_start_up_with_one_line_naming_the_key():
    env = dict(os.environ, SHORTLINK_CONFIG=os.path.join(STACK_DIR, "shortlink.conf"), SHORTLINK_WORKERS="many")
    r = subprocess.run([os.path.join(BIN, "shortlinkd")], env=env, capture_output=True, text=True, timeout=10)
    assert r.returncode == 78
    assert "SHORTLINK_WORKERS" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("env, key", [
    ({"SHORTLINK_SECRET_KEY_FILE": "", "SHORTLINK_SECRET_KEY": ""}, "SHORTLINK_SECRET_KEY_FILE"),
    ({"SHORTLINK_SECRET_KEY_FILE": "", "SHORTLINK_SECRET_KEY": "too-short"}, "SHORTLINK_SECRET_KEY:"),
    ({"SHORTLINK_SECRET_KEY_FILE": "/nonexistent/secret"}, "SHORTLINK_SECRET_KEY_FILE"),
    ({"SHORTLINK_SMTP_URL": "http://mail.example.com"}, "SHORTLINK_SMTP_URL"),
    ({"SHORTLINK_MAIL_FROM": "not an address"}, "SHORTLINK_MAIL_FROM"),
])
def test_missing_or_bad_secret_and_mail_settings_stop_start_up(env, key):
    env = dict(os.environ, SHORTLINK_CONFIG=os.path.join(STACK_DIR, "shortlink.conf"), **env)
    r = subprocess.run([os.path.join(BIN, "shortlinkd")], env=env, capture_output=True, text=True, timeout=10)
    assert r.returncode == 78, r.stderr
    assert key in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_unknown_key_in_the_config_file_is_refused():
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
        f.write("SHORTLINK_WORKERS=2\nSHORTLINK_WROKERS=3\n")
    r = subprocess.run([os.path.join(BIN, "shortlinkd")], env=dict(os.environ, SHORTLINK_CONFIG=f.name),
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 78
    assert "SHORTLINK_WROKERS" in r.stderr
