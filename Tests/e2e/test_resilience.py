"""Failing dependencies and process supervision, under load, through nginx."""
import os
import signal
import time

from conftest import (HTTP, HTTPS, STACK_DIR, Load, link_count, log_text, master_pid, request, stackctl,
                      wait_for, worker_pids)

WORKERS = 3


def test_memcached_stopped_redirects_come_from_mariadb(api):
    alias = api.create(longUrl="https://example.com/mc-down").json()["alias"]
    stackctl("stop-memcached")
    try:
        for _ in range(10):
            r = request("GET", f"{HTTP}/{alias}")
            assert (r.status, r.headers["location"]) == (302, "https://example.com/mc-down")
        created = api.create(longUrl="https://example.com/created-without-cache")
        assert created.status == 201  # rate limits fail open without memcached
        assert "ratelimit-limit" not in created.headers
        assert "rate limit counters unavailable: request allowed" in log_text()
        assert request("GET", f"{HTTP}/{created.json()['alias']}").status == 302
        assert request("GET", f"{HTTP}/noSuchCode42").status == 404
        assert request("GET", f"{HTTPS}/api/health").json()["cache"] == "down"
    finally:
        stackctl("start-memcached")
    assert wait_for(lambda: request("GET", f"{HTTPS}/api/health").json()["cache"] == "up", timeout=10, interval=0.25)


def test_mariadb_stopped_cached_links_redirect_and_create_is_503(api):
    alias = api.create(longUrl="https://example.com/db-down").json()["alias"]
    for _ in range(WORKERS * 2):
        request("GET", f"{HTTP}/{alias}")
    before = link_count()
    stackctl("stop-mariadb")
    try:
        for _ in range(10):
            r = request("GET", f"{HTTP}/{alias}")
            assert (r.status, r.headers["location"]) == (302, "https://example.com/db-down")
        c = api.create(longUrl="https://example.com/while-down")
        assert c.status == 503, c
        assert c.headers["content-type"] == "application/problem+json"
        assert c.headers.get("retry-after")
        miss = request("GET", f"{HTTP}/notCachedAnywhere7", {"Accept": "application/json"})
        assert miss.status == 503
        assert request("GET", f"{HTTPS}/api/health").status == 503
    finally:
        stackctl("start-mariadb")
    assert link_count() == before
    # Every worker reconnects by itself.
    for _ in range(WORKERS * 2):
        assert api.create(longUrl="https://example.com/after-restart").status == 201


def test_sigkill_of_a_worker_under_load_loses_at_most_the_request_in_flight(api):
    alias = api.create(longUrl="https://example.com/kill").json()["alias"]
    assert len(worker_pids()) == WORKERS
    killed, attempts = None, 0
    with Load(f"{HTTP}/{alias}") as load:
        time.sleep(1.0)
        # Workers also recycle under this load (SHORTLINK_MAX_REQUESTS): a victim may exit by itself just
        # before the signal lands, so try again until one is logged as killed.
        for _ in range(5):
            victim = worker_pids()[0]
            try:
                os.kill(victim, signal.SIGKILL)
            except ProcessLookupError:
                continue  # it was recycled between the listing and the signal
            attempts += 1
            if wait_for(lambda: f'msg="worker died" pid={victim} role=master signal=9 ' in log_text(), timeout=2):
                killed = victim
                break
        time.sleep(1.0)
    assert killed is not None
    assert load.ok > 200
    assert len(load.failures) <= attempts, load.failures  # at most the request in flight, per kill
    assert wait_for(lambda: len(worker_pids()) == WORKERS and killed not in worker_pids())


def test_hup_under_load_fails_no_request(api):
    alias = api.create(longUrl="https://example.com/hup").json()["alias"]
    before = set(worker_pids())
    with Load(f"{HTTP}/{alias}") as load:
        time.sleep(0.7)
        os.kill(master_pid(), signal.SIGHUP)
        time.sleep(2.0)
    assert load.ok > 200
    assert load.failures == []
    assert wait_for(lambda: len(worker_pids()) == WORKERS and not (set(worker_pids()) & before))


def test_hup_with_a_bad_config_keeps_the_old_workers(api):
    conf = os.path.join(STACK_DIR, "shortlink.conf")
    with open(conf) as f:
        good = f.read()
    before = worker_pids()
    try:
        with open(conf, "a") as f:
            f.write("SHORTLINK_WORKERS=lots\n")
        os.kill(master_pid(), signal.SIGHUP)
        assert wait_for(lambda: "reload failed: invalid config" in log_text(), timeout=5)
        assert worker_pids() == before
        alias = api.create(longUrl="https://example.com/still-up").json()["alias"]
        assert request("GET", f"{HTTP}/{alias}").status == 302
    finally:
        with open(conf, "w") as f:
            f.write(good)


def test_ttin_and_ttou_change_the_worker_count():
    os.kill(master_pid(), signal.SIGTTIN)
    assert wait_for(lambda: len(worker_pids()) == WORKERS + 1)
    os.kill(master_pid(), signal.SIGTTOU)
    assert wait_for(lambda: len(worker_pids()) == WORKERS)


def test_workers_recycle_after_max_requests_without_failures(api):
    alias = api.create(longUrl="https://example.com/recycle").json()["alias"]
    with Load(f"{HTTP}/{alias}", threads=4) as load:
        time.sleep(3.0)
    assert load.failures == []
    assert load.ok > 600
    assert "worker recycling after max requests" in log_text()
