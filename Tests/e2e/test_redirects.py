"""Create → redirect, status codes, HEAD, 404, 410, cache coherence, spool records."""
import datetime
import glob
import os
import time

import pytest

from conftest import HTTP, HTTPS, STACK_DIR, request, sql, wait_for


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_create_then_redirect_with_each_status(api, status):
    r = api.create(longUrl=f"https://example.com/landing/{status}?utm=x", redirectType=status)
    assert r.status == 201, r
    body = r.json()
    assert set(body) >= {"id", "shortUrl", "longUrl", "expirationDate", "createdAt"}
    assert body["longUrl"] == f"https://example.com/landing/{status}?utm=x"
    assert body["expirationDate"] is None
    assert body["shortUrl"] == f"{HTTP}/{body['alias']}"
    assert r.headers["location"] == f"/api/v1/urls/{body['alias']}"
    for base in (HTTP, HTTPS):
        g = request("GET", f"{base}/{body['alias']}")
        assert g.status == status
        assert g.headers["location"] == body["longUrl"]


def test_default_is_302_and_head_has_no_body(api):
    alias = api.create(longUrl="https://example.com/head").json()["alias"]
    h = request("HEAD", f"{HTTP}/{alias}")
    assert h.status == 302
    assert h.headers["location"] == "https://example.com/head"
    assert h.body == b""


def test_custom_alias_is_case_sensitive(api):
    stamp = str(time.time_ns())[-8:]
    assert api.create(longUrl="https://example.com/upper", customAlias=f"Case{stamp}").status == 201
    assert api.create(longUrl="https://example.com/lower", customAlias=f"case{stamp}").status == 201
    assert request("GET", f"{HTTP}/Case{stamp}").headers["location"] == "https://example.com/upper"
    assert request("GET", f"{HTTP}/case{stamp}").headers["location"] == "https://example.com/lower"


def test_unknown_alias_is_404_html_for_browsers_and_problem_json_for_clients():
    r = request("GET", f"{HTTP}/doesNotExist1", {"Accept": "text/html"})
    assert r.status == 404
    assert r.headers["content-type"].startswith("text/html")
    j = request("GET", f"{HTTP}/doesNotExist1", {"Accept": "application/json"})
    assert j.status == 404
    assert j.headers["content-type"] == "application/problem+json"
    assert j.json()["type"] == "/problems/not-found"
    assert request("GET", f"{HTTP}/not/a/code").status == 404
    assert request("GET", f"{HTTP}/bad%20code").status == 404


def test_expired_link_answers_410(api):
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=2)
    r = api.create(longUrl="https://example.com/soon", expirationDate=expires.isoformat(timespec="milliseconds").replace("+00:00", "Z"))
    assert r.status == 201, r
    alias = r.json()["alias"]
    assert r.json()["expirationDate"].endswith("Z")
    assert request("GET", f"{HTTP}/{alias}").status == 302
    time.sleep(max(0.0, (expires - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) + 0.2)
    gone = request("GET", f"{HTTP}/{alias}", {"Accept": "application/json"})
    assert gone.status == 410
    assert gone.json()["type"] == "/problems/link-expired"


def test_disabled_link_answers_410_and_comes_back(api):
    alias = api.create(longUrl="https://example.com/pause").json()["alias"]
    assert api.patch(alias, isActive=False).status == 200
    r = request("GET", f"{HTTP}/{alias}", {"Accept": "application/json"})
    assert r.status == 410
    assert r.json()["type"] == "/problems/link-disabled"
    assert api.patch(alias, isActive=True).status == 200
    assert request("GET", f"{HTTP}/{alias}").status == 302


def test_patch_is_seen_by_the_very_next_request_on_every_worker(api):
    alias = api.create(longUrl="https://example.com/old").json()["alias"]
    for _ in range(10):  # warm the cache on every worker
        assert request("GET", f"{HTTP}/{alias}").headers["location"] == "https://example.com/old"
    for n in range(5):
        p = api.patch(alias, longUrl=f"https://example.com/new/{n}", redirectType=307)
        assert p.status == 200, p
        for _ in range(6):
            g = request("GET", f"{HTTP}/{alias}")
            assert (g.status, g.headers["location"]) == (307, f"https://example.com/new/{n}")


def test_delete_then_404(api):
    alias = api.create(longUrl="https://example.com/gone").json()["alias"]
    assert request("GET", f"{HTTP}/{alias}").status == 302
    assert api.delete(alias).status == 204
    assert request("GET", f"{HTTP}/{alias}").status == 404
    assert api.get(alias).status == 404


def test_read_back_and_clear_expiry(api):
    r = api.create(longUrl="https://example.com/r", expirationDate="2099-01-01T00:00:00Z")
    alias = r.json()["alias"]
    got = api.get(alias).json()
    assert got["expirationDate"] == "2099-01-01T00:00:00.000Z"
    cleared = api.patch(alias, expirationDate=None).json()
    assert cleared["expirationDate"] is None


def clicks_of(code):
    return int(sql(f"SELECT COUNT(*) FROM clicks WHERE code = '{code}'")[0][0])


def test_every_redirect_served_leaves_one_click(api):
    alias = api.create(longUrl="https://example.com/counted").json()["alias"]
    for _ in range(40):
        assert request("GET", f"{HTTP}/{alias}", {"User-Agent": "spool-test\tagent", "Referer": "https://ref.example/"}).status == 302
    request("HEAD", f"{HTTP}/{alias}")  # probes are answered, not counted
    assert wait_for(lambda: clicks_of(alias) >= 40, timeout=10)
    time.sleep(0.5)
    assert clicks_of(alias) == 40
    # The tab in the agent survived the spool's escaping (the mariadb client prints it as \t).
    assert sql(f"SELECT DISTINCT user_agent, referer FROM clicks WHERE code = '{alias}'") == [["spool-test\\tagent", "https://ref.example/"]]


def test_health_and_api_https_only():
    h = request("GET", f"{HTTPS}/api/health")
    assert h.status == 200
    assert h.json() == {"status": "ok", "database": "up", "cache": "up"}
    r = request("GET", f"{HTTP}/api/urls")
    assert r.status == 308
    assert r.headers["location"].startswith("https://")


def memcached(command):
    host, port = os.environ["SL_MEMCACHED"].split(":")
    import socket
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(command.encode())
        data = b""
        while not data.endswith((b"STORED\r\n", b"END\r\n", b"NOT_FOUND\r\n", b"\r\n")) or data == b"":
            data += s.recv(65536)
        return data.decode()


def test_a_write_from_another_node_is_seen_within_the_sync_interval(api):
    """Another node's writer: it sets the memcached entry and bumps the cluster counter, without touching this
    node's shared memory. Local caches must notice within SHORTLINK_LOCAL_CACHE_SYNC_MS (100 ms)."""
    r = api.create(longUrl="https://example.com/before")
    alias = r.json()["alias"]
    for _ in range(10):
        assert request("GET", f"{HTTP}/{alias}").headers["location"] == "https://example.com/before"
    link_id, domain_id = sql(f"SELECT id, domain_id FROM links WHERE code = '{alias}'")[0]
    value = f"1|{link_id}|307|1||https://example.com/after"
    assert memcached(f"set sl1:l:{domain_id}:{alias} 0 0 {len(value)}\r\n{value}\r\n").startswith("STORED")
    incr = memcached("incr sl1:gen 1\r\n")
    if incr.startswith("NOT_FOUND"):
        memcached("set sl1:gen 0 0 1\r\n1\r\n")
    time.sleep(0.25)
    for _ in range(10):
        g = request("GET", f"{HTTP}/{alias}")
        assert (g.status, g.headers["location"]) == (307, "https://example.com/after")


def test_the_bare_domain_shows_a_landing_page():
    r = request("GET", f"{HTTP}/")
    assert r.status == 200
    assert r.headers["content-type"].startswith("text/html")
    assert b"/api/v1/urls" in r.body


def test_short_urls_are_noindex_unless_the_link_opts_in(api):
    hidden = api.create(longUrl="https://example.com/private").json()
    assert hidden["allowIndexing"] is False
    r = request("GET", f"{HTTP}/{hidden['alias']}")
    assert r.status == 302 and r.headers["x-robots-tag"] == "noindex"
    listed = api.create(longUrl="https://example.com/public", allowIndexing=True).json()
    assert listed["allowIndexing"] is True
    assert "x-robots-tag" not in request("GET", f"{HTTP}/{listed['alias']}").headers
    # The change is seen at once by every worker (the cached form carries the flag).
    assert api.patch(listed["alias"], allowIndexing=False).json()["allowIndexing"] is False
    for _ in range(6):
        assert request("GET", f"{HTTP}/{listed['alias']}").headers["x-robots-tag"] == "noindex"
    assert request("GET", f"{HTTP}/nosuchcode42", {"Accept": "application/json"}).headers["x-robots-tag"] == "noindex"
    bad = api.patch(listed["alias"], allowIndexing="yes")
    assert bad.status == 422 and bad.json()["errors"][0]["field"] == "allowIndexing"


def test_destinations_are_rewritten_per_visit(api):
    r = api.create(longUrl="https://shop.example/p?id=7#reviews",
                   utmBuilder={"params": {"source": "newsletter", "medium": "email", "campaign": "spring sale"}},
                   queryParams={"inject": {"ref": "ABC123"}, "remove": ["fbclid", "gclid", "utm_*"]})
    assert r.status == 201, r
    link = r.json()
    assert link["utmBuilder"] == {"enabled": True, "params": {"source": "newsletter", "medium": "email", "campaign": "spring sale"},
                                  "overrideExisting": False}
    assert link["queryParams"] == {"passThrough": True, "inject": {"ref": "ABC123"}, "remove": ["fbclid", "gclid", "utm_*"]}
    alias = link["alias"]
    # The visitor's query passes on, less what the link removes and shortlink's own markers; the fragment stays last.
    loc = request("GET", f"{HTTP}/{alias}?fbclid=x1&lang=de&utm_source=tw&qr=1").headers["location"]
    assert loc == ("https://shop.example/p?id=7&lang=de&utm_source=newsletter&utm_medium=email&utm_campaign=spring%20sale"
                   "&ref=ABC123#reviews")
    # The click records where the visitor was sent.
    lid = sql(f"SELECT id FROM links WHERE code = '{alias}'")[0][0]
    assert wait_for(lambda: sql(f"SELECT destination FROM clicks WHERE link_id = {lid}") == [[loc]], timeout=10)
    # Pass-through off; the change is seen on the next request.
    assert api.patch(alias, queryParams={"passThrough": False}).json()["queryParams"] == {"passThrough": False, "inject": {}, "remove": []}
    assert request("GET", f"{HTTP}/{alias}?lang=de").headers["location"] == \
        "https://shop.example/p?id=7&utm_source=newsletter&utm_medium=email&utm_campaign=spring%20sale#reviews"
    # null removes the builder; the defaults come back.
    cleared = api.patch(alias, utmBuilder=None, queryParams=None).json()
    assert cleared["utmBuilder"] is None and cleared["queryParams"]["passThrough"] is True
    assert request("GET", f"{HTTP}/{alias}?lang=de").headers["location"] == "https://shop.example/p?id=7&lang=de#reviews"
    # Bad rules change nothing.
    for body, field in [({"queryParams": {"remove": ["a b"]}}, "queryParams.remove"),
                        ({"utmBuilder": {"params": {"id": "x"}}}, "utmBuilder.params.id"),
                        ({"queryParams": {"inject": {"a=b": "1"}}}, "queryParams.inject"),
                        ({"queryParams": {"passthrough": True}}, "queryParams.passthrough"),
                        ({"utmBuilder": "source=x"}, "utmBuilder")]:
        bad = api.call("PATCH", f"/api/v1/urls/{alias}", body)
        assert bad.status == 422 and field in [e["field"] for e in bad.json()["errors"]], (body, bad)
    assert api.get(alias).json()["utmBuilder"] is None
