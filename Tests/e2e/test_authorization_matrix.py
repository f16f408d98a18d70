"""The authorization matrix: every API operation of docs/openapi.yaml × {anonymous, viewer, editor, team admin,
other user, admin, key without scope} → the expected status, generated from the one table below (a test fails
when an operation of the spec is missing from it). Team roles follow the written permission matrix in
Sources/LinkDomain/TeamRoles.swift. The actors: "viewer", "editor", "team admin" are signed-in members of one
team (sessions; the team's owner is someone else), "other user" a signed-in user outside it, "admin" a system
administrator's API key (not a team member), "key without scope" an API key of the team admin holding only
`analytics:read`. Bodies are valid unless the row says otherwise, so a status says who may, not what is wrong."""
import os

import pytest
import yaml

from conftest import (API, HTTPS, admin_key, fresh_source, grant_plan, invite_and_join, new_user, request, signed_in,
                      unique_email)

ACTORS = ["anonymous", "viewer", "editor", "team_admin", "other_user", "admin", "key_without_scope"]
NOBODY = "00000000-0000-4000-8000-000000000000"

# (method, spec path, body, expected per actor in ACTORS order). Path parameters: {team} the team, {alias} a team
# link (or, per row, a personal link of the editor or a fresh team link), {userId} / {id} per row. Body values:
# "@fresh-email" a new address per call. Rows marked FRESH_SESSIONS sign the session actors in anew for the call.
A, V, E, T, O, M, K = range(7)
TABLE = [
    # health and sign-in: open to everyone (a credential does not change the answer)
    ("GET", "/health", None, {}, [200, 200, 200, 200, 200, 200, 200]),
    ("POST", "/auth/register", {"email": "@fresh-email", "password": "a long passphrase 99"}, {}, [202] * 7),
    ("POST", "/auth/login", {"email": "@fresh-email", "password": "not the password"}, {}, [401] * 7),
    ("POST", "/auth/login/2fa", {"mfaToken": "unknown", "code": "123456"}, {}, [401] * 7),
    ("POST", "/auth/refresh", {"refreshToken": "slr_unknown"}, {}, [401] * 7),
    ("POST", "/auth/verify-email", {"token": "unknown"}, {}, [400] * 7),
    ("POST", "/auth/password-reset/request", {"email": "@fresh-email"}, {}, [202] * 7),
    ("POST", "/auth/password-reset", {"token": "unknown", "newPassword": "a long passphrase 99"}, {}, [400] * 7),
    # logout: a session ends itself; an API key has no session to end
    ("POST", "/auth/logout", None, {"fresh_sessions": True}, [422, 204, 204, 204, 204, 422, 422]),
    # the members verified their address; the admin (made by shortlinkctl) did not
    ("POST", "/auth/verify-email/resend", None, {}, [401, 409, 409, 409, 409, 202, 409]),
    # the caller's own account: sessions only for changes
    ("GET", "/me", None, {}, [401, 200, 200, 200, 200, 200, 200]),
    ("PATCH", "/me", {"name": "Same Name"}, {}, [401, 200, 200, 200, 200, 403, 403]),
    ("POST", "/me/password", {"currentPassword": "not it", "newPassword": "a long passphrase 99"}, {},
     [401, 403, 403, 403, 403, 403, 403]),
    ("GET", "/me/sessions", None, {}, [401, 200, 200, 200, 200, 200, 200]),
    ("DELETE", "/me/sessions", None, {}, [401, 200, 200, 200, 200, 403, 403]),
    ("DELETE", "/me/sessions/{id}", None, {"id": NOBODY}, [401, 404, 404, 404, 404, 403, 403]),
    ("GET", "/me/2fa", None, {}, [401, 200, 200, 200, 200, 200, 200]),
    ("POST", "/me/2fa/setup", None, {}, [401, 200, 200, 200, 200, 403, 403]),
    ("POST", "/me/2fa/confirm", {"code": "abcdef"}, {}, [401, 422, 422, 422, 422, 403, 403]),
    ("POST", "/me/2fa/disable", {"password": "x", "code": "123456"}, {}, [401, 409, 409, 409, 409, 403, 403]),
    # API keys: one's own; a key can hand out only scopes it holds
    ("GET", "/keys", None, {}, [401, 200, 200, 200, 200, 200, 200]),
    ("POST", "/keys", {"name": "matrix", "scopes": ["links:read"]}, {}, [401, 201, 201, 201, 201, 201, 403]),
    ("DELETE", "/keys/{id}", None, {"id": NOBODY}, [401, 404, 404, 404, 404, 404, 404]),
    # subscriptions: changed from a session (or an admin key); paid plans need a billing provider unless an
    # administrator grants them
    ("GET", "/subscriptions", None, {}, [401, 200, 200, 200, 200, 200, 200]),
    ("POST", "/subscriptions", {"plan": "enterprise"}, {}, [401, 402, 402, 402, 402, 201, 403]),
    ("PATCH", "/subscriptions", {"cancelAtPeriodEnd": False}, {}, [401, 200, 200, 200, 200, 200, 403]),
    # administration
    ("GET", "/admin/users", None, {}, [401, 403, 403, 403, 403, 200, 403]),
    ("PATCH", "/admin/users/{id}", {"isActive": True}, {"id": "@other"}, [401, 403, 403, 403, 403, 200, 403]),
    ("GET", "/admin/stats", None, {}, [401, 403, 403, 403, 403, 200, 403]),
    ("GET", "/audit", None, {}, [401, 403, 403, 403, 403, 200, 403]),
    # teams (see TeamRoles.swift); non-members, system administrators included, are told the team does not exist
    ("GET", "/teams", None, {}, [401, 200, 200, 200, 200, 200, 403]),
    ("POST", "/teams", {"name": "Another team"}, {}, [401, 201, 201, 201, 201, 201, 403]),
    ("GET", "/teams/{team}", None, {}, [401, 200, 200, 200, 404, 404, 403]),
    ("PATCH", "/teams/{team}", {"name": "Campaigns"}, {}, [401, 403, 403, 200, 404, 404, 403]),
    ("DELETE", "/teams/{team}", None, {}, [401, 403, 403, 403, 404, 404, 403]),
    ("POST", "/teams/{team}/invitations", {"email": "@fresh-email", "role": "viewer"}, {}, [401, 403, 403, 201, 404, 404, 403]),
    ("DELETE", "/teams/{team}/invitations/{id}", None, {"id": NOBODY}, [401, 403, 403, 404, 404, 404, 403]),
    ("PATCH", "/teams/{team}/members/{userId}", {"role": "viewer"}, {"userId": "@viewer"}, [401, 403, 403, 200, 404, 404, 403]),
    # the owner cannot be removed (409), by anyone
    ("DELETE", "/teams/{team}/members/{userId}", None, {"userId": "@owner"}, [401, 403, 403, 409, 404, 404, 403]),
    ("POST", "/teams/{team}/transfer", {"userId": "@viewer"}, {}, [401, 403, 403, 403, 404, 404, 403]),
    ("GET", "/teams/{team}/audit", None, {}, [401, 403, 403, 200, 404, 404, 403]),
    ("POST", "/teams/{team}/leave", None, {"own_team": True}, [401, 204, 204, 204, 404, 404, 403]),
    ("POST", "/invitations/accept", {"token": "sli_unknown"}, {}, [401, 404, 404, 404, 404, 404, 403]),
    # links: a team link follows the roles; a personal link is its owner's (and the administrators')
    ("POST", "/urls", {"longUrl": "https://example.com/m", "teamId": "@team"}, {}, [401, 403, 201, 201, 422, 201, 403]),
    ("GET", "/urls/{alias}", None, {"alias": "@link"}, [401, 200, 200, 200, 404, 200, 403]),
    ("PATCH", "/urls/{alias}", {"isActive": True}, {"alias": "@link"}, [401, 403, 200, 200, 404, 200, 403]),
    ("DELETE", "/urls/{alias}", None, {"alias": "@fresh-link"}, [401, 403, 204, 204, 404, 204, 403]),
    ("GET", "/urls/{alias}", None, {"alias": "@personal"}, [401, 404, 200, 404, 404, 200, 403]),
    ("GET", "/urls/{alias}/qr", None, {"alias": "@link"}, [401, 200, 200, 200, 404, 200, 403]),
    ("PATCH", "/urls/{alias}", {"isActive": True}, {"alias": "@personal"}, [401, 404, 200, 404, 404, 200, 403]),
    # analytics: whoever may read the link, with the analytics:read scope (sessions hold it; the scopeless key
    # of this table holds exactly that one)
    ("GET", "/urls/{alias}/analytics", None, {"alias": "@link"}, [401, 200, 200, 200, 404, 200, 200]),
    ("GET", "/urls/{alias}/analytics", None, {"alias": "@personal"}, [401, 404, 200, 404, 404, 200, 404]),
    # series and breakdowns: the same, on a plan with detailed analytics (the team owner's business plan, the
    # editor's pro)
    ("GET", "/urls/{alias}/analytics/timeseries", None, {"alias": "@link"}, [401, 200, 200, 200, 404, 200, 200]),
    ("GET", "/urls/{alias}/analytics/breakdown", None, {"alias": "@personal"}, [401, 404, 200, 404, 404, 200, 404]),
    # summaries: everyone's own links; a team's to its members (and administrators)
    ("GET", "/analytics/summary", None, {}, [401, 200, 200, 200, 200, 200, 200]),
    ("GET", "/teams/{team}/analytics/summary", None, {}, [401, 200, 200, 200, 404, 200, 200]),
    # reports: the caller's own settings and reports; a team's to read for members, to change for its admins
    ("GET", "/me/reports/settings", None, {}, [401, 200, 200, 200, 200, 200, 200]),
    ("PUT", "/me/reports/settings", {"frequency": "off"}, {}, [401, 200, 200, 200, 200, 200, 200]),
    ("GET", "/teams/{team}/reports/settings", None, {}, [401, 200, 200, 200, 404, 200, 200]),
    ("PUT", "/teams/{team}/reports/settings", {"frequency": "off"}, {}, [401, 403, 403, 200, 404, 200, 200]),
    ("GET", "/reports", None, {}, [401, 200, 200, 200, 200, 200, 200]),
    ("GET", "/teams/{team}/reports", None, {}, [401, 200, 200, 200, 404, 200, 200]),
    ("GET", "/reports/{id}", None, {"id": NOBODY}, [401, 404, 404, 404, 404, 404, 404]),
]

SPEC = yaml.safe_load(open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "openapi.yaml")))
API_OPERATIONS = {(m.upper(), p) for p, item in SPEC["paths"].items() for m in item
                  if m in ("get", "post", "patch", "delete", "put") and p not in ("/", "/{alias}")}


def test_the_table_covers_every_api_operation_of_the_spec():
    assert {(m, p) for m, p, _, _, _ in TABLE} == API_OPERATIONS


@pytest.fixture(scope="module")
def actors(team):
    # The members are on pro (as paying team members would be): its 600 requests a minute leave room for the
    # table's calls, which the free plan's 60 would not.
    for name in ("admin", "editor", "viewer", "other"):
        grant_plan(team[name], "pro")
    key = team["admin"].call("POST", "/api/keys", {"name": "analytics only", "scopes": ["analytics:read"]}).json()["key"]
    return {"anonymous": None, "viewer": team["viewer"], "editor": team["editor"], "team_admin": team["admin"],
            "other_user": team["other"], "admin": API(admin_key()), "key_without_scope": API(key)}


@pytest.fixture(scope="module")
def links(team):
    """A team link and a personal link of the editor, made once for the table."""
    return {"@link": team["owner"].create(longUrl="https://example.com/matrix", teamId=team["team"]).json()["alias"],
            "@personal": team["editor"].create(longUrl="https://example.com/personal").json()["alias"]}


def own_team(team):
    """A team of its own (same roles) for a row that changes membership."""
    t = team["owner"].call("POST", "/api/teams", {"name": "Disposable"}).json()["id"]
    members = {role: invite_and_join(team["owner"], t, new_user(role)[0], role if role != "team_admin" else "admin")
               for role in ("viewer", "editor", "team_admin")}
    return t, members


@pytest.mark.parametrize("method, path, body, params, expected", TABLE,
                         ids=[f"{m} {p} {sorted(o.values())}" if o else f"{m} {p}" for m, p, _, o, _ in TABLE])
def test_authorization_matrix(team, actors, links, method, path, body, params, expected):
    team_id, people = team["team"], dict(actors)
    if params.get("own_team"):
        team_id, members = own_team(team)
        people.update(members)
    values = {"@team": team_id, "@viewer": team["ids"]["viewer"], "@owner": team["ids"]["owner"], "@other": team["ids"]["other"],
              **links}
    got = []
    for actor in ACTORS:
        if params.get("alias") == "@fresh-link":
            values["@fresh-link"] = team["owner"].create(longUrl="https://example.com/fresh", teamId=team["team"]).json()["alias"]
        values["@fresh-email"] = unique_email("matrix")
        client = people[actor]
        if params.get("fresh_sessions") and actor in ("viewer", "editor", "team_admin", "other_user"):
            client = signed_in(client.me().json()["email"])
        url = HTTPS + "/api" + path.replace("{team}", team_id)
        for name, value in params.items():
            if isinstance(value, str):
                url = url.replace("{" + name + "}", values.get(value, value))
        payload = {k: values.get(v, v) if isinstance(v, str) else v for k, v in body.items()} if body else None
        headers = client.auth() if client else {}
        r = request(method, url, headers, payload, source=fresh_source())
        got.append(r.status)
        if r.status >= 400:
            assert r.headers["content-type"] == "application/problem+json", (actor, r)
    assert got == expected, {a: (e, g) for a, e, g in zip(ACTORS, expected, got) if e != g}
