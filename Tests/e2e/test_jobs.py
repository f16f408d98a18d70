"""The timer jobs against the running stack: shortlink-expire deactivates links past their expiry (the API and
every worker see it), says what it did, changes nothing on --dry-run, finds nothing left the second time, and
does nothing while another run holds its lock."""
import datetime
import json
import os
import subprocess
import time

from conftest import HTTP, STACK_DIR, request, sql


def expire(*args):
    env = dict(os.environ, SHORTLINK_CONFIG=os.path.join(STACK_DIR, "shortlink.conf"))
    out = subprocess.run([os.path.join(os.environ["SL_BIN"], "shortlink-expire"), "--json", *args], env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def expiring_link(api, seconds=1.0):
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    r = api.create(longUrl="https://example.com/expiring", expirationDate=expires.isoformat(timespec="milliseconds").replace("+00:00", "Z"))
    assert r.status == 201, r
    alias = r.json()["alias"]
    assert request("GET", f"{HTTP}/{alias}").status == 302  # cached by the workers while it lives
    time.sleep(max(0.0, (expires - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) + 0.1)
    return alias


def test_expire_deactivates_once_and_dry_run_changes_nothing(api):
    alias = expiring_link(api)
    dry = expire("--dry-run")
    assert dry["ran"] and dry["dryRun"] and alias in dry["linksDeactivated"]
    assert api.get(alias).json()["isActive"] is True
    done = expire()
    assert done["ran"] and not done["dryRun"] and alias in done["linksDeactivated"]
    # A plan keeps analytics without limit (enterprise), so no partition goes.
    assert done["retentionDays"] is None and done["partitionsDropped"] == []
    assert api.get(alias).json()["isActive"] is False
    assert sql(f"SELECT COUNT(*) FROM audit_log WHERE action = 'link.expire' AND object_id = '{alias}'") == [["1"]]
    for _ in range(6):  # every worker answers from the database's word
        assert request("GET", f"{HTTP}/{alias}", {"Accept": "application/json"}).status == 410
    assert alias not in expire()["linksDeactivated"]


def test_a_run_that_overlaps_another_does_nothing(api):
    alias = expiring_link(api)
    holder = subprocess.Popen(["mariadb", f"--socket={STACK_DIR}/mariadb.sock", "-uroot", "-N", "-B", "-e",
                               "SELECT GET_LOCK('shortlink-expire', 0); SELECT SLEEP(3)"], stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        blocked = expire()
        assert blocked["ran"] is False and blocked["linksDeactivated"] == []
        assert api.get(alias).json()["isActive"] is True
    finally:
        holder.wait(timeout=10)
    assert alias in expire()["linksDeactivated"]


def test_the_human_report_says_what_was_done(api):
    alias = expiring_link(api)
    env = dict(os.environ, SHORTLINK_CONFIG=os.path.join(STACK_DIR, "shortlink.conf"))
    out = subprocess.run([os.path.join(os.environ["SL_BIN"], "shortlink-expire")], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert "deactivated" in out and alias in out and "click partitions kept" in out
    bad = subprocess.run([os.path.join(os.environ["SL_BIN"], "shortlink-expire"), "--now", "yesterday"], env=env,
                         capture_output=True, text=True)
    assert bad.returncode != 0 and "--now" in bad.stderr


def report(*args):
    env = dict(os.environ, SHORTLINK_CONFIG=os.path.join(STACK_DIR, "shortlink.conf"))
    out = subprocess.run([os.path.join(os.environ["SL_BIN"], "shortlink-report"), "--json", *args], env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def test_daily_reports_are_mailed_once_kept_and_downloadable(tmp_path):
    from conftest import grant_plan, mails_to, new_user, signed_in, wait_for, wait_mail
    address = new_user("reports")[0]
    owner = signed_in(address)
    grant_plan(owner, "pro")
    alias = owner.create(longUrl="https://example.com/reported").json()["alias"]
    for _ in range(3):
        assert request("GET", f"{HTTP}/{alias}", {"Referer": "https://news.example/story"}, source="127.1.0.20").status == 302
    link = sql(f"SELECT id FROM links WHERE code = '{alias}'")[0][0]
    assert wait_for(lambda: sql(f"SELECT clicks FROM link_click_totals WHERE link_id = {link}") == [["3"]], timeout=10)

    # Opt-in, through the API.
    assert owner.call("GET", "/api/me/reports/settings").json() == {"frequency": "off"}
    bad = owner.call("PUT", "/api/me/reports/settings", {"frequency": "hourly"})
    assert bad.status == 422 and bad.json()["errors"][0]["field"] == "frequency"
    extra = owner.call("PUT", "/api/me/reports/settings", {"frequency": "daily", "sendTo": "someone@else.example"})
    assert extra.status == 422 and extra.json()["errors"][0]["field"] == "sendTo"
    assert owner.call("PUT", "/api/me/reports/settings", {"frequency": "daily"}).json() == {"frequency": "daily"}

    tomorrow = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).strftime("%Y-%m-%dT00:40:00Z")
    # A dry run writes the files and changes nothing.
    dry = report("--dry-run", "--out", str(tmp_path), "--now", tomorrow)
    [mine] = [m for m in dry["made"] if m["name"] == address]
    assert mine["clicks"] == 3 and sorted(os.listdir(tmp_path)) == sorted(mine["files"])
    assert "<svg" in (tmp_path / mine["files"][0]).read_text()
    assert owner.call("GET", "/api/reports").json()["items"] == [] and mails_to(address)[-1]["Subject"].find("clicks") < 0

    done = report("--now", tomorrow)
    [made] = [m for m in done["made"] if m["name"] == address]
    assert made["clicks"] == 3 and made["recipients"] == [address] and made["frequency"] == "daily"
    msg = wait_mail(address, "Daily clicks")
    assert "3 clicks" in msg["Subject"]
    html = msg.get_body(preferencelist=("html",)).get_content()
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert "<svg" in html and alias in html and "DE" in html and "news.example" in html
    assert "Clicks: 3" in text
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename().endswith(".csv")
    csv_text = attachment.get_content()
    assert f"link,{alias},3," in csv_text and "country,DE,3," in csv_text and "referrer,news.example,3," in csv_text

    # Once per period: another run the same day mails nothing more.
    again = report("--now", tomorrow)
    assert address not in [m["name"] for m in again["made"]] and again["skipped"] >= 1
    time.sleep(1.0)
    assert len([m for m in mails_to(address) if "Daily clicks" in m["Subject"]]) == 1

    # Kept for download: the list, the page as mailed (nothing may load or run), its CSV; to others it does not exist.
    [kept] = owner.call("GET", "/api/reports").json()["items"]
    assert kept["clicks"] == 3 and kept["frequency"] == "daily" and kept["scope"] == "account"
    page = owner.call("GET", f"/api/reports/{kept['id']}")
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"] and b"<svg" in page.body
    assert f"link,{alias},3,".encode() in owner.call("GET", f"/api/reports/{kept['id']}?format=csv").body
    stranger = signed_in(new_user("nosy")[0])
    assert stranger.call("GET", f"/api/reports/{kept['id']}").status == 404
    # A report shows detailed analytics: a plan without them cannot opt in (opting out is always possible).
    refused = stranger.call("PUT", "/api/me/reports/settings", {"frequency": "weekly"})
    assert refused.status == 403 and refused.json()["type"] == "/problems/requires-plan-pro"
    assert stranger.call("PUT", "/api/me/reports/settings", {"frequency": "off"}).status == 200
    # Downgraded after opting in: left out of the next run, and said so.
    grant_plan(owner, "free")
    day_after = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)).strftime("%Y-%m-%dT00:40:00Z")
    later = report("--now", day_after)
    assert address not in [m["name"] for m in later["made"]] and later["refusedByPlan"] >= 1
    assert owner.call("PUT", "/api/me/reports/settings", {"frequency": "off"}).json() == {"frequency": "off"}


def test_team_reports_are_for_team_admins_to_choose():
    from conftest import grant_plan, invite_and_join, new_user, signed_in
    owner = signed_in(new_user("team-reports")[0])
    grant_plan(owner, "pro")  # a team with members
    team = owner.call("POST", "/api/teams", {"name": "Reported team"}).json()["id"]
    viewer = invite_and_join(owner, team, new_user("team-viewer")[0], "viewer")
    assert viewer.call("GET", f"/api/teams/{team}/reports/settings").json() == {"frequency": "off"}
    assert viewer.call("PUT", f"/api/teams/{team}/reports/settings", {"frequency": "weekly"}).status == 403
    assert owner.call("PUT", f"/api/teams/{team}/reports/settings", {"frequency": "weekly"}).json() == {"frequency": "weekly"}
    assert viewer.call("GET", f"/api/teams/{team}/reports").json() == {"items": []}
    outsider = signed_in(new_user("team-outsider")[0])
    assert outsider.call("GET", f"/api/teams/{team}/reports/settings").status == 404
    # The weekly report covers last week (Monday to Monday), whenever the run.
    next_monday = datetime.date.today() + datetime.timedelta(days=7 - datetime.date.today().weekday())
    made = report("--now", f"{next_monday.isoformat()}T01:00:00Z")
    [mine] = [m for m in made["made"] if m["name"] == "team Reported team"]
    assert mine["frequency"] == "weekly" and mine["periodStart"] == (next_monday - datetime.timedelta(days=7)).isoformat()
    assert [r["frequency"] for r in viewer.call("GET", f"/api/teams/{team}/reports").json()["items"]] == ["weekly"]


def test_a_report_run_that_overlaps_another_does_nothing():
    holder = subprocess.Popen(["mariadb", f"--socket={STACK_DIR}/mariadb.sock", "-uroot", "-N", "-B", "-e",
                               "SELECT GET_LOCK('shortlink-report', 0); SELECT SLEEP(3)"], stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        assert report()["ran"] is False
    finally:
        holder.wait(timeout=10)
    assert report()["ran"] is True
