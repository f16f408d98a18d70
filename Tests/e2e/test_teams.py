"""Teams through nginx: invitations by email, roles and the permission matrix on team links, the team's plan
governing its links, removal, leaving, ownership transfer, deletion and the team audit log."""
from conftest import (API, HTTP, HTTPS, admin_key, fresh_source, invite_and_join, mail_token, new_user, request, signed_in,
                      register, sql, unique_email, wait_mail, grant_plan)


def test_the_team_lists_its_members_and_roles(team):
    r = team["viewer"].call("GET", f"/api/teams/{team['team']}")
    assert r.status == 200
    body = r.json()
    roles = {m["userId"]: (m["role"], m["isOwner"]) for m in body["members"]}
    assert roles[team["ids"]["owner"]] == ("admin", True)
    assert roles[team["ids"]["editor"]] == ("editor", False) and roles[team["ids"]["viewer"]] == ("viewer", False)
    assert body["invitations"] == []  # only admins see pending invitations
    listed = team["editor"].call("GET", "/api/teams").json()["items"]
    assert [t["id"] for t in listed] == [team["team"]] and listed[0]["role"] == "editor"


def test_an_invitation_is_for_its_address_only_and_single_use(team):
    invited = unique_email("invited")
    r = team["admin"].call("POST", f"/api/teams/{team['team']}/invitations", {"email": invited, "role": "viewer"})
    assert r.status == 201
    token = mail_token(wait_mail(invited, "You are invited to the team"))
    r = team["other"].call("POST", "/api/invitations/accept", {"token": token})
    assert r.status == 403  # someone else's invitation
    assert team["admin"].call("GET", f"/api/teams/{team['team']}").json()["invitations"][-1]["email"] == invited
    assert register(invited).status == 202
    register_and_join = signed_in(invited)
    assert register_and_join.call("POST", "/api/invitations/accept", {"token": token}).status == 200
    again = register_and_join.call("POST", "/api/invitations/accept", {"token": token})
    assert again.status == 404 and again.json()["type"] == "/problems/invalid-invitation"


def test_a_free_owner_has_one_seat(team):
    owner = signed_in(new_user("freeowner")[0])
    team_id = owner.call("POST", "/api/teams", {"name": "Solo"}).json()["id"]
    r = owner.call("POST", f"/api/teams/{team_id}/invitations", {"email": unique_email(), "role": "editor"})
    assert r.status == 403 and r.json()["type"] == "/problems/requires-plan-pro" and r.json()["feature"] == "team-seats"


def test_seats_follow_the_owner_plan_when_inviting_and_when_accepting():
    owner = signed_in(new_user("seats")[0])
    grant_plan(owner, "pro")  # 3 seats: the owner and two more
    t = owner.call("POST", "/api/teams", {"name": "Three seats"}).json()["id"]
    first, second = new_user("seat1")[0], new_user("seat2")[0]
    for address in (first, second):
        assert owner.call("POST", f"/api/teams/{t}/invitations", {"email": address, "role": "viewer"}).status == 201
    r = owner.call("POST", f"/api/teams/{t}/invitations", {"email": unique_email("seat3"), "role": "viewer"})
    assert r.status == 403 and r.json()["feature"] == "team-seats" and r.json()["requiredPlan"] == "business"
    token = mail_token(wait_mail(first, "You are invited to the team"))
    assert signed_in(first).call("POST", "/api/invitations/accept", {"token": token}).status == 200
    # The owner moves down to free (one seat): the pending invitation can no longer be accepted.
    grant_plan(owner, "free")
    token = mail_token(wait_mail(second, "You are invited to the team"))
    r = signed_in(second).call("POST", "/api/invitations/accept", {"token": token})
    assert r.status == 403 and r.json()["feature"] == "team-seats"
    assert len(owner.call("GET", f"/api/teams/{t}").json()["members"]) == 2


def test_team_links_follow_roles_and_the_team_plan(team):
    t = team["team"]
    # The editor is on the free plan personally, but the team (its owner) is on business: aliases are allowed.
    alias = f"team-{fresh_source().replace('.', '-')}"
    r = team["editor"].create(longUrl="https://example.com/team", customAlias=alias, teamId=t)
    assert r.status == 201, r
    assert r.json()["teamId"] == t
    personal = team["editor"].create(longUrl="https://example.com/mine", customAlias=alias + "-p")
    assert personal.status == 403 and personal.json()["type"] == "/problems/requires-plan-pro"

    assert team["viewer"].get(alias).status == 200
    r = team["viewer"].patch(alias, isActive=False)
    assert r.status == 403 and r.json()["type"] == "/problems/insufficient-team-role" and r.json()["requiredRole"] == "editor"
    assert team["viewer"].create(longUrl="https://example.com/v", teamId=t).status == 403
    assert team["other"].get(alias).status == 404
    assert team["admin"].patch(alias, isActive=False).status == 200
    assert request("GET", f"{HTTP}/{alias}").status == 410
    assert team["owner"].delete(alias).status == 204


def test_removed_members_lose_access_at_once_and_members_can_leave(team):
    t = team["team"]
    leaver = invite_and_join(team["owner"], t, new_user("leaver")[0], "editor")
    removed = invite_and_join(team["owner"], t, new_user("removed")[0], "viewer")
    alias = team["owner"].create(longUrl="https://example.com/x", teamId=t).json()["alias"]
    assert removed.get(alias).status == 200
    removed_id = removed.me().json()["id"]
    assert team["editor"].call("DELETE", f"/api/teams/{t}/members/{removed_id}").status == 403
    assert team["admin"].call("DELETE", f"/api/teams/{t}/members/{removed_id}").status == 204
    assert removed.get(alias).status == 404
    # The member is the resource of the path: once gone (or never there), it is not found, not a bad field.
    r = team["admin"].call("DELETE", f"/api/teams/{t}/members/{removed_id}")
    assert r.status == 404 and r.json()["type"] == "/problems/not-found", r
    r = team["admin"].call("PATCH", f"/api/teams/{t}/members/{removed_id}", {"role": "editor"})
    assert r.status == 404, r
    assert leaver.call("POST", f"/api/teams/{t}/leave").status == 204
    assert leaver.call("GET", f"/api/teams/{t}").status == 404
    r = team["owner"].call("POST", f"/api/teams/{t}/leave")
    assert r.status == 409


def test_roles_change_and_ownership_transfers(team):
    owner = signed_in(new_user("t-owner")[0])
    grant_plan(owner, "business")
    t = owner.call("POST", "/api/teams", {"name": "Handover"}).json()["id"]
    heir = invite_and_join(owner, t, new_user("heir")[0], "viewer")
    heir_id = heir.me().json()["id"]
    r = owner.call("PATCH", f"/api/teams/{t}/members/{heir_id}", {"role": "editor"})
    assert r.status == 200 and [m["role"] for m in r.json()["members"] if m["userId"] == heir_id] == ["editor"]
    assert heir.call("POST", f"/api/teams/{t}/transfer", {"userId": heir_id}).status == 403
    r = owner.call("POST", f"/api/teams/{t}/transfer", {"userId": heir_id})
    assert r.status == 200 and r.json()["isOwner"] is False
    assert heir.call("GET", f"/api/teams/{t}").json()["isOwner"] is True
    alias = heir.create(longUrl="https://example.com/kept", teamId=t).json()["alias"]
    assert owner.call("DELETE", f"/api/teams/{t}").status == 403  # no longer the owner
    assert heir.call("DELETE", f"/api/teams/{t}").status == 204
    # The team's links stay, now the personal links of its last owner.
    kept = heir.get(alias)
    assert kept.status == 200 and kept.json()["teamId"] is None
    assert owner.get(alias).status == 404


def test_the_team_audit_log_is_for_team_admins(team):
    t = team["team"]
    team["editor"].create(longUrl="https://example.com/audited", teamId=t)
    r = team["admin"].call("GET", f"/api/teams/{t}/audit?limit=100")
    assert r.status == 200
    actions = [e["action"] for e in r.json()["items"]]
    assert "team.create" in actions and "team.invite" in actions and "team.member_join" in actions and "link.create" in actions
    created = next(e for e in r.json()["items"] if e["action"] == "link.create")
    # Public ids only: no row id leaves the server.
    assert created["teamId"] == t and created["actorUserId"] == team["ids"]["editor"] and created["actorEmail"].startswith("editor-")
    assert team["editor"].call("GET", f"/api/teams/{t}/audit").status == 403
    assert team["other"].call("GET", f"/api/teams/{t}/audit").status == 404
    # Nothing of other teams leaks in.
    team_row = sql(f"SELECT id FROM teams WHERE public_id = '{t}'")[0][0]
    assert sql(f"SELECT COUNT(*) FROM audit_log WHERE team_id = {team_row}")[0][0] != "0"
    other_team = team["other"].call("POST", "/api/teams", {"name": "Elsewhere"}).json()["id"]
    assert other_team not in [e["objectId"] for e in r.json()["items"]]
