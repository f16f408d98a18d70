"""Plan gating through nginx (004 §3.2): the free tier cannot set a custom alias or an expiry, and has a
monthly link quota; the 403 problem's type names the plan that unlocks the feature."""
import time

from conftest import API, ctl, link_count, sql


def user_key(plan=None):
    args = ["create-key", "--email", f"plan{time.time_ns()}@example.com"]
    if plan:
        args += ["--plan", plan]
    return API(ctl(*args))


def refused(r, feature, plan):
    assert r.status == 403, r
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["type"] == f"/problems/requires-plan-{plan}"
    assert body["feature"] == feature
    assert body["requiredPlan"] == plan


def test_free_tier_cannot_choose_an_alias_or_an_expiry():
    free = user_key()
    before = link_count()
    refused(free.create(longUrl="https://example.com/a", customAlias=f"free{time.time_ns() % 10**8}"), "custom-alias", "pro")
    refused(free.create(longUrl="https://example.com/a", expirationDate="2099-01-01T00:00:00Z"), "expiration-date", "pro")
    assert link_count() == before
    made = free.create(longUrl="https://example.com/free-ok")
    assert made.status == 201
    refused(free.patch(made.json()["alias"], expirationDate="2099-01-01T00:00:00Z"), "expiration-date", "pro")
    assert free.patch(made.json()["alias"], isActive=False).status == 200


def test_pro_tier_may():
    pro = user_key("pro")
    r = pro.create(longUrl="https://example.com/p", customAlias=f"pro{time.time_ns() % 10**8}",
                   expirationDate="2099-01-01T00:00:00Z")
    assert r.status == 201, r


def test_monthly_link_quota():
    free = user_key()
    first = free.create(longUrl="https://example.com/q0")
    assert first.status == 201
    owner = sql(f"SELECT owner_user_id FROM links WHERE code = '{first.json()['alias']}'")[0][0]
    # 99 more this month, written directly, then the API refuses the 101st.
    sql("INSERT INTO links (public_id, domain_id, code, long_url, created_at, updated_at, owner_user_id) "
        f"SELECT UUID(), domain_id, CONCAT('q{owner}x', seq), 'https://example.com/q', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), {owner} "
        f"FROM links JOIN seq_1_to_99 WHERE code = '{first.json()['alias']}'")
    r = free.create(longUrl="https://example.com/q101")
    refused(r, "links-per-month", "pro")
    assert "100" in r.json()["detail"]
