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
    """The link's clicks in the rollups, people's and bots'."""
    return int(sql(f"SELECT COALESCE(SUM(clicks + bots), 0) FROM click_rollups WHERE link_id = {int(link_id)} AND dimension = 'total'")[0][0])


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
    # The destination the visitor was sent to: the visit's query is passed on by default.
    assert row == ["mail.example.org", "news letter", "email", "spring",
                   "https://example.com/campaign?utm_source=news%20letter&utm_medium=email&utm_campaign=spring&x=1", "0", "1"]
    lid = link_id(alias)
    dims = sql(f"SELECT dimension, value, SUM(clicks) FROM click_rollups WHERE link_id = {lid} GROUP BY dimension, value ORDER BY dimension")
    # "Campaign/1" is no browser uap-core knows, nor a listed crawler; 127.0.0.1 is in no GeoIP range.
    assert dims == [["browser", "", "1"], ["country", "", "1"], ["device", "other", "1"], ["os", "", "1"],
                    ["referrer", "mail.example.org", "1"], ["source", "link", "1"], ["total", "", "1"], ["uniques", "", "1"],
                    ["utm_campaign", "spring", "1"], ["utm_medium", "email", "1"], ["utm_source", "news letter", "1"]]


IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.1 Mobile/15E148 Safari/604.1")
WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"


def breakdown(api, alias, dimension, extra=""):
    r = api.call("GET", f"/api/v1/urls/{alias}/analytics/breakdown?dimension={dimension}{extra}")
    assert r.status == 200, r
    return {i["value"]: i["clicks"] for i in r.json()["items"]}


def test_device_place_and_qr_scans_are_derived_and_broken_down(api):
    """The tests' GeoIP database (Tests/e2e/data/make_test_geo.py) puts 127.1/16 in Munich, 127.2/16 in Tokyo."""
    alias = api.create(longUrl="https://example.com/enriched").json()["alias"]
    assert request("GET", f"{HTTP}/{alias}?qr=1", {"User-Agent": IPHONE}, source="127.1.0.9").status == 302
    assert request("GET", f"{HTTP}/{alias}", {"User-Agent": WINDOWS}, source="127.2.0.9").status == 302
    assert request("GET", f"{HTTP}/{alias}", {"User-Agent": WINDOWS}, source="127.2.0.9").status == 302
    assert wait_for(lambda: len(click_row(alias, "id")) == 3, timeout=10)
    rows = click_row(alias, "device, os, os_version, browser, browser_version, is_bot, country, region, city, via_qr, ip")
    assert rows[0] == ["mobile", "iOS", "17", "Mobile Safari", "17", "0", "DE", "Bavaria", "Munich", "1", "127.1.0.0"]
    assert rows[1] == ["desktop", "Windows", "10", "Chrome", "120", "0", "JP", "Tokyo", "Tokyo", "0", "127.2.0.0"]
    assert breakdown(api, alias, "country") == {"JP": 2, "DE": 1}
    assert breakdown(api, alias, "device") == {"desktop": 2, "mobile": 1}
    assert breakdown(api, alias, "os") == {"Windows": 2, "iOS": 1}
    assert breakdown(api, alias, "browser") == {"Chrome": 2, "Mobile Safari": 1}
    assert breakdown(api, alias, "source") == {"link": 2, "qr": 1}
    body = api.call("GET", f"/api/v1/urls/{alias}/analytics").json()
    assert body["clickCount"] == 3 and body["uniqueVisitors"] == 2 and body["botClicks"] == 0
    newest = body["analytics"][0]
    assert (newest["device"], newest["os"], newest["browser"], newest["country"], newest["city"], newest["source"]) == \
        ("desktop", "Windows 10", "Chrome 120", "JP", "Tokyo", "link")
    series = api.call("GET", f"/api/v1/urls/{alias}/analytics/timeseries?interval=hour").json()
    assert series["total"] == 3 and series["uniques"] == 2


def test_bots_and_link_previews_are_left_out_unless_asked_for(api):
    alias = api.create(longUrl="https://example.com/previewed").json()["alias"]
    fetchers = ["Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
                "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
                "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", "TelegramBot (like TwitterBot)",
                "WhatsApp/2.23.20.0 A", "Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
                "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", None]
    for ua in fetchers:
        assert request("GET", f"{HTTP}/{alias}", {"User-Agent": ua}).status == 302
    assert request("GET", f"{HTTP}/{alias}", {"User-Agent": WINDOWS}).status == 302
    assert wait_for(lambda: len(click_row(alias, "id")) == len(fetchers) + 1, timeout=10)
    assert [r[0] for r in click_row(alias, "is_bot")] == ["1"] * len(fetchers) + ["0"]
    body = api.call("GET", f"/api/v1/urls/{alias}/analytics").json()
    assert body["clickCount"] == 1 and body["botClicks"] == len(fetchers) and len(body["analytics"]) == 1
    everyone = api.call("GET", f"/api/v1/urls/{alias}/analytics?bots=include").json()
    assert everyone["clickCount"] == len(fetchers) + 1 and len(everyone["analytics"]) == len(fetchers) + 1
    assert breakdown(api, alias, "device") == {"desktop": 1}
    assert breakdown(api, alias, "device", "&bots=include") == {"bot": len(fetchers), "desktop": 1}
    series = api.call("GET", f"/api/v1/urls/{alias}/analytics/timeseries?interval=day&bots=include").json()
    assert series["total"] == len(fetchers) + 1 and series["uniques"] == 1  # bots are never unique visitors
    bad = api.call("GET", f"/api/v1/urls/{alias}/analytics?bots=maybe")
    assert bad.status == 400 and bad.json()["errors"][0]["field"] == "bots"


def test_do_not_track_counts_the_visit_and_keeps_nothing_personal(api):
    alias = api.create(longUrl="https://example.com/dnt").json()["alias"]
    assert request("GET", f"{HTTP}/{alias}", {"DNT": "1", "User-Agent": "Private/1", "Referer": "https://a.example/p?me=1"}).status == 302
    assert request("GET", f"{HTTP}/{alias}?dnt=1&utm_source=x", {"User-Agent": "Private/2"}).status == 302
    assert wait_for(lambda: len(click_row(alias, "id")) == 2, timeout=10)
    rows = click_row(alias, "ip, user_agent, referer, referrer_host, utm_source, do_not_track, visitor_hash IS NULL")
    assert rows == [["", "", "", "a.example", "", "1", "1"], ["", "", "", "", "x", "1", "1"]]
    # Coarse facts stay (they name no one): no region or city, nor a unique-visitor count.
    assert request("GET", f"{HTTP}/{alias}", {"DNT": "1", "User-Agent": IPHONE}, source="127.1.0.10").status == 302
    assert wait_for(lambda: len(click_row(alias, "id")) == 3, timeout=10)
    assert click_row(alias, "device, os, country, region, city, ip")[2] == ["mobile", "iOS", "DE", "", "", ""]
    body = api.call("GET", f"/api/v1/urls/{alias}/analytics").json()
    assert body["clickCount"] == 3 and body["uniqueVisitors"] == 0


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


def test_account_and_team_summaries_and_csv_exports():
    from conftest import grant_plan, new_user, signed_in
    owner = signed_in(new_user("summary")[0])
    grant_plan(owner, "pro")
    first = owner.create(longUrl="https://example.com/s1").json()["alias"]
    second = owner.create(longUrl="https://example.com/s2").json()["alias"]
    team = owner.call("POST", "/api/teams", {"name": "Summaries"}).json()["id"]
    shared = owner.create(longUrl="https://example.com/s3", teamId=team).json()["alias"]
    visits = [(first, WINDOWS, "https://news.example/"), (first, WINDOWS, "=HYPERLINK(\"http://evil.example\")"),
              (first, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", ""),
              (second, IPHONE, ""), (shared, WINDOWS, ""), (shared, IPHONE, "")]
    for alias, ua, ref in visits:
        assert request("GET", f"{HTTP}/{alias}", {"User-Agent": ua, "Referer": ref or None}).status == 302
    ids = ",".join(str(link_id(a)) for a in (first, second, shared))
    assert wait_for(lambda: sql(f"SELECT COUNT(*) FROM clicks WHERE link_id IN ({ids})") == [[str(len(visits))]], timeout=10)

    mine = owner.call("GET", "/api/analytics/summary").json()
    assert mine["scope"] == "account" and mine["detailed"] is True
    assert mine["clicks"] == 3 and mine["botClicks"] == 1 and mine["uniques"] == 2  # one visitor per link and day
    assert mine["topLinks"] == [{"alias": first, "clicks": 2}, {"alias": second, "clicks": 1}]
    assert len(mine["days"]) in (30, 31) and mine["days"][-1]["clicks"] == 3
    assert owner.call("GET", "/api/analytics/summary?bots=include").json()["clicks"] == 4
    theirs = owner.call("GET", f"/api/teams/{team}/analytics/summary").json()
    assert theirs["scope"] == "team" and theirs["clicks"] == 2 and theirs["topLinks"] == [{"alias": shared, "clicks": 2}]
    stranger = signed_in(new_user("stranger")[0])
    assert stranger.call("GET", f"/api/teams/{team}/analytics/summary").status == 404
    assert stranger.call("GET", "/api/analytics/summary").json()["clicks"] == 0

    # CSV: the account's days, a link's clicks page by page, a breakdown; formulas defused.
    days = owner.call("GET", "/api/analytics/summary?format=csv")
    assert days.status == 200 and days.headers["content-type"].startswith("text/csv")
    lines = days.body.decode().split("\r\n")
    assert lines[0] == "day,clicks,uniques" and lines[-2].endswith(",3,2") and lines[-1] == ""
    page = owner.call("GET", f"/api/v1/urls/{first}/analytics?format=csv&limit=1")
    assert page.status == 200 and 'attachment; filename="' in page.headers["content-disposition"]
    rows = page.body.decode().split("\r\n")
    assert rows[0] == "timestamp,ip,userAgent,referer,device,os,browser,country,region,city,source" and len(rows) == 3
    assert "'=HYPERLINK(\"\"http://evil.example\"\")" in rows[1]  # the newest human click, quoted and defused
    nxt = page.headers["link"]
    assert nxt.endswith('>; rel="next"')
    second_page = owner.call("GET", nxt[1:nxt.index(">")])
    assert second_page.status == 200 and "https://news.example/" in second_page.body.decode()
    last = owner.call("GET", second_page.headers["link"][1:second_page.headers["link"].index(">")])  # the bot is left out
    assert last.body.decode().count("\r\n") == 1 and "link" not in last.headers
    devices = owner.call("GET", f"/api/v1/urls/{first}/analytics/breakdown?dimension=device&format=csv&bots=include")
    assert devices.body.decode() == "device,clicks\r\ndesktop,2\r\nbot,1\r\n"
    series = owner.call("GET", f"/api/v1/urls/{first}/analytics/timeseries?interval=day&format=csv")
    assert series.body.decode().startswith("start,clicks,uniques\r\n")
    # A plan without detailed analytics: the counts, never the export.
    assert stranger.call("GET", "/api/analytics/summary").json()["detailed"] is False
    refused = stranger.call("GET", "/api/analytics/summary?format=csv")
    assert refused.status == 403 and refused.json()["type"] == "/problems/requires-plan-pro"
    assert owner.call("GET", f"/api/v1/urls/{first}/analytics?format=csv&limit=10001").status == 422
    assert owner.call("GET", "/api/analytics/summary?format=xml").status == 400


def test_the_qr_code_is_an_svg_whose_scans_count_apart(api):
    alias = api.create(longUrl="https://example.com/poster").json()["alias"]
    r = api.call("GET", f"/api/v1/urls/{alias}/qr?size=4")
    assert r.status == 200 and r.headers["content-type"] == "image/svg+xml" and r.body.startswith(b"<svg")
    big = api.call("GET", f"/api/v1/urls/{alias}/qr").body
    import re
    modules = re.search(rb'viewBox="0 0 (\d+) ', r.body).group(1)
    assert re.search(rb' d="([^"]+)"', big).group(1) == re.search(rb' d="([^"]+)"', r.body).group(1)  # the same code
    assert f'width="{int(modules) * 8}"'.encode() in big and f'width="{int(modules) * 4}"'.encode() in r.body
    assert api.call("GET", f"/api/v1/urls/{alias}/qr?size=0").status == 400
    assert api.call("GET", "/api/v1/urls/nope12345/qr").status == 404
    # What the code holds: the short URL with qr=1, which the analytics count as a scan.
    assert request("GET", f"{HTTP}/{alias}?qr=1").status == 302
    assert wait_for(lambda: breakdown(api, alias, "source") == {"qr": 1}, timeout=10)
