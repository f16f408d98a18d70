"""API keys: create (shown once, recognisable prefix), list with last use, revoke; scopes enforced."""
import time

from conftest import API, HTTPS, admin_key, ctl, request, sql


def keys(key, method="GET", path="", body=None):
    return request(method, f"{HTTPS}/api/v1/keys{path}", key.auth(), body)


def test_create_list_use_and_revoke():
    owner = API(ctl("create-key", "--email", f"keys{time.time_ns()}@example.com", "--plan", "pro"))
    made = keys(owner, "POST", body={"name": "ci deploys", "scopes": ["links:read"]})
    assert made.status == 201, made
    body = made.json()
    assert body["key"].startswith("slk_") and body["prefix"] == body["key"][:12]
    assert body["scopes"] == ["links:read"] and body["lastUsedAt"] is None
    # Stored as SHA-256 only.
    assert sql(f"SELECT COUNT(*) FROM api_keys WHERE prefix = '{body['key']}' OR key_hash = '{body['key']}'")[0][0] == "0"
    new = API(body["key"])
    assert new.get("noSuchAlias").status == 404  # authenticated, reads allowed
    r = new.create(longUrl="https://example.com/ro")
    assert r.status == 403 and r.json()["type"] == "/problems/insufficient-scope"
    listed = keys(owner).json()["items"]
    mine = next(k for k in listed if k["id"] == body["id"])
    assert "key" not in mine and mine["lastUsedAt"] is not None
    assert keys(owner, "DELETE", f"/{body['id']}").status == 204
    assert new.get("noSuchAlias").status == 401
    assert keys(owner, "DELETE", f"/{body['id']}").status == 404  # already revoked
    audit = request("GET", f"{HTTPS}/api/audit?limit=50", API(admin_key()).auth()).json()["items"]
    assert {"key.create", "key.revoke"} <= {e["action"] for e in audit if e["objectId"] == body["id"]}


def test_no_scope_escalation_and_no_revoking_others_keys(api):
    reader = API(ctl("create-key", "--email", f"reader{time.time_ns()}@example.com", "--scopes", "links:read"))
    r = keys(reader, "POST", body={"name": "more", "scopes": ["links:write"]})
    assert r.status == 403 and r.json()["type"] == "/problems/insufficient-scope"
    admin_scope = keys(reader, "POST", body={"name": "x", "scopes": ["admin"]})
    assert admin_scope.status == 403
    theirs = keys(api, "POST", body={"name": "admin's", "scopes": ["links:read"]}).json()
    assert keys(reader, "DELETE", f"/{theirs['id']}").status == 404
    assert API(theirs["key"]).get("nothing").status == 404  # still works


def test_bad_key_requests(api):
    assert keys(api, "POST", body={"name": "", "scopes": ["links:read"]}).status == 422
    assert keys(api, "POST", body={"name": "n", "scopes": ["root"]}).status == 422
    assert keys(api, "POST", body={"name": "n", "scopes": "links:read"}).status == 422
    assert keys(api, "POST", body={"name": "n"}).status == 422
    assert request("GET", f"{HTTPS}/api/v1/keys").status == 401


def test_passwords_are_stored_as_argon2id_after_the_strength_rule():
    import os
    import subprocess
    from conftest import STACK_DIR
    email = f"pw{time.time_ns()}@example.com"
    ctl("create-key", "--email", email)
    env = dict(os.environ, SHORTLINK_CONFIG=os.path.join(STACK_DIR, "shortlink.conf"))
    run = lambda pw: subprocess.run([os.path.join(os.environ["SL_BIN"], "shortlinkctl"), "set-password", "--email", email],
                                    input=pw + "\n", env=env, capture_output=True, text=True)
    weak = run("password123")
    assert weak.returncode != 0 and "too common" in weak.stderr
    assert sql(f"SELECT password_hash IS NULL FROM users WHERE email = '{email}'")[0][0] == "1"
    ok = run("correct horse battery staple")
    assert ok.returncode == 0, ok.stderr
    stored = sql(f"SELECT password_hash FROM users WHERE email = '{email}'")[0][0]
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=1$") and "correct" not in stored
