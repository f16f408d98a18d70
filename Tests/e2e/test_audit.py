"""The audit log: link writes recorded with actor and address, readable by administrators only, by cursor."""
import time

from conftest import API, HTTPS, ctl, request


def test_link_writes_are_audited_with_actor_and_address(api):
    alias = f"aud{time.time_ns() % 10**9}"
    assert api.create(longUrl="https://example.com/a1", customAlias=alias).status == 201
    assert api.patch(alias, longUrl="https://example.com/a2", isActive=False).status == 200
    assert api.delete(alias).status == 204
    page = request("GET", f"{HTTPS}/api/v1/audit?limit=50", api.auth()).json()
    mine = [e for e in page["items"] if e["details"].get("code") == alias]
    assert [e["action"] for e in mine] == ["link.delete", "link.update", "link.create"]
    assert all(e["actorIp"] == "127.0.0.1" and e["actorKeyId"] and e["objectType"] == "link" for e in mine)
    assert mine[1]["details"]["longUrl"] == "https://example.com/a2"
    assert mine[1]["details"]["isActive"] == "false"
    assert mine[2]["details"]["longUrl"] == "https://example.com/a1"


def test_pages_follow_the_cursor_without_overlap(api):
    for n in range(3):
        api.create(longUrl=f"https://example.com/page{n}")
    first = request("GET", f"{HTTPS}/api/audit?limit=2", api.auth()).json()
    assert len(first["items"]) == 2 and first["nextCursor"]
    second = request("GET", f"{HTTPS}/api/audit?limit=2&cursor={first['nextCursor']}", api.auth()).json()
    ids = lambda p: [(e["occurredAt"], e["objectId"], e["action"]) for e in p["items"]]
    assert not set(ids(first)) & set(ids(second))
    assert request("GET", f"{HTTPS}/api/audit?cursor=bogus", api.auth()).status == 422
    assert request("GET", f"{HTTPS}/api/audit?limit=0", api.auth()).status == 422


def test_key_creation_is_audited_and_only_admins_read_the_log(api):
    email = f"audkey{time.time_ns()}@example.com"
    user = API(ctl("create-key", "--email", email, "--scopes", "links:read links:write admin"))
    r = request("GET", f"{HTTPS}/api/audit", user.auth())
    assert r.status == 403  # an admin scope on a non-admin account is not enough
    items = request("GET", f"{HTTPS}/api/audit?limit=20", api.auth()).json()["items"]
    assert any(e["action"] == "key.create" and e["details"].get("via") == "shortlinkctl" for e in items)
    assert request("GET", f"{HTTPS}/api/audit").status == 401
