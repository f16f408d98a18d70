"""The authorization matrix: every endpoint × {anonymous, viewer, editor, team admin, other user, admin, key
without scope} → the expected status, generated from the one table below. The team's roles follow the written
permission matrix in Sources/LinkDomain/TeamRoles.swift; "admin" is a system administrator (API key) who is not
a member of the team; "key without scope" is an API key of the team admin holding only `analytics:read`."""
import pytest

from conftest import API, HTTPS, admin_key, fresh_source, request, unique_email

ACTORS = ["anonymous", "viewer", "editor", "team_admin", "other_user", "admin", "key_without_scope"]

# (method, path, body) → expected status per actor, in ACTORS order. Placeholders: {team} the team's id,
# {link} a team link, {fresh} a new team link per call, {personal} the editor's personal link,
# {viewer} the viewer's user id, {user} the other user's id.
# "invite" as a body: an invitation to a fresh address per call.
TABLE = [
    ("GET", "/api/me", None,                                        [401, 200, 200, 200, 200, 200, 200]),
    ("GET", "/api/keys", None,                                      [401, 200, 200, 200, 200, 200, 200]),
    ("GET", "/api/subscriptions", None,                             [401, 200, 200, 200, 200, 200, 200]),
    ("GET", "/api/teams", None,                                     [401, 200, 200, 200, 200, 200, 403]),
    ("GET", "/api/teams/{team}", None,                              [401, 200, 200, 200, 404, 404, 403]),
    ("PATCH", "/api/teams/{team}", {"name": "Campaigns"},           [401, 403, 403, 200, 404, 404, 403]),
    ("DELETE", "/api/teams/{team}", None,                           [401, 403, 403, 403, 404, 404, 403]),
    ("POST", "/api/teams/{team}/invitations", "invite",             [401, 403, 403, 201, 404, 404, 403]),
    ("PATCH", "/api/teams/{team}/members/{viewer}", {"role": "viewer"}, [401, 403, 403, 200, 404, 404, 403]),
    ("DELETE", "/api/teams/{team}/members/{owner}", None,           [401, 403, 403, 409, 404, 404, 403]),
    ("POST", "/api/teams/{team}/transfer", {"userId": "{viewer}"},  [401, 403, 403, 403, 404, 404, 403]),
    ("GET", "/api/teams/{team}/audit", None,                        [401, 403, 403, 200, 404, 404, 403]),
    ("POST", "/api/urls", {"longUrl": "https://example.com/m", "teamId": "{team}"}, [401, 403, 201, 201, 422, 201, 403]),
    ("GET", "/api/urls/{link}", None,                               [401, 200, 200, 200, 404, 200, 403]),
    ("PATCH", "/api/urls/{link}", {"isActive": True},               [401, 403, 200, 200, 404, 200, 403]),
    ("DELETE", "/api/urls/{fresh}", None,                           [401, 403, 204, 204, 404, 204, 403]),
    ("GET", "/api/urls/{personal}", None,                           [401, 404, 200, 404, 404, 200, 403]),
    ("PATCH", "/api/urls/{personal}", {"isActive": True},           [401, 404, 200, 404, 404, 200, 403]),
    ("GET", "/api/audit", None,                                     [401, 403, 403, 403, 403, 200, 403]),
    ("GET", "/api/admin/users", None,                               [401, 403, 403, 403, 403, 200, 403]),
    ("GET", "/api/admin/stats", None,                               [401, 403, 403, 403, 403, 200, 403]),
    ("PATCH", "/api/admin/users/{user}", {"isActive": True},        [401, 403, 403, 403, 403, 200, 403]),
    ("POST", "/api/me/password", {"currentPassword": "x", "newPassword": "y"}, [401, 403, 403, 403, 403, 403, 403]),
    ("POST", "/api/me/2fa/setup", None,                             [401, 200, 200, 200, 200, 403, 403]),
]


@pytest.fixture(scope="module")
def actors(team):
    key = team["admin"].call("POST", "/api/keys", {"name": "analytics only", "scopes": ["analytics:read"]}).json()["key"]
    return {
        "anonymous": API(""), "viewer": team["viewer"], "editor": team["editor"], "team_admin": team["admin"],
        "other_user": team["other"], "admin": API(admin_key()), "key_without_scope": API(key),
    }


def fill(text, team, values):
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


@pytest.mark.parametrize("method, path, body, expected", TABLE, ids=[f"{m} {p}" for m, p, _, _ in TABLE])
def test_authorization_matrix(team, actors, method, path, body, expected):
    link = team["owner"].create(longUrl="https://example.com/matrix", teamId=team["team"]).json()["alias"]
    personal = team["editor"].create(longUrl="https://example.com/personal").json()["alias"]
    values = {"team": team["team"], "link": link, "personal": personal, "viewer": team["ids"]["viewer"],
              "owner": team["ids"]["owner"], "user": team["ids"]["other"]}
    got = []
    for actor, want in zip(ACTORS, expected):
        values["fresh"] = team["owner"].create(longUrl="https://example.com/fresh", teamId=team["team"]).json()["alias"]
        url = HTTPS + fill(path, team, values)
        if body == "invite":
            payload = {"email": unique_email("matrix"), "role": "viewer"}
        elif isinstance(body, dict):
            payload = {k: fill(v, team, values) if isinstance(v, str) else v for k, v in body.items()}
        else:
            payload = None
        client = actors[actor]
        headers = client.auth() if client.key else {}
        r = request(method, url, headers, payload, source=fresh_source())
        got.append(r.status)
        if r.status >= 400:
            assert r.headers["content-type"] == "application/problem+json", (actor, r)
    assert got == expected, dict(zip(ACTORS, zip(expected, got)))
