"""Bad input gets a clear 4xx problem+json and changes nothing."""
import time

import pytest

from conftest import API, HTTP, HTTPS, ctl, link_count, request


def problem(r, status, type_):
    assert r.status == status, r
    assert r.headers["content-type"] == "application/problem+json", r
    body = r.json()
    assert body["type"] == type_
    assert body["status"] == status
    assert body["detail"]
    return body


@pytest.mark.parametrize("body, status, type_, field", [
    ('{"longUrl": "https://example.com/x"', 400, "/problems/malformed-json", None),
    ("[1, 2]", 400, "/problems/malformed-json", None),
    ("", 400, "/problems/malformed-json", None),
    ('{"longUrl": "javascript:alert(1)"}', 422, "/problems/validation", "longUrl"),
    ('{"longUrl": "data:text/html,<b>x</b>"}', 422, "/problems/validation", "longUrl"),
    ('{"longUrl": "https://user:pw@example.com/"}', 422, "/problems/validation", "longUrl"),
    ('{"longUrl": "http://127.0.0.1/loop"}', 422, "/problems/validation", "longUrl"),
    ('{"longUrl": 42}', 422, "/problems/validation", "longUrl"),
    ('{}', 422, "/problems/validation", "longUrl"),
    ('{"longUrl": "https://example.com/", "customAlias": "api"}', 422, "/problems/validation", "customAlias"),
    ('{"longUrl": "https://example.com/", "customAlias": "a b"}', 422, "/problems/validation", "customAlias"),
    ('{"longUrl": "https://example.com/", "expirationDate": "2001-01-01T00:00:00Z"}', 422, "/problems/validation", "expirationDate"),
    ('{"longUrl": "https://example.com/", "expirationDate": "next week"}', 422, "/problems/validation", "expirationDate"),
    ('{"longUrl": "https://example.com/", "redirectType": 303}', 422, "/problems/validation", "redirectType"),
    ('{"longUrl": "https://example.com/", "redirectType": true}', 422, "/problems/validation", "redirectType"),
])
def test_bad_create_bodies(api, body, status, type_, field):
    before = link_count()
    r = request("POST", f"{HTTPS}/api/urls", api.auth({"Content-Type": "application/json"}), body)
    p = problem(r, status, type_)
    if field:
        assert field in [e["field"] for e in p["errors"]]
    assert link_count() == before


def test_oversized_body_is_413(api):
    before = link_count()
    big = '{"longUrl": "https://example.com/", "pad": "' + "x" * 100_000 + '"}'
    problem(request("POST", f"{HTTPS}/api/urls", api.auth({"Content-Type": "application/json"}), big), 413, "/problems/payload-too-large")
    assert link_count() == before


def test_wrong_content_type_is_415(api):
    problem(request("POST", f"{HTTPS}/api/urls", api.auth({"Content-Type": "text/plain"}), '{"longUrl":"https://e.com"}'),
            415, "/problems/unsupported-media-type")


def test_taken_alias_is_409_and_keeps_the_original(api):
    alias = f"taken{time.time_ns() % 10**9}"
    assert api.create(longUrl="https://example.com/first", customAlias=alias).status == 201
    before = link_count()
    problem(api.create(longUrl="https://example.com/second", customAlias=alias), 409, "/problems/alias-taken")
    assert link_count() == before
    assert api.get(alias).json()["longUrl"] == "https://example.com/first"


@pytest.mark.parametrize("headers, type_", [
    ({}, "/problems/unauthenticated"),
    ({"Authorization": "Bearer slk_" + "A" * 40}, "/problems/invalid-credentials"),
    ({"Authorization": "Bearer not-a-key"}, "/problems/invalid-credentials"),
    ({"Authorization": "Basic YWRtaW46YWRtaW4="}, "/problems/invalid-credentials"),
    ({"X-API-Key": "slk_" + "B" * 40}, "/problems/invalid-credentials"),
])
def test_missing_or_invalid_key_is_401(headers, type_):
    before = link_count()
    r = request("POST", f"{HTTPS}/api/urls", {"Content-Type": "application/json", **headers}, '{"longUrl":"https://example.com/"}')
    problem(r, 401, type_)
    assert "www-authenticate" in r.headers
    assert link_count() == before


def test_x_api_key_header_works(api):
    r = request("POST", f"{HTTPS}/api/urls", {"X-API-Key": api.key}, {"longUrl": "https://example.com/xkey"})
    assert r.status == 201


def test_bad_patches_change_nothing(api):
    alias = api.create(longUrl="https://example.com/keep").json()["alias"]
    problem(api.patch(alias, longUrl="javascript:alert(1)"), 422, "/problems/validation")
    problem(api.patch(alias, isActive="yes"), 422, "/problems/validation")
    problem(api.patch(alias, redirectType=200), 422, "/problems/validation")
    problem(api.patch(alias, longUrl=None), 422, "/problems/validation")
    got = api.get(alias).json()
    assert (got["longUrl"], got["isActive"], got["redirectType"]) == ("https://example.com/keep", True, 302)
    problem(api.patch("noSuchAlias9", isActive=False), 404, "/problems/not-found")


def test_wrong_methods_and_routes():
    problem(request("PUT", f"{HTTPS}/api/urls", {}), 405, "/problems/method-not-allowed")
    problem(request("GET", f"{HTTPS}/api/nothing-here"), 404, "/problems/not-found")
    problem(request("POST", f"{HTTP}/someAlias", {"Accept": "application/json"}), 405, "/problems/method-not-allowed")


def test_other_users_links_are_invisible(api):
    other = API(ctl("create-key", "--email", f"u{time.time_ns()}@example.com"))
    alias = api.create(longUrl="https://example.com/admins").json()["alias"]
    problem(other.get(alias), 404, "/problems/not-found")
    problem(other.patch(alias, isActive=False), 404, "/problems/not-found")
    problem(other.delete(alias), 404, "/problems/not-found")
    mine = other.create(longUrl="https://example.com/mine")
    assert mine.status == 201
    assert other.get(mine.json()["alias"]).status == 200
    assert api.get(mine.json()["alias"]).status == 200  # admins see every link
