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
