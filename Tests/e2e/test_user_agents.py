"""User-agent classification over a corpus of real strings (Tests/e2e/data/user-agents.txt: browsers, phones,
tablets, consoles, bots, link-preview fetchers, uptime monitors), compared with two well-known Python parsers:
`ua-parser` (browser family) with `user-agents` (device class) and `crawler-user-agents` (bots). shortlink
must agree on the device class for at least 98 % of the strings and on the browser family for 95 %; every
disagreement is printed."""
import json
import os
import subprocess

import crawleruseragents
import user_agents
from ua_parser import user_agent_parser

from conftest import STACK_DIR

CORPUS = os.path.join(os.path.dirname(__file__), "data", "user-agents.txt")


def reference(ua):
    """What the Python libraries say: bot, tablet, mobile, desktop, other (in that order)."""
    parsed = user_agents.parse(ua)
    if parsed.is_bot or crawleruseragents.is_crawler(ua):
        device = "bot"
    elif parsed.is_tablet:
        device = "tablet"
    elif parsed.is_mobile:
        device = "mobile"
    elif parsed.is_pc:
        device = "desktop"
    else:
        device = "other"
    family = user_agent_parser.ParseUserAgent(ua)["family"]
    return device, ("" if family == "Other" else family)


def ours(strings):
    env = dict(os.environ, SHORTLINK_CONFIG=os.path.join(STACK_DIR, "shortlink.conf"))
    out = subprocess.run([os.path.join(os.environ["SL_BIN"], "shortlinkctl"), "classify", "--json"], input="\n".join(strings) + "\n",
                         env=env, capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def test_classification_agrees_with_well_known_parsers():
    strings = [s for s in open(CORPUS, encoding="utf-8").read().splitlines() if s and not s.startswith("#")]
    assert len(strings) >= 300
    results = ours(strings)
    assert [r["userAgent"] for r in results] == strings
    device_misses, browser_misses = [], []
    for ua, r in zip(strings, results):
        device, family = reference(ua)
        if r["device"] != device:
            device_misses.append(f"device ours={r['device']} theirs={device}: {ua}")
        if r["browser"] != family:
            browser_misses.append(f"browser ours={r['browser']!r} theirs={family!r}: {ua}")
    for line in device_misses + browser_misses:
        print(line)
    kinds = {r["device"] for r in results}
    assert kinds >= {"desktop", "mobile", "tablet", "bot", "other"}
    device_agreement = 1 - len(device_misses) / len(strings)
    browser_agreement = 1 - len(browser_misses) / len(strings)
    print(f"{len(strings)} user agents: device class agreement {device_agreement:.1%}, browser family {browser_agreement:.1%}")
    assert device_agreement >= 0.98, device_misses
    assert browser_agreement >= 0.95, browser_misses
