"""Rate limits counted in memcached, shared by every worker: per key by plan, per client address without a key."""
import random
import time

from conftest import API, HTTPS, ctl, request


def fresh_window(probe):
    """Makes one request (counted) in a window with at least 15 s left, waiting for the next window if needed."""
    reset = int(probe().headers["ratelimit-reset"])
    if reset < 15:
        time.sleep(reset + 0.5)
        probe()


def paced(n, call, per_second=80):
    """Makes `n` calls at most `per_second` a second: under nginx's outer fence (50 r/s per address with a
    burst of 100), so that what is measured is the application's own limit, however fast the machine."""
    out = []
    start = time.monotonic()
    for i in range(n):
        delay = start + i / per_second - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        out.append(call())
    return out


def test_a_key_gets_its_plans_limit_across_workers():
    key = API(ctl("create-key", "--email", f"rl{time.time_ns()}@example.com"))  # free: 60 a minute
    fresh_window(lambda: key.get("warmup"))
    remaining = []
    for _ in range(80):
        r = key.get("noSuchLink")
        if r.status == 429:
            break
        assert r.status == 404
        assert r.headers["ratelimit-limit"] == "60"
        remaining.append(int(r.headers["ratelimit-remaining"]))
    # One shared counter for all workers: remaining goes down by exactly one per request.
    assert remaining == list(range(remaining[0], remaining[0] - len(remaining), -1))
    assert remaining[-1] == 0
    assert r.status == 429
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "/problems/rate-limited"
    assert 0 < int(r.headers["retry-after"]) <= 60
    assert r.headers["ratelimit-remaining"] == "0"


def test_requests_without_a_key_are_limited_per_client_address():
    source = f"127.0.{random.randint(1, 250)}.{random.randint(2, 250)}"
    fresh_window(lambda: request("GET", f"{HTTPS}/api/health", source=source))
    statuses = [r.status for r in paced(125, lambda: request("GET", f"{HTTPS}/api/health", source=source))]
    assert statuses.count(200) == 119  # 120 a minute, one spent by the probe
    assert statuses[-1] == 429
    # Another address is not affected.
    assert request("GET", f"{HTTPS}/api/health", source="127.0.0.1").status == 200


def test_invalid_keys_count_against_the_address():
    source = f"127.1.{random.randint(1, 250)}.{random.randint(2, 250)}"
    bad = {"Authorization": "Bearer slk_" + "Z" * 40}
    fresh_window(lambda: request("GET", f"{HTTPS}/api/health", source=source))
    statuses = [r.status for r in paced(121, lambda: request("GET", f"{HTTPS}/api/v1/urls/x", bad, source=source))]
    assert statuses.count(401) == 119
    assert statuses[-1] == 429


def test_enterprise_keys_have_their_own_larger_limit(api):
    r = api.get("noSuchLink")
    assert r.headers["ratelimit-limit"] == "10000"
