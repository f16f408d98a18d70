"""Defects found by hostile testing (issue 7), each through nginx: product paths no link can take, lengths in
the database's unit, one rule for email addresses, loops in any spelling, redirects built from the configured
host, strict dates, strict JSON and media types, content negotiation with q-values, and problem+json for every
error under /api/ whoever answers it."""
import os
import re
import subprocess
import time
import uuid

import pytest

from conftest import (API, HTTP, HTTPS, PASSWORD, STACK_DIR, admin_key, ctl, fresh_source, link_count, login,
                      mails_to, new_user, register, request, signed_in, sql, wait_for, wait_mail)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def problem(r, status, type_, field=None):
    assert r.status == status, r
    assert r.headers["content-type"] == "application/problem+json", r
    body = r.json()
    assert body["type"] == type_ and body["status"] == status and body["detail"], body
    if field:
        assert field in [e["field"] for e in body["errors"]], body
    return body


def codes(r):
    body = r if isinstance(r, dict) else r.json()
    return [e["code"] for e in body.get("errors", [])]


# 1. Product paths ----------------------------------------------------------------------------------------

PRODUCT_ALIASES = ["verify-email", "reset-password", "invitations", "app", "metrics", "static", "assets", "api",
                   "Verify-Email", "APP", "login", "docs", "well-known"]


@pytest.mark.parametrize("alias", PRODUCT_ALIASES)
def test_no_alias_can_take_a_product_path(api, alias):
    before = link_count()
    r = api.create(longUrl="https://evil.example/collect", customAlias=alias)  # the admin is on enterprise
    problem(r, 422, "/problems/validation", "customAlias")
    assert "alias.reserved" in codes(r)
    assert link_count() == before


def test_mailed_pages_are_never_short_links(api):
    """A row that holds a product path (made before the word was reserved) is shadowed: the product answers."""
    domain = sql("SELECT id FROM domains ORDER BY id LIMIT 1")[0][0]
    owner = sql("SELECT id FROM users WHERE email = 'admin@localhost'")[0][0]
    made = []
    for code in ("verify-email", "invitations", "Reset-Password"):
        sql(f"INSERT INTO links (public_id, domain_id, code, long_url, redirect_type, is_active, owner_user_id, created_at, updated_at) "
            f"VALUES ('{uuid.uuid4()}', {domain}, '{code}', 'https://evil.example/steal', 302, 1, {owner}, NOW(3), NOW(3))")
        made.append(code)
    try:
        for path in ("/verify-email?token=abc", "/verify-email", "/invitations/accept?token=abc"):
            for base in (HTTPS,):
                r = request("GET", f"{base}{path}")
                assert r.status == 404 and "location" not in r.headers, (path, r)
                assert b"evil.example" not in r.body
        # The same word in another case is not a product path: it keeps redirecting.
        assert request("GET", f"{HTTP}/Reset-Password").status == 302
        # The operator is told which links a product path shadows, at migration and on demand.
        env = dict(os.environ, SHORTLINK_CONFIG=os.path.join(STACK_DIR, "shortlink.conf"))
        run = subprocess.run([os.path.join(os.environ["SL_BIN"], "shortlinkctl"), "reserved-links"], env=env,
                             capture_output=True, text=True)
        assert run.returncode == 1, run
        assert "/verify-email" in run.stdout and "/invitations" in run.stdout and "Reset-Password" not in run.stdout
        run = subprocess.run([os.path.join(os.environ["SL_BIN"], "shortlinkctl"), "migrate", "--sql-dir", os.path.join(ROOT, "sql")],
                             env=env, capture_output=True, text=True)
        assert run.returncode == 0 and "/verify-email" in run.stderr, run
    finally:
        for code in made:
            sql(f"DELETE FROM links WHERE code = '{code}'")
    run = subprocess.run([os.path.join(os.environ["SL_BIN"], "shortlinkctl"), "reserved-links"],
                         env=dict(os.environ, SHORTLINK_CONFIG=os.path.join(STACK_DIR, "shortlink.conf")),
                         capture_output=True, text=True)
    assert run.returncode == 0, run


def test_product_paths_on_plain_http_move_to_https():
    for path in ("/verify-email?token=abc", "/reset-password?token=x", "/app/", "/api/v1/health", "/invitations/accept"):
        r = request("GET", f"{HTTP}{path}")
        assert r.status == 308, (path, r)
        assert r.headers["location"] == f"{HTTPS}{path}", r.headers


def test_the_nginx_site_is_fed_by_the_one_list_of_product_paths():
    listed = ctl("paths")
    segments = {line.split("\t")[0].lstrip("/") for line in listed.splitlines()}
    with open(os.path.join(ROOT, "nginx", "shortlink-paths.conf")) as f:
        assert f.read() == ctl("paths", "--nginx") + "\n", "nginx/shortlink-paths.conf is stale: run shortlinkctl paths --nginx"
    with open(os.path.join(ROOT, "nginx", "shortlink.conf")) as f:
        site = f.read()
    with open(os.path.join(ROOT, "nginx", "shortlink-errors.conf")) as f:
        site += f.read()
    for location in re.findall(r"location\s+(?:=|\^~)?\s*(/[^\s{]*)", site):
        if location == "/":
            continue  # the short links
        first = location.strip("/").split("/")[0]
        assert first in segments, f"nginx serves {location}, which is not in ProductPaths"


# 2. Lengths in the unit the database counts ----------------------------------------------------------------

UNCOMPOSABLE_100 = "q\u0303" * 100   # 100 characters as a reader sees them, 200 code points
COMPOSABLE_100 = "e\u0301" * 100     # NFC makes it 100 code points


def test_team_names_are_measured_as_stored():
    s = signed_in(new_user("len")[0])
    problem(s.call("POST", "/api/teams", {"name": UNCOMPOSABLE_100}), 422, "/problems/validation", "name")
    r = s.call("POST", "/api/teams", {"name": COMPOSABLE_100})
    assert r.status == 201, r
    assert r.json()["name"] == "\u00e9" * 100  # stored in NFC
    team_id = r.json()["id"]
    problem(s.call("PATCH", f"/api/teams/{team_id}", {"name": UNCOMPOSABLE_100}), 422, "/problems/validation", "name")
    problem(s.call("POST", "/api/teams", {"name": "bidi \u202e txt"}), 422, "/problems/validation", "name")


def test_display_and_key_names_are_measured_as_stored():
    address, _ = new_user("len")
    s = signed_in(address)
    problem(s.call("PATCH", "/api/me", {"name": UNCOMPOSABLE_100}), 422, "/problems/validation", "name")
    r = s.call("PATCH", "/api/me", {"name": COMPOSABLE_100})
    assert r.status == 200 and r.json()["name"] == "\u00e9" * 100, r
    problem(register(f"len{time.time_ns()}@example.com", name=UNCOMPOSABLE_100), 422, "/problems/validation", "name")
    problem(s.call("POST", "/api/keys", {"name": UNCOMPOSABLE_100, "scopes": ["links:read"]}), 422, "/problems/validation", "name")
    r = s.call("POST", "/api/keys", {"name": COMPOSABLE_100, "scopes": ["links:read"]})
    assert r.status == 201, r


def test_an_outsized_user_agent_does_not_break_sign_in():
    address, _ = new_user("ua")
    agent = "Mozilla/5.0 " + "a\u0308\u0330" * 300  # 300 characters, 900 code points
    r = request("POST", f"{HTTPS}/api/auth/login", {"User-Agent": agent.encode().decode("latin-1")},
                {"email": address, "password": PASSWORD}, source=fresh_source())
    assert r.status == 200, r


# 3. One rule for email addresses ----------------------------------------------------------------------------

def test_the_administrator_can_reset_a_password_and_be_invited():
    r = request("POST", f"{HTTPS}/api/auth/password-reset/request", body={"email": "admin@localhost"}, source=fresh_source())
    assert r.status == 202, r
    wait_mail("admin@localhost", "Reset")
    owner = signed_in(new_user("inv")[0])
    from conftest import grant_plan
    grant_plan(owner, "business")
    team_id = owner.call("POST", "/api/teams", {"name": "With the admin"}).json()["id"]
    r = owner.call("POST", f"/api/teams/{team_id}/invitations", {"email": "Admin@LOCALHOST", "role": "viewer"})
    assert r.status == 201, r


@pytest.mark.parametrize("address", ["ann@", "ann@exam_ple.com", "ännä@example.com", "a@b@example.com", "ann@example.com."])
def test_one_rule_refuses_the_same_addresses_everywhere(address):
    problem(register(address), 422, "/problems/validation", "email")
    problem(request("POST", f"{HTTPS}/api/auth/password-reset/request", body={"email": address}, source=fresh_source()),
            422, "/problems/validation", "email")


# 4. Loops in any spelling of our own hosts ------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://localhost:18080/x", "http://LOCALHOST./x", "http://127.0.0.1:18080/x", "http://127.1:18080/x",
    "http://2130706433:18080/x", "http://0x7f000001/x", "http://0177.0.0.1/x", "http://[::1]:18080/x",
    "http://[::ffff:127.0.0.1]:18080/x", "http://[::ffff:7f00:1]/x", "http://0.0.0.0:18080/x", "http://shop.localhost/x",
    "http://%6c%6fcalhost:18080/x", "http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54:18080/x",
])
def test_no_link_points_at_ourselves(api, url):
    before = link_count()
    r = api.create(longUrl=url)
    problem(r, 422, "/problems/validation", "longUrl")
    assert "url.loop" in codes(r)
    assert link_count() == before


def test_a_link_cannot_be_changed_into_a_loop(api):
    alias = f"loop{time.time_ns() % 10**9}"
    assert api.create(longUrl="https://example.com/", customAlias=alias).status == 201
    r = api.patch(alias, longUrl="http://2130706433:18080/" + alias)
    problem(r, 422, "/problems/validation", "longUrl")
    assert api.get(alias).json()["longUrl"] == "https://example.com/"


# 5. Redirects built from the configured host -----------------------------------------------------------------

@pytest.mark.parametrize("host", ["evil.example", "evil.example:8443", "127.0.0.1@evil.example"])
def test_http_to_https_ignores_the_host_header(host):
    r = request("GET", f"{HTTP}/api/v1/urls?x=1", {"Host": host})
    assert r.status == 308, r
    assert r.headers["location"] == f"{HTTPS}/api/v1/urls?x=1"


# 6. Strict dates ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("date", ["2031-02-30T00:00:00Z", "2031-01-01T24:00:00Z", "2031-01-01T00:00:00.123456789Z",
                                  "2031-04-31T10:00:00Z", "2031-01-01T23:59:60Z", "2031-01-01T00:00:00", "2031-01-01"])
def test_impossible_dates_are_refused(api, date):
    before = link_count()
    r = api.create(longUrl="https://example.com/", expirationDate=date)
    problem(r, 422, "/problems/validation", "expirationDate")
    assert link_count() == before


def test_dates_are_kept_to_the_millisecond(api):
    r = api.create(longUrl="https://example.com/", expirationDate="2031-06-30T23:59:59.123+02:00")
    assert r.status == 201, r
    assert r.json()["expirationDate"] == "2031-06-30T21:59:59.123Z"
    assert api.get(r.json()["alias"]).json()["expirationDate"] == "2031-06-30T21:59:59.123Z"


# 7. Strict media types and JSON ---------------------------------------------------------------------------

@pytest.mark.parametrize("ctype", ["application/jsonx", "application/json-patch+json", "application/json; charset=iso-8859-1",
                                   "application/json;foo=bar", "text/json", "application/x-www-form-urlencoded"])
def test_only_json_is_json(api, ctype):
    before = link_count()
    r = request("POST", f"{HTTPS}/api/urls", api.auth({"Content-Type": ctype}), '{"longUrl":"https://example.com/"}')
    problem(r, 415, "/problems/unsupported-media-type")
    assert link_count() == before


def test_json_with_a_charset_of_utf8_is_json(api):
    r = request("POST", f"{HTTPS}/api/urls", api.auth({"Content-Type": "application/json; charset=UTF-8"}),
                '{"longUrl":"https://example.com/cs"}')
    assert r.status == 201, r


@pytest.mark.parametrize("body", [
    '{"longUrl": "https://example.com/a", "longUrl": "https://evil.example/"}',
    '{"longUrl": "https://example.com/a", "customAlias": "dup1", "\\u0063ustomAlias": "dup2"}',
    b'{"longUrl": "https://example.com/\xff"}', '{"longUrl": "https://example.com/\\ud800"}',
    "[" * 5000 + "]" * 5000, '\ufeff{"longUrl": "https://example.com/"}',
])
def test_ambiguous_json_is_refused(api, body):
    before = link_count()
    r = request("POST", f"{HTTPS}/api/urls", api.auth({"Content-Type": "application/json"}),
                body if isinstance(body, bytes) else body.encode())
    problem(r, 400, "/problems/malformed-json")
    assert link_count() == before


def test_duplicate_keys_are_refused_on_every_json_route():
    address = f"dup{time.time_ns()}@example.com"
    body = f'{{"email": "{address}", "password": "{PASSWORD}", "email": "other@example.com"}}'
    r = request("POST", f"{HTTPS}/api/auth/register", {"Content-Type": "application/json"}, body, source=fresh_source())
    problem(r, 400, "/problems/malformed-json")


def test_null_is_accepted_only_where_the_spec_says_nullable(api):
    r = api.create(longUrl="https://example.com/n", customAlias=None, expirationDate=None, redirectType=None, teamId=None)
    assert r.status == 201, r
    problem(register(f"null{time.time_ns()}@example.com", name=None), 422, "/problems/validation", "name")
    alias = r.json()["alias"]
    problem(api.patch(alias, longUrl=None), 422, "/problems/validation", "longUrl")
    problem(api.patch(alias, isActive=None), 422, "/problems/validation", "isActive")
    # An empty patch is refused, as the spec's minProperties says (and as the other PATCH routes do).
    assert "patch.empty" in codes(problem(api.patch(alias), 422, "/problems/validation"))


# 8. Content negotiation ---------------------------------------------------------------------------------

@pytest.mark.parametrize("accept, json_wanted", [
    ("text/html;q=0.1, application/json", True), ("application/json;q=0.1, text/html", False),
    ("application/problem+json", True), ("*/*", False), ("text/html, application/json", False),
    ("application/json;q=0, text/html;q=0.5", False), ("application/*;q=0.9, text/*;q=0.2", True),
])
def test_short_link_errors_honour_quality_values(accept, json_wanted):
    r = request("GET", f"{HTTP}/noSuchLink{time.time_ns() % 10**6}", {"Accept": accept})
    assert r.status == 404
    if json_wanted:
        assert r.headers["content-type"] == "application/problem+json", r
    else:
        assert r.headers["content-type"].startswith("text/html"), r


# 9. problem+json from nginx too ------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["TRACE", "CONNECT"])
def test_methods_nginx_refuses_get_a_problem_with_allow(method):
    r = request(method, f"{HTTPS}/api/v1/urls")
    problem(r, 405, "/problems/method-not-allowed")
    assert "POST" in r.headers["allow"]


def test_a_body_over_nginxs_limit_gets_a_problem(api):
    r = request("POST", f"{HTTPS}/api/urls", api.auth({"Content-Type": "application/json"}), b"{" + b" " * (2 << 20) + b"}")
    problem(r, 413, "/problems/payload-too-large")


def test_nginxs_own_rate_limit_answers_a_problem():
    source = fresh_source()
    answers = [request("GET", f"{HTTPS}/api/health", source=source) for _ in range(180)]
    limited = [r for r in answers if r.status == 429]
    assert limited, "nginx's fence (50 r/s, burst 100) never answered"
    for r in limited:
        problem(r, 429, "/problems/rate-limited")
        assert r.headers["retry-after"]


def test_an_over_long_uri_gets_a_problem():
    r = request("GET", f"{HTTPS}/api/v1/urls/" + "a" * 20000)
    assert r.status in (414, 431, 400), r
    assert r.headers["content-type"] == "application/problem+json", r


def test_every_api_answer_names_its_request():
    ids = set()
    for _ in range(3):
        r = request("GET", f"{HTTPS}/api/v1/health")
        assert re.fullmatch(r"[0-9a-f]{16}", r.headers["x-request-id"]), r.headers
        ids.add(r.headers["x-request-id"])
    assert len(ids) == 3
    assert re.fullmatch(r"[0-9a-f]{16}", request("GET", f"{HTTPS}/api/v1/urls/x").headers["x-request-id"])
