"""Administrator endpoints: search users, disable/enable (keys stop working), change a plan, system counts."""
import time

from conftest import API, HTTPS, ctl, request


def admin(api, method, path, body=None):
    return request(method, f"{HTTPS}/api/v1/admin{path}", api.auth(), body)


def test_search_disable_enable_and_change_plan(api):
    stamp = time.time_ns()
    email = f"Admin_Target.{stamp}@example.com"
    user = API(ctl("create-key", "--email", email))
    found = admin(api, "GET", f"/users?q=target.{stamp}").json()["items"]
    assert [u["email"] for u in found] == [email.lower()]
    target = found[0]
    assert (target["plan"], target["isActive"], target["role"]) == ("free", True, "user")
    assert admin(api, "GET", f"/users?q=target_{stamp}").json()["items"] == []  # "_" is literal, not a wildcard

    off = admin(api, "PATCH", f"/users/{target['id']}", {"isActive": False})
    assert off.status == 200 and off.json()["isActive"] is False
    assert user.get("anything").status == 401  # a disabled user's keys stop working
    on = admin(api, "PATCH", f"/users/{target['id']}", {"isActive": True, "plan": "business"})
    assert (on.json()["isActive"], on.json()["plan"]) == (True, "business")
    assert user.get("anything").status == 404
    assert user.create(longUrl="https://example.com/biz", customAlias=f"biz{stamp % 10**8}").status == 201

    actions = [e["action"] for e in request("GET", f"{HTTPS}/api/audit?limit=20", api.auth()).json()["items"]
               if e["objectId"] == target["id"]]
    assert {"user.disable", "user.enable", "plan.change"} <= set(actions)


def test_stats_and_paging(api):
    stats = admin(api, "GET", "/stats").json()
    assert stats["users"] >= 1 and stats["links"] >= 0 and stats["activeApiKeys"] >= 1
    assert stats["subscriptions.enterprise"] >= 1
    first = admin(api, "GET", "/users?limit=1").json()
    assert len(first["items"]) == 1 and first["nextCursor"]
    second = admin(api, "GET", f"/users?limit=1&cursor={first['nextCursor']}").json()
    assert second["items"][0]["id"] != first["items"][0]["id"]


def test_only_administrators(api):
    user = API(ctl("create-key", "--email", f"notadmin{time.time_ns()}@example.com", "--scopes", "links:read admin"))
    for method, path in [("GET", "/users"), ("GET", "/stats"), ("PATCH", "/users/x")]:
        r = admin(user, method, path, {"isActive": False} if method == "PATCH" else None)
        assert r.status == 403, (method, path, r)
    assert admin(api, "PATCH", "/users/00000000-0000-4000-8000-000000000000", {"isActive": False}).status == 404
    assert admin(api, "PATCH", "/users/whatever", {}).status == 422
    assert admin(api, "PATCH", "/users/whatever", {"plan": "gold"}).status in (404, 422)
