"""GET/POST/PATCH /api/subscriptions (004 §6.1): see the plan, start a trial, downgrade, cancel at period end;
paid upgrades need an administrator (no billing provider yet) and are answered 402 otherwise. Plan changes are
made from a signed-in session (or an administrator's key), never with an ordinary API key."""
import time

from conftest import API, HTTPS, ctl, request, set_password, signed_in


def user(plan=None, session=True):
    """A user (on `plan`), signed in; or, with session=False, the user's API key."""
    email = f"sub{time.time_ns()}@example.com"
    args = ["create-key", "--email", email]
    if plan:
        args += ["--plan", plan]
    key = API(ctl(*args))
    if not session:
        return key
    set_password(email)
    return signed_in(email)


def sub(key, method="GET", body=None):
    return request(method, f"{HTTPS}/api/subscriptions", key.auth(), body)


def test_a_new_user_is_on_free():
    r = sub(user())
    assert r.status == 200
    body = r.json()
    assert (body["plan"], body["status"], body["cancelAtPeriodEnd"]) == ("free", "active", False)
    assert body["planInForce"]["customAliases"] is False
    assert body["planInForce"]["linksPerMonth"] == 100


def test_one_trial_then_cancel_at_period_end_keeps_the_plan_until_then():
    u = user()
    t = sub(u, "POST", {"plan": "pro", "trial": True})
    assert t.status == 201, t
    assert (t.json()["status"], t.json()["planInForce"]["code"]) == ("trialing", "pro")
    assert t.json()["trialEndsAt"]
    # The trial unlocks pro features at once.
    assert u.create(longUrl="https://example.com/t", customAlias=f"trial{time.time_ns() % 10**8}").status == 201
    again = sub(u, "POST", {"plan": "business", "trial": True})
    assert again.status == 409 and again.json()["type"] == "/problems/trial-used"
    c = sub(u, "PATCH", {"cancelAtPeriodEnd": True})
    assert c.status == 200
    assert (c.json()["status"], c.json()["cancelAtPeriodEnd"], c.json()["planInForce"]["code"]) == ("canceled", True, "pro")
    assert c.json()["currentPeriodEnd"] == t.json()["trialEndsAt"]
    resumed = sub(u, "PATCH", {"cancelAtPeriodEnd": False})
    assert (resumed.json()["status"], resumed.json()["cancelAtPeriodEnd"]) == ("trialing", False)


def test_paid_upgrades_need_payment_but_downgrades_do_not():
    u = user("business")
    up = sub(u, "POST", {"plan": "enterprise"})
    assert up.status == 402 and up.json()["type"] == "/problems/payment-required"
    down = sub(u, "PATCH", {"plan": "pro"})
    assert down.status == 200 and down.json()["planInForce"]["code"] == "pro"
    free = sub(u, "POST", {"plan": "free"})
    assert free.status == 201 and free.json()["planInForce"]["code"] == "free"


def test_administrators_grant_paid_plans_to_themselves(api):
    r = sub(api, "POST", {"plan": "enterprise"})
    assert r.status == 201 and r.json()["planInForce"]["code"] == "enterprise"


def test_bad_subscription_requests():
    u = user()
    assert sub(u, "POST", {"plan": "platinum"}).status == 422
    assert sub(u, "POST", {}).status == 422
    assert sub(u, "POST", {"plan": "free", "trial": True}).status == 422
    assert sub(u, "PATCH", {}).status == 422
    assert sub(u, "PATCH", {"cancelAtPeriodEnd": True}).status == 422  # nothing paid to cancel
    assert request("GET", f"{HTTPS}/api/subscriptions").status == 401
    assert sub(u).json()["plan"] == "free"  # nothing changed


def test_an_api_key_can_read_but_not_change_the_plan():
    key = user("pro", session=False)
    assert sub(key).json()["plan"] == "pro"
    for method, body in (("POST", {"plan": "free"}), ("PATCH", {"cancelAtPeriodEnd": True})):
        r = sub(key, method, body)
        assert r.status == 403 and r.json()["type"] == "/problems/session-required", r
    assert sub(key).json()["plan"] == "pro"
