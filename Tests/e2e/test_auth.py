"""Accounts and sessions through nginx: registration with a mailed verification, login, refresh-token rotation
and reuse detection, logout, token tampering, brute-force throttling, password reset and change."""
import os
import re
import subprocess
import time

from conftest import (HTTPS, PASSWORD, Session, fresh_source, forge_jwt, jwt_claims, login, mail_token, mails_to, new_user,
                      register, request, set_password, signed_in, sql, stackctl, token_signing_key, unique_email, wait_for,
                      wait_mail, ctl, STACK_DIR)


def user_count():
    return int(sql("SELECT COUNT(*) FROM users")[0][0])


def test_register_mails_a_verification_link_and_verify_marks_the_address():
    address = unique_email("reg")
    r = register(address, name="Ann")
    assert r.status == 202, r
    msg = wait_mail(address, "Confirm your email")
    assert msg["From"] == "shortlink <shortlink@localhost>"
    token = mail_token(msg)
    assert f"/verify-email?token={token}" in msg.get_content()

    session = signed_in(address)
    me = session.me().json()
    assert me["email"] == address and me["name"] == "Ann" and me["emailVerified"] is False
    assert me["authenticatedWith"] == "session" and me["twoFactorEnabled"] is False

    assert request("POST", f"{HTTPS}/api/auth/verify-email", body={"token": token}).status == 204
    assert session.me().json()["emailVerified"] is True
    again = request("POST", f"{HTTPS}/api/auth/verify-email", body={"token": token})
    assert again.status == 400 and again.json()["type"] == "/problems/invalid-token"
    # The token is stored hashed only.
    assert sql(f"SELECT COUNT(*) FROM one_time_tokens WHERE token_hash = UNHEX(SHA2('{token}', 256))")[0][0] == "1"
    assert sql("SELECT COUNT(*) FROM one_time_tokens WHERE token_hash = '" + token + "'")[0][0] == "0"
    # Sent mail keeps no body (it held the token).
    assert sql(f"SELECT COUNT(*) FROM mail_outbox WHERE recipient = '{address}' AND sent_at IS NOT NULL AND body = ''")[0][0] == "1"


def test_registering_a_taken_address_answers_the_same_and_creates_nothing():
    address, _ = new_user("taken")
    before = user_count()
    r = register(address, password="another strong passphrase")
    assert r.status == 202 and r.json() == register(unique_email("fresh")).json()
    assert user_count() == before + 1  # only the fresh one
    wait_mail(address, "tried to sign up")


def test_registration_rejects_bad_input_and_changes_nothing():
    before = user_count()
    for body, field in [({"email": "not-an-email", "password": PASSWORD}, "email"),
                        ({"email": unique_email(), "password": "short"}, "password"),
                        ({"email": unique_email(), "password": "password123"}, "password"),
                        ({"password": PASSWORD}, "email")]:
        r = request("POST", f"{HTTPS}/api/auth/register", body=body, source=fresh_source())
        assert r.status == 422, (body, r)
        assert field in [e["field"] for e in r.json()["errors"]]
    r = request("POST", f"{HTTPS}/api/auth/register", {"Content-Type": "application/json"}, "{nope", source=fresh_source())
    assert r.status == 400
    assert user_count() == before


def test_login_does_not_reveal_whether_the_email_exists():
    address, _ = new_user("reveal")
    wrong = login(address, "wrong password entirely")
    unknown = login(unique_email("nobody"), "wrong password entirely")
    assert wrong.status == unknown.status == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["type"] == "/problems/invalid-login"


def test_access_token_works_on_the_api_and_carries_the_session():
    address, _ = new_user("jwt")
    r = login(address)
    assert r.status == 200
    body = r.json()
    assert body["tokenType"] == "Bearer" and body["expiresIn"] == 900 and body["refreshToken"].startswith("slr_")
    claims = jwt_claims(body["accessToken"])
    assert claims["iss"] == "shortlink" and claims["exp"] - claims["iat"] == 900 and "sid" in claims
    session = Session(body)
    created = session.create(longUrl="https://example.com/from-a-session")
    assert created.status == 201, created
    assert session.get(created.json()["alias"]).status == 200


def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_session():
    address, _ = new_user("rotate")
    first = login(address).json()
    r = request("POST", f"{HTTPS}/api/auth/refresh", body={"refreshToken": first["refreshToken"]})
    assert r.status == 200, r
    second = r.json()
    assert second["refreshToken"] != first["refreshToken"] and second["accessToken"] != first["accessToken"]
    assert Session(second).me().status == 200

    reused = request("POST", f"{HTTPS}/api/auth/refresh", body={"refreshToken": first["refreshToken"]})
    assert reused.status == 401 and reused.json()["type"] == "/problems/refresh-token-reused"
    # The whole family is gone: the successor refresh token and the access tokens of the session.
    successor = request("POST", f"{HTTPS}/api/auth/refresh", body={"refreshToken": second["refreshToken"]})
    assert successor.status == 401 and successor.json()["type"] == "/problems/invalid-token"
    assert Session(second).me().status == 401
    assert Session(first).me().status == 401
    # Other sessions of the same user are untouched.
    assert signed_in(address).me().status == 200


def test_logout_ends_the_session_at_once():
    address, _ = new_user("logout")
    tokens = login(address).json()
    session = Session(tokens)
    assert session.me().status == 200
    assert request("POST", f"{HTTPS}/api/auth/logout", body={"refreshToken": tokens["refreshToken"]}).status == 204
    assert session.me().status == 401
    assert request("POST", f"{HTTPS}/api/auth/refresh", body={"refreshToken": tokens["refreshToken"]}).status == 401
    # Logout with the access token alone ends that session too.
    other = signed_in(address)
    assert request("POST", f"{HTTPS}/api/auth/logout", other.auth()).status == 204
    assert other.me().status == 401


def test_tampered_forged_expired_and_unsigned_tokens_are_refused():
    address, _ = new_user("tamper")
    tokens = login(address).json()
    claims = jwt_claims(tokens["accessToken"])
    key = token_signing_key()
    # The test derives the real key: a well-signed token is accepted, which proves the refusals below are
    # about the claims and algorithm, not about a wrong key.
    assert Session({"accessToken": forge_jwt(claims, key), "refreshToken": ""}).me().status == 200
    now = int(time.time())
    cases = {
        "alg none": forge_jwt(claims, key, alg="none"),
        "wrong key": forge_jwt(claims, b"k" * 32),
        "expired": forge_jwt({**claims, "exp": now - 5, "iat": now - 905, "nbf": now - 906}, key),
        "not yet valid": forge_jwt({**claims, "nbf": now + 600, "exp": now + 1500}, key),
        "other audience": forge_jwt({**claims, "aud": ["someone-else"]}, key),
        "unknown session": forge_jwt({**claims, "sid": "00000000-0000-4000-8000-000000000000"}, key),
        "other user in the payload": tokens["accessToken"].split(".")[0] + "."
            + forge_jwt({**claims, "sub": "00000000-0000-4000-8000-000000000000"}, key).split(".")[1] + "."
            + tokens["accessToken"].split(".")[2],
        "garbage": "eyJhbGciOiJIUzI1NiJ9.e30.AAAA",
    }
    for name, token in cases.items():
        r = request("GET", f"{HTTPS}/api/me", {"Authorization": f"Bearer {token}"}, source=fresh_source())
        assert r.status == 401, (name, r)
        assert r.json()["type"] == "/problems/invalid-credentials", name


def test_failed_logins_are_throttled_per_account_across_workers():
    address, _ = new_user("brute")
    for _ in range(5):
        assert login(address, "not the password at all").status == 401
    r = login(address)  # even the right password: the account is locked for the window
    assert r.status == 429 and r.json()["type"] == "/problems/login-throttled"
    assert int(r.headers["retry-after"]) > 0


def test_failed_logins_are_throttled_per_address():
    source = fresh_source()
    for _ in range(30):
        assert login(unique_email("spray"), "wrong password entirely", source=source).status == 401
    address, _ = new_user("victim")
    r = login(address, source=source)
    assert r.status == 429
    assert login(address).status == 200  # from another address the account still works


def test_password_reset_by_mailed_token_ends_every_session():
    address, _ = new_user("reset")
    session = signed_in(address)
    r = request("POST", f"{HTTPS}/api/auth/password-reset/request", body={"email": address}, source=fresh_source())
    assert r.status == 202
    token = mail_token(wait_mail(address, "Reset your shortlink password"))

    weak = request("POST", f"{HTTPS}/api/auth/password-reset", body={"token": token, "newPassword": "short"})
    assert weak.status == 422 and weak.json()["errors"][0]["field"] == "newPassword"
    new_password = "a brand new passphrase 42"
    assert request("POST", f"{HTTPS}/api/auth/password-reset", body={"token": token, "newPassword": new_password}).status == 204
    assert session.me().status == 401
    assert login(address).status == 401
    assert login(address, new_password).status == 200
    again = request("POST", f"{HTTPS}/api/auth/password-reset", body={"token": token, "newPassword": "yet another passphrase"})
    assert again.status == 400


def test_password_reset_for_an_unknown_address_answers_the_same_and_sends_nothing():
    address = unique_email("ghost")
    known, _ = new_user("known")
    a = request("POST", f"{HTTPS}/api/auth/password-reset/request", body={"email": address}, source=fresh_source())
    b = request("POST", f"{HTTPS}/api/auth/password-reset/request", body={"email": known}, source=fresh_source())
    assert a.status == b.status == 202 and a.json() == b.json()
    wait_mail(known, "Reset your shortlink password")
    assert mails_to(address) == []


def test_password_change_needs_a_session_and_the_current_password():
    address, _ = new_user("change")
    session = signed_in(address)
    other = signed_in(address)
    new_password = "changed passphrase 2026"
    wrong = request("POST", f"{HTTPS}/api/me/password", session.auth(),
                    {"currentPassword": "not it at all", "newPassword": new_password})
    assert wrong.status == 403 and wrong.json()["type"] == "/problems/wrong-password"
    ok = request("POST", f"{HTTPS}/api/me/password", session.auth(), {"currentPassword": PASSWORD, "newPassword": new_password})
    assert ok.status == 204
    assert session.me().status == 200  # this session stays
    assert other.me().status == 401  # the others end
    assert login(address, new_password).status == 200
    assert "user.password_change" in [r[0] for r in sql("SELECT action FROM audit_log ORDER BY id DESC LIMIT 5")]


def test_api_keys_cannot_change_account_settings(api):
    r = request("POST", f"{HTTPS}/api/me/password", api.auth(), {"currentPassword": "x", "newPassword": "y"})
    assert r.status == 403 and r.json()["type"] == "/problems/session-required"
    me = request("GET", f"{HTTPS}/api/me", api.auth())
    assert me.status == 200 and me.json()["authenticatedWith"] == "api_key" and me.json()["role"] == "admin"


def test_profile_change_of_email_needs_the_password_and_a_new_verification():
    address, _ = new_user("profile")
    session = signed_in(address)
    r = request("PATCH", f"{HTTPS}/api/me", session.auth(), {"name": "Renamed"})
    assert r.status == 200 and r.json()["name"] == "Renamed"
    new_address = unique_email("moved")
    r = request("PATCH", f"{HTTPS}/api/me", session.auth(), {"email": new_address})
    assert r.status == 403
    r = request("PATCH", f"{HTTPS}/api/me", session.auth(), {"email": new_address, "currentPassword": PASSWORD})
    assert r.status == 200 and r.json()["email"] == new_address and r.json()["emailVerified"] is False
    token = mail_token(wait_mail(new_address, "Confirm your email"))
    assert request("POST", f"{HTTPS}/api/auth/verify-email", body={"token": token}).status == 204
    assert session.me().json()["emailVerified"] is True
    taken, _ = new_user("other")
    r = request("PATCH", f"{HTTPS}/api/me", session.auth(), {"email": taken, "currentPassword": PASSWORD})
    assert r.status == 422 and r.json()["errors"][0]["code"] == "email.taken"


def test_mail_waits_in_the_outbox_while_the_smtp_server_is_down():
    address, _ = new_user("outbox")
    stackctl("stop-mailsink")
    try:
        r = request("POST", f"{HTTPS}/api/auth/password-reset/request", body={"email": address}, source=fresh_source())
        assert r.status == 202
        rows = sql(f"SELECT attempts, sent_at IS NULL, last_error IS NOT NULL FROM mail_outbox WHERE recipient = '{address}' ORDER BY id DESC LIMIT 1")
        assert rows == [["1", "1", "1"]]
    finally:
        stackctl("start-mailsink")
    sql(f"UPDATE mail_outbox SET next_attempt_at = UTC_TIMESTAMP(3) WHERE recipient = '{address}' AND sent_at IS NULL")
    assert re.search(r"mail sent: [1-9]", ctl("send-mail"))
    wait_mail(address, "Reset your shortlink password")


def test_concurrent_use_of_one_refresh_token_rotates_once():
    import threading
    address, _ = new_user("race")
    token = login(address).json()["refreshToken"]
    results = []
    def refresh():
        results.append(request("POST", f"{HTTPS}/api/auth/refresh", body={"refreshToken": token}, source=fresh_source()).status)
    threads = [threading.Thread(target=refresh) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 401, 401, 401, 401, 401], results
    assert sql(f"SELECT COUNT(*) FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id "
               f"WHERE u.email = '{address}'")[0][0] == "2"


def test_with_memcached_down_login_still_works_and_the_gap_is_logged():
    from conftest import log_text, settle_after_memcached_restart
    address, _ = new_user("mcdown")
    stackctl("stop-memcached")
    try:
        assert wait_for(lambda: login(address).status == 200, timeout=10, interval=0.25)
        assert "login throttle counters unavailable" in log_text()
    finally:
        stackctl("start-memcached")
    settle_after_memcached_restart()


def test_with_mariadb_down_sign_in_answers_503_and_recovers():
    address, _ = new_user("dbdown")
    tokens = login(address).json()
    sessions_before = sql("SELECT COUNT(*) FROM sessions")[0][0]
    stackctl("stop-mariadb")
    try:
        for r in (login(address),
                  request("POST", f"{HTTPS}/api/auth/refresh", body={"refreshToken": tokens["refreshToken"]}),
                  Session(tokens).me()):
            assert r.status == 503, r
            assert r.headers["content-type"] == "application/problem+json" and r.headers.get("retry-after")
    finally:
        stackctl("start-mariadb")
    assert sql("SELECT COUNT(*) FROM sessions")[0][0] == sessions_before
    # The refresh token was not used up by the failed attempt.
    assert wait_for(lambda: request("POST", f"{HTTPS}/api/auth/refresh", body={"refreshToken": tokens["refreshToken"]}).status == 200,
                    timeout=10, interval=0.25)


def test_sessions_are_listed_and_can_be_ended_one_by_one_or_all_but_this_one(api):
    address, _ = new_user("sessions")
    laptop, phone, tablet = signed_in(address), signed_in(address), signed_in(address)
    listed = laptop.call("GET", "/api/me/sessions").json()["items"]
    assert len(listed) == 3 and [s["current"] for s in listed].count(True) == 1
    assert all(s["clientIp"].startswith("127.") and s["expiresAt"] > s["createdAt"] for s in listed)
    phone_id = next(s["id"] for s in phone.call("GET", "/api/me/sessions").json()["items"] if s["current"])
    assert laptop.call("DELETE", f"/api/me/sessions/{phone_id}").status == 204
    assert phone.me().status == 401
    again = laptop.call("DELETE", f"/api/me/sessions/{phone_id}")
    assert again.status == 404 and again.json()["type"] == "/problems/not-found"
    r = laptop.call("DELETE", "/api/me/sessions")
    assert r.status == 200 and r.json() == {"ended": 1}
    assert tablet.me().status == 401 and laptop.me().status == 200
    assert [s["current"] for s in laptop.call("GET", "/api/me/sessions").json()["items"]] == [True]
    assert api.call("DELETE", "/api/me/sessions").status == 403  # an API key has no session


def test_an_operators_set_password_goes_through_the_account_service():
    """shortlinkctl set-password applies the product's rules and ends the user's sessions, like a reset."""
    address, _ = new_user("ops")
    session = signed_in(address)
    user_id = session.me().json()["id"]
    set_password(address.upper(), "a brand new passphrase 77")  # the one email rule: compared in lower case
    assert session.me().status == 401
    assert login(address, "a brand new passphrase 77").status == 200
    env = dict(os.environ, SHORTLINK_CONFIG=os.path.join(STACK_DIR, "shortlink.conf"))
    weak = subprocess.run([os.path.join(os.environ["SL_BIN"], "shortlinkctl"), "set-password", "--email", address],
                          input="password\n", env=env, capture_output=True, text=True)
    assert weak.returncode != 0 and "password" in weak.stderr, weak
    assert login(address, "a brand new passphrase 77").status == 200
    entry = sql("SELECT object_id, details FROM audit_log WHERE action = 'user.password.set' ORDER BY id DESC LIMIT 1")[0]
    assert entry[0] == user_id and "shortlinkctl" in entry[1], entry
