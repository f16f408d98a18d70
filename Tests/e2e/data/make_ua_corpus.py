#!/usr/bin/env python3
"""Builds user-agents.txt: real User-Agent strings from two maintained collections, stratified by kind so that
every class the ingester tells apart is well represented. Rerun to refresh (the output is committed so the
corpus test compares the same strings every time):

    python3 Tests/e2e/data/make_ua_corpus.py > Tests/e2e/data/user-agents.txt

Sources: uap-core's test files (Debian package `uap-core`, /usr/share/uap-core/tests) for browsers, phones,
tablets and other devices; crawler-user-agents' recorded instances (PyPI `crawler-user-agents`) for bots,
link-preview fetchers and uptime monitors. Strings are picked by simple markers, never by either classifier."""
import json, os, random, sys
import yaml
import crawleruseragents

UAP = "/usr/share/uap-core/tests"
rng = random.Random(20261128)

def uap_strings():
    seen = set()
    for name in ("test_ua.yaml", "test_os.yaml", "test_device.yaml"):
        with open(os.path.join(UAP, name)) as f:
            for case in yaml.safe_load(f)["test_cases"]:
                s = case["user_agent_string"]
                if s not in seen and "\n" not in s and s.isprintable():
                    seen.add(s)
                    yield s

def pick(pool, n, test):
    found = sorted({s for s in pool if test(s)})
    rng.shuffle(found)
    return found[:n]

pool = list(uap_strings())
browsers = ("Chrome/", "Firefox/", "Safari/", "Edg/", "OPR/")
groups = [
    ("desktop Windows", 45, lambda s: "Windows NT" in s and any(b in s for b in browsers) and "bot" not in s.lower()),
    ("desktop Mac", 30, lambda s: "Macintosh" in s and any(b in s for b in browsers) and "bot" not in s.lower()),
    ("desktop Linux", 15, lambda s: "X11" in s and "Linux" in s and any(b in s for b in browsers) and "bot" not in s.lower()),
    ("iPhone", 40, lambda s: "iPhone;" in s and "bot" not in s.lower()),
    ("Android phone", 45, lambda s: "Android" in s and "Mobile" in s and "bot" not in s.lower()),
    ("iPad", 20, lambda s: "iPad;" in s and "bot" not in s.lower()),
    ("Android tablet", 30, lambda s: "Android" in s and "Mobile" not in s and "Tablet" in s or "SM-T" in s or "SM-X" in s),
    ("Kindle", 8, lambda s: "Kindle" in s or "Silk/" in s),
    ("TV and console", 15, lambda s: any(k in s for k in ("SMART-TV", "SmartTV", "PlayStation", "Xbox", "Nintendo", "AppleTV", "CrKey"))),
]
out = []
for label, n, test in groups:
    out.append(f"# {label}")
    out += pick(pool, n, test)

crawlers = json.load(open(os.path.join(os.path.dirname(crawleruseragents.__file__), "crawler-user-agents.json")))
previews = ("Slack", "Twitterbot", "facebookexternalhit", "LinkedInBot", "Discordbot", "TelegramBot", "WhatsApp", "Mastodon",
            "Facebot", "SkypeUriPreview", "redditbot", "Pinterest", "vkShare", "Embedly")
monitors = ("UptimeRobot", "Pingdom", "StatusCake", "Site24x7", "NewRelicPinger", "uptime", "Better Uptime", "Checkly", "monitor")
instances = sorted({i for c in crawlers for i in c.get("instances", []) if i.isprintable()})
out.append("# link-preview fetchers")
out += pick(instances, 30, lambda s: any(p in s for p in previews))
out.append("# uptime monitors")
out += pick(instances, 15, lambda s: any(m.lower() in s.lower() for m in monitors))
out.append("# search engines and other crawlers")
out += pick(instances, 45, lambda s: not any(p in s for p in previews) and not any(m.lower() in s.lower() for m in monitors))
# Apple's iMessage previews send this exact string.
out.append("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0")
sys.stdout.write("\n".join(out) + "\n")
