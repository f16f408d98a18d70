"""Two-factor authentication through nginx: TOTP enrolment with an otpauth URI and a QR code, the second login
step with TOTP codes (drift window, no replay) and single-use recovery codes, disabling with password + code."""
import time
import urllib.parse

from conftest import HTTPS, PASSWORD, Session, fresh_source, login, new_user, request, signed_in, sql, totp


def enrol(session):
    r = request("POST", f"{HTTPS}/api/me/2fa/setup", session.auth())
    assert r.status == 200, r
    body = r.json()
    uri = urllib.parse.urlsplit(body["otpauthUri"])
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    query = urllib.parse.parse_qs(uri.query)
    assert query["secret"] == [body["secret"]] and query["issuer"] == ["shortlink"] and query["digits"] == ["6"]
    assert body["qrSvg"].startswith("<svg xmlns=\"http://www.w3.org/2000/svg\"") and "<path" in body["qrSvg"]
    return body["secret"]


def wait_for_fresh_step():
    """Waits out the last seconds of a 30 s step, so that a code and its neighbours are predictable."""
    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.2)


def confirm(session, secret):
    wait_for_fresh_step()
    r = request("POST", f"{HTTPS}/api/me/2fa/confirm", session.auth(), {"code": totp(secret)})
    assert r.status == 200, r
    codes = r.json()["recoveryCodes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    return codes


def second_step(mfa_token, code, source=None):
    return request("POST", f"{HTTPS}/api/auth/login/2fa", body={"mfaToken": mfa_token, "code": code},
                   source=source or fresh_source())


def test_enrolment_needs_a_correct_code_and_then_login_asks_for_the_second_factor():
    address, _ = new_user("totp")
    session = signed_in(address)
    secret = enrol(session)
    # Until confirmed nothing changes at sign-in.
    assert "accessToken" in login(address).json()
    wrong = request("POST", f"{HTTPS}/api/me/2fa/confirm", session.auth(), {"code": "000000" if totp(secret) != "000000" else "111111"})
    assert wrong.status == 422 and wrong.json()["type"] == "/problems/invalid-code"
    confirm(session, secret)
    assert request("GET", f"{HTTPS}/api/me/2fa", session.auth()).json() == {"enabled": True, "recoveryCodesLeft": 10}
    assert session.me().json()["twoFactorEnabled"] is True
    # The secret is stored sealed, never as the base32 text.
    stored = sql(f"SELECT HEX(totp_secret) FROM users WHERE email = '{address}'")[0][0]
    assert secret not in stored and len(stored) > 40

    first = login(address)
    assert first.status == 200 and first.json()["mfaRequired"] is True and "accessToken" not in first.json()
    mfa = first.json()["mfaToken"]
    bad = second_step(mfa, "123456" if totp(secret, step_offset=1) != "123456" else "654321")
    assert bad.status == 401 and bad.json()["type"] == "/problems/invalid-code"
    # The confirmation used the current step: a code from the next one (within the ±1 step drift window) works.
    ok = second_step(mfa, totp(secret, step_offset=1))
    assert ok.status == 200, ok
    assert Session(ok.json()).me().status == 200
    # The step token is single use.
    assert second_step(mfa, totp(secret, step_offset=1)).status == 401


def test_a_totp_code_cannot_be_replayed_and_old_steps_are_refused():
    address, _ = new_user("replay")
    session = signed_in(address)
    secret = enrol(session)
    confirm(session, secret)
    code = totp(secret, step_offset=1)
    assert second_step(login(address).json()["mfaToken"], code).status == 200
    assert second_step(login(address).json()["mfaToken"], code).status == 401  # same code again
    assert second_step(login(address).json()["mfaToken"], totp(secret, step_offset=-3)).status == 401


def test_recovery_codes_work_once_each():
    address, _ = new_user("recovery")
    session = signed_in(address)
    codes = confirm(session, enrol(session))
    r = second_step(login(address).json()["mfaToken"], codes[0].upper())
    assert r.status == 200, r
    assert second_step(login(address).json()["mfaToken"], codes[0]).status == 401
    assert request("GET", f"{HTTPS}/api/me/2fa", session.auth()).json()["recoveryCodesLeft"] == 9


def test_wrong_second_factor_codes_are_throttled_like_passwords():
    address, _ = new_user("mfabrute")
    session = signed_in(address)
    confirm(session, enrol(session))
    mfa = login(address).json()["mfaToken"]
    for _ in range(5):
        assert second_step(mfa, "aaaaa-aaaaa").status == 401
    r = second_step(mfa, "bbbbb-bbbbb")
    assert r.status == 429 and r.json()["type"] == "/problems/login-throttled"


def test_disabling_needs_the_password_and_a_code():
    address, _ = new_user("disable")
    session = signed_in(address)
    secret = enrol(session)
    codes = confirm(session, secret)
    r = request("POST", f"{HTTPS}/api/me/2fa/disable", session.auth(), {"password": "not the password", "code": codes[1]})
    assert r.status == 403
    r = request("POST", f"{HTTPS}/api/me/2fa/disable", session.auth(), {"password": PASSWORD, "code": "zzzzz-zzzzz"})
    assert r.status == 422
    r = request("POST", f"{HTTPS}/api/me/2fa/disable", session.auth(), {"password": PASSWORD, "code": codes[1]})
    assert r.status == 204
    assert "accessToken" in login(address).json()
    assert sql(f"SELECT totp_secret IS NULL FROM users WHERE email = '{address}'") == [["1"]]
    actions = [row[0] for row in sql("SELECT action FROM audit_log ORDER BY id DESC LIMIT 20")]
    assert "user.2fa_enable" in actions and "user.2fa_disable" in actions


def test_api_keys_cannot_enrol(api):
    r = request("POST", f"{HTTPS}/api/me/2fa/setup", api.auth())
    assert r.status == 403 and r.json()["type"] == "/problems/session-required"
