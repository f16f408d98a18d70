"""Keeps docs/openapi.yaml and the router in step: the route table (`shortlinkctl routes --json`, the same data the
router matches on) has exactly the spec's operations, every documented operation answers one of its documented
statuses on both /api and /api/v1, and undocumented API paths and methods are refused."""
import json
import os

import pytest
import yaml

from conftest import API, HTTP, HTTPS, ctl, fresh_source, request

SPEC = yaml.safe_load(open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "openapi.yaml")))
METHODS = {"get", "head", "post", "patch", "delete", "put"}
OPERATIONS = [(path, method) for path, item in SPEC["paths"].items() for method in item if method in METHODS]


def test_every_operation_has_an_id_and_responses():
    for path, method in OPERATIONS:
        op = SPEC["paths"][path][method]
        assert op.get("operationId"), (path, method)
        assert op.get("responses"), (path, method)


def route_table():
    return [json.loads(line) for line in ctl("routes", "--json").splitlines()]


def test_the_route_table_is_the_spec():
    """Every route of the table is an operation of the spec with the same id, and every API operation is a route
    (the short-link host's `/` and `/{alias}` are served outside the API's table)."""
    table = {(r["method"].lower(), r["path"]): r for r in route_table()}
    spec = {(method, path): SPEC["paths"][path][method] for path, method in OPERATIONS if path not in ("/", "/{alias}")}
    assert set(table) == set(spec)
    for key, route in table.items():
        op = spec[key]
        assert route["operationId"] == op["operationId"], key
        # Open to anyone exactly where the spec needs no credential (`security: []`) or makes it optional (`{}`).
        security = op.get("security")
        assert (route["access"] == "anyone") == (security is not None and (security == [] or {} in security)), key
        assert route["rate"] == "per-caller", key


def test_the_route_table_reads_as_columns():
    assert "GET\t/urls/{alias}\tgetUrl\tscope:links:read|links:write\tper-caller" in ctl("routes").splitlines()


@pytest.mark.parametrize("path, method", OPERATIONS)
def test_documented_operation_is_routed(api, path, method):
    # Each case from its own client address: the many calls of this module stay under nginx's limit_req.
    api = API(api.key, source=fresh_source())
    alias = api.create(longUrl="https://example.com/spec").json()["alias"]
    documented = {int(code) for code in SPEC["paths"][path][method]["responses"]}
    bodies = {"post": {"longUrl": "https://example.com/spec2"}, "patch": {"isActive": True}}
    if path == "/keys":
        bodies = {"post": {"name": "spec", "scopes": ["links:read"]}}
    if path == "/keys/{id}":
        alias = api.create(longUrl="https://example.com/k").json()["alias"]  # unused; keys use their own id
    if path == "/admin/users/{id}":
        bodies = {"patch": {"isActive": True}}
    if path == "/subscriptions":
        bodies = {"post": {"plan": "enterprise"}, "patch": {"plan": "enterprise"}}
    if path in ("/", "/{alias}"):
        bases = [HTTP]
    else:
        bases = [f"{HTTPS}/api", f"{HTTPS}/api/v1"]
    for base in bases:
        if method == "delete":  # a fresh link per base
            alias = api.create(longUrl="https://example.com/spec").json()["alias"]
        key_id = api.call("POST", "/api/keys", {"name": "spec", "scopes": ["links:read"]}).json()["id"]
        url = base + path.replace("{alias}", alias).replace("{id}", key_id)
        r = request(method.upper(), url, api.auth(), bodies.get(method), source=api.source)
        assert r.status in documented, (method, url, r)


@pytest.mark.parametrize("method, path", [("GET", "/api/v1/links"), ("PUT", "/api/v1/urls"), ("POST", "/api/v1/health"),
                                          ("GET", "/api/v2/urls"), ("PUT", "/api/urls/abc")])
def test_undocumented_requests_are_refused(api, method, path):
    r = request(method, HTTPS + path, api.auth(), source=fresh_source())
    assert r.status in (404, 405), r
    assert r.headers["content-type"] == "application/problem+json"
