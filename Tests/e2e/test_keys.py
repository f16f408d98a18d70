"""API keys: create (shown once, recognisable prefix), list with last use, revoke; scopes enforced."""
import os
import subprocess
import time

from conftest import API, HTTPS, STACK_DIR, admin_key, ctl, request, sql


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


def test_operator_keys_go_through_the_key_service():
    """shortlinkctl create-key applies the API's rules for addresses, names and scopes, and audits in the same
    transaction as the key, naming key and user by public id."""
    env = dict(os.environ, SHORTLINK_CONFIG=os.path.join(STACK_DIR, "shortlink.conf"))
    binary = os.path.join(os.environ["SL_BIN"], "shortlinkctl")

    def create(*args):
        return subprocess.run([binary, "create-key", *args], env=env, capture_output=True, text=True)

    address = f"opkey{time.time_ns()}@example.com"
    for bad in (["--email", "not an address"], ["--email", address, "--name", "bad\u0007name"],
                ["--email", address, "--scopes", ""], ["--email", address, "--scopes", "links:fly"],
                ["--email", address, "--role", "root"]):
        r = create(*bad)
        assert r.returncode != 0 and r.stderr, (bad, r)
    r = create("--email", address.upper(), "--name", "  ops key  ", "--plan", "pro")
    assert r.returncode == 0, r
    key = API(r.stdout.strip())
    assert key.create(longUrl="https://example.com/op", customAlias=f"op{time.time_ns() % 10**9}").status == 201  # pro
    listed = key.call("GET", "/api/keys").json()["items"]
    assert [k["name"] for k in listed] == ["ops key"]
    row = sql("SELECT object_id, details FROM audit_log WHERE action = 'key.create' ORDER BY id DESC LIMIT 1")[0]
    assert row[0] == listed[0]["id"] and "shortlinkctl" in row[1], row
    plan_row = sql("SELECT object_id FROM audit_log WHERE action = 'plan.change' ORDER BY id DESC LIMIT 1")[0]
    assert len(plan_row[0]) == 36, plan_row  # the user's public id, never a row id
