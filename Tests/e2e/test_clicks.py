"""Clicks end to end: a redirect through nginx reaches the analytics API through the spool and the ingester,
exactly once, whatever is killed or restarted on the way."""
import json
import os
import signal
import time

from conftest import (API, HTTP, HTTPS, Load, admin_key, ctl, fresh_source, request, sql, stackctl, wait_for,
                      worker_pids)


def ingested_count(link_id):
    return int(sql(f"SELECT COUNT(*) FROM clicks WHERE link_id = {int(link_id)}")[0][0])


def rolled_up(link_id):
    return int(sql(f"SELECT COALESCE(SUM(clicks), 0) FROM click_rollups WHERE link_id = {int(link_id)} AND dimension = 'total'")[0][0])


def link_id(alias):
    return int(sql(f"SELECT id FROM links WHERE code = '{alias}'")[0][0])


def status():
    return json.loads(ctl("status", "--json"))


def caught_up():
    try:
        return status()["bytesBehind"] == 0
    except Exception:
        return False


def test_a_click_shows_in_the_analytics_within_seconds(api):
    alias = api.create(longUrl="https://example.com/counted").json()["alias"]
    r = request("GET", f"{HTTP}/{alias}", {"User-Agent": "ClickTest/1.0", "Referer": "https://news.example/post"})
    assert r.status == 302
    assert request("HEAD", f"{HTTP}/{alias}").status == 302  # a probe, not a click
    assert wait_for(lambda: api.call("GET", f"/api/v1/urls/{alias}/analytics").json()["clickCount"] == 1, timeout=10)
    body = api.call("GET", f"/api/v1/urls/{alias}/analytics").json()
    assert body["alias"] == alias and body["detailed"] is True and body["nextCursor"] is None
    [click] = body["analytics"]
    assert click["userAgent"] == "ClickTest/1.0" and click["referer"] == "https://news.example/post"
    assert click["ip"] == "127.0.0.0" and click["timestamp"].endswith("Z")  # SHORTLINK_CLICK_ADDRESSES=truncated
    time.sleep(0.5)
    assert api.call("GET", f"/api/v1/urls/{alias}/analytics").json()["clickCount"] == 1  # the HEAD never counts


def click_row(alias, columns):
    rows = sql(f"SELECT {columns} FROM clicks WHERE code = '{alias}' ORDER BY id")
    return rows


def test_where_a_click_came_from_is_kept_and_rolled_up(api):
    alias = api.create(longUrl="https://example.com/campaign").json()["alias"]
    r = request("GET", f"{HTTP}/{alias}?utm_source=news%20letter&utm_medium=email&utm_campaign=spring&x=1",
                {"User-Agent": "Campaign/1", "Referer": "https://Mail.Example.org/inbox"})
    assert r.status == 302
    assert wait_for(lambda: len(click_row(alias, "id")) == 1, timeout=10)
    [row] = click_row(alias, "referrer_host, utm_source, utm_medium, utm_campaign, destination, do_not_track, HEX(visitor_hash) IS NOT NULL")
    assert row == ["mail.example.org", "news letter", "email", "spring", "https://example.com/campaign", "0", "1"]
    lid = link_id(alias)
    dims = sql(f"SELECT dimension, value, SUM(clicks) FROM click_rollups WHERE link_id = {lid} GROUP BY dimension, value ORDER BY dimension")
    assert dims == [["referrer", "mail.example.org", "1"], ["total", "", "1"], ["utm_campaign", "spring", "1"],
                    ["utm_medium", "email", "1"], ["utm_source", "news letter", "1"]]


def test_do_not_track_counts_the_visit_and_keeps_nothing_personal(api):
    alias = api.create(longUrl="https://example.com/dnt").json()["alias"]
    assert request("GET", f"{HTTP}/{alias}", {"DNT": "1", "User-Agent": "Private/1", "Referer": "https://a.example/p?me=1"}).status == 302
    assert request("GET", f"{HTTP}/{alias}?dnt=1&utm_source=x", {"User-Agent": "Private/2"}).status == 302
    assert wait_for(lambda: len(click_row(alias, "id")) == 2, timeout=10)
    rows = click_row(alias, "ip, user_agent, referer, referrer_host, utm_source, do_not_track, visitor_hash IS NULL")
    assert rows == [["", "", "", "a.example", "", "1", "1"], ["", "", "", "", "x", "1", "1"]]
    assert api.call("GET", f"/api/v1/urls/{alias}/analytics").json()["clickCount"] == 2


def test_unknown_codes_and_the_bare_domain_are_kept_as_orphan_visits():
    code = f"gone{time.time_ns() % 10**9}"
    assert request("GET", f"{HTTP}/{code}", {"Accept": "text/html"}).status == 404
    assert request("HEAD", f"{HTTP}/{code}").status == 404  # probes are not kept
    assert request("GET", f"{HTTP}/wp-login.php").status == 404  # not a code: answered, not kept
    assert request("GET", f"{HTTP}/", {"User-Agent": f"Bare/{code}"}).status == 200
    assert wait_for(lambda: len(sql(f"SELECT id FROM clicks WHERE link_id = 0 AND code = '{code}'")) == 1, timeout=10)
    assert sql(f"SELECT status FROM clicks WHERE link_id = 0 AND code = '{code}'") == [["404"]]
    assert wait_for(lambda: len(sql(f"SELECT id FROM clicks WHERE link_id = 0 AND code = '' AND user_agent = 'Bare/{code}'")) == 1)
    assert sql("SELECT COUNT(*) FROM clicks WHERE code = 'wp-login.php'") == [["0"]]


def test_the_free_plan_sees_the_count_only():
    from conftest import new_user, signed_in
    email_address, _ = new_user("free-analytics")
    session = signed_in(email_address)
    alias = session.create(longUrl="https://example.com/free").json()["alias"]
    assert request("GET", f"{HTTP}/{alias}").status == 302
    assert wait_for(lambda: session.call("GET", f"/api/urls/{alias}/analytics").json()["clickCount"] == 1, timeout=10)
    body = session.call("GET", f"/api/urls/{alias}/analytics").json()
    assert body["detailed"] is False and body["analytics"] == [] and body["requiredPlan"] == "pro"


def test_status_reports_the_lag_while_the_ingester_is_stopped(api):
    alias = api.create(longUrl="https://example.com/lag").json()["alias"]
    stackctl("stop-ingest")
    try:
        for _ in range(5):
            assert request("GET", f"{HTTP}/{alias}").status == 302
        assert wait_for(lambda: status()["bytesBehind"] > 0, timeout=5)
        s = status()
        assert s["filesPending"] >= 1 and s["secondsBehind"] >= 0
    finally:
        stackctl("start-ingest")
    assert wait_for(caught_up, timeout=15)
    assert ingested_count(link_id(alias)) == 5


def test_exactly_once_while_workers_the_ingester_and_mariadb_die():
    """Redirects through nginx under load while a worker and the ingester are SIGKILLed and MariaDB restarts:
    afterwards the clicks table holds exactly one row per 302 served, and the rollups agree."""
    api = API(admin_key(), source=fresh_source())
    alias = api.create(longUrl="https://example.com/exactly-once").json()["alias"]
    lid = link_id(alias)
    for _ in range(6):  # warm every worker's cache: redirects go on while MariaDB is down
        request("GET", f"{HTTP}/{alias}")
    with Load(f"{HTTP}/{alias}", threads=4) as load:
        time.sleep(1.0)
        stackctl("kill-ingest")
        time.sleep(0.5)
        stackctl("start-ingest")
        time.sleep(1.0)
        os.kill(worker_pids()[0], signal.SIGKILL)
        time.sleep(1.0)
        stackctl("stop-mariadb")
        time.sleep(1.0)
        stackctl("kill-ingest")
        stackctl("start-mariadb")
        stackctl("start-ingest")
        time.sleep(1.5)
    served = load.ok + 6
    assert served > 100, load.failures[:5]
    assert wait_for(caught_up, timeout=30, interval=0.25), status()
    # Every redirect served is a click, once. The one request in flight in the killed worker was decided and
    # spooled but its answer was cut (its client saw an error): it may count too, never more than that.
    in_flight = min(1, len(load.failures))
    assert wait_for(lambda: served <= ingested_count(lid) <= served + in_flight, timeout=10), (ingested_count(lid), served, load.failures[:5])
    time.sleep(1.0)
    total = ingested_count(lid)
    assert served <= total <= served + in_flight  # and nothing more arrives later
    assert rolled_up(lid) == total


def test_series_and_breakdowns_read_the_rollups(api):
    alias = api.create(longUrl="https://example.com/series").json()["alias"]
    for ref in ("https://a.example/1", "https://a.example/2", "https://b.example/", ""):
        assert request("GET", f"{HTTP}/{alias}", {"Referer": ref} if ref else {}).status == 302
    assert wait_for(lambda: api.call("GET", f"/api/v1/urls/{alias}/analytics").json()["clickCount"] == 4, timeout=10)
    series = api.call("GET", f"/api/v1/urls/{alias}/analytics/timeseries?interval=day&tz=Europe/Paris").json()
    assert series["total"] == 4 and series["timeZone"] == "Europe/Paris" and len(series["points"]) in (30, 31)
    assert series["points"][-1]["clicks"] == 4  # today, in Paris
    hours = api.call("GET", f"/api/v1/urls/{alias}/analytics/timeseries?interval=hour&tz=UTC").json()
    assert sum(p["clicks"] for p in hours["points"]) == 4
    refs = api.call("GET", f"/api/v1/urls/{alias}/analytics/breakdown?dimension=referrer").json()["items"]
    assert refs == [{"value": "a.example", "clicks": 2}, {"value": "", "clicks": 1}, {"value": "b.example", "clicks": 1}]
    bad = api.call("GET", f"/api/v1/urls/{alias}/analytics/timeseries?tz=Nowhere/Land")
    assert bad.status == 400 and bad.json()["type"] == "/problems/invalid-parameter" and bad.json()["errors"][0]["field"] == "tz"
