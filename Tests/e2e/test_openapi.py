"""Keeps docs/openapi.yaml and the router in step: every documented operation answers one of its documented
statuses on both /api and /api/v1, and undocumented API paths and methods are refused."""
import os

import pytest
import yaml

from conftest import API, HTTP, HTTPS, fresh_source, request

SPEC = yaml.safe_load(open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "openapi.yaml")))
METHODS = {"get", "head", "post", "patch", "delete", "put"}
OPERATIONS = [(path, method) for path, item in SPEC["paths"].items() for method in item if method in METHODS]


def test_every_operation_has_an_id_and_responses():
    for path, method in OPERATIONS:
        op = SPEC["paths"][path][method]
        assert op.get("operationId"), (path, method)
        assert op.get("responses"), (path, method)


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
