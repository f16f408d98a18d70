"""The nginx site's security headers are on every answer, whoever produced it: the application (API, short
links, pages) or nginx itself (fixed answers, redirects, errors). nginx drops inherited add_header lines in a
location that sets its own, so each such location includes the headers again; this test catches one that
does not. HSTS only over HTTPS (RFC 6797 §7.2)."""
import pytest

from conftest import API, HTTP, HTTPS, admin_key, fresh_source, request

COMMON = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer-when-downgrade"}
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def answers():
    """(what, response) for one answer of every kind the site gives."""
    key = {"Authorization": f"Bearer {admin_key()}"}
    r = API(admin_key()).create(longUrl="https://example.com/h")
    assert r.status == 201, r
    alias = r.json()["alias"]
    out = []
    for base in (HTTP, HTTPS):
        out += [
            (f"{base} redirect", request("GET", f"{base}/{alias}")),
            (f"{base} unknown link", request("GET", f"{base}/noSuchLinkHere")),
            (f"{base} landing page", request("GET", f"{base}/")),
            (f"{base} product path", request("GET", f"{base}/app/")),
            (f"{base} robots.txt", request("GET", f"{base}/robots.txt")),
            (f"{base} favicon", request("GET", f"{base}/favicon.ico")),
            (f"{base} well-known", request("GET", f"{base}/.well-known/security.txt")),
            (f"{base} TRACE", request("TRACE", f"{base}/{alias}")),
            (f"{base} over-long URI", request("GET", f"{base}/" + "a" * 20000)),
        ]
    out += [
        ("api 200", request("GET", f"{HTTPS}/api/v1/health")),
        ("api 401", request("GET", f"{HTTPS}/api/v1/urls/x", source=fresh_source())),
        ("api 404", request("GET", f"{HTTPS}/api/v1/urls/noSuchLinkHere", key)),
        ("api 201", request("POST", f"{HTTPS}/api/v1/urls", key, {"longUrl": "https://example.com/h2"})),
        ("api 415", request("POST", f"{HTTPS}/api/v1/urls", {**key, "Content-Type": "text/plain"}, "x")),
        ("api nginx 405", request("TRACE", f"{HTTPS}/api/v1/urls")),
        ("api nginx 413", request("POST", f"{HTTPS}/api/v1/urls", {**key, "Content-Type": "application/json"}, b"{" + b" " * (2 << 20) + b"}")),
        ("http api 308", request("GET", f"{HTTP}/api/v1/health")),
    ]
    source = fresh_source()
    burst = [request("GET", f"{HTTPS}/api/v1/health", source=source) for _ in range(150)]
    limited = [r for r in burst if r.status == 429 and "ratelimit-limit" not in r.headers]  # nginx's own 429
    assert limited, "nginx's fence did not answer"
    out.append(("api nginx 429", limited[0]))
    return out


@pytest.fixture(scope="module")
def every_answer():
    return answers()


def test_every_answer_carries_the_common_headers(every_answer):
    missing = []
    for what, r in every_answer:
        for name, value in COMMON.items():
            if r.headers.get(name) != value:
                missing.append((what, r.status, name, r.headers.get(name)))
    assert not missing, missing


def test_hsts_on_https_answers_only(every_answer):
    for what, r in every_answer:
        over_https = what.startswith(HTTPS) or what.startswith("api")
        if over_https:
            assert r.headers.get("strict-transport-security") == "max-age=63072000", (what, r.status, r.headers)
        else:
            assert "strict-transport-security" not in r.headers, (what, r.status, r.headers)


def test_api_answers_and_nginx_errors_carry_the_strict_csp(every_answer):
    for what, r in every_answer:
        if what.startswith("api") or "TRACE" in what or "over-long" in what:
            assert r.headers.get("content-security-policy") == API_CSP, (what, r.status, r.headers)
