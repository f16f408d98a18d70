import Foundation
import LinkDomain
import ShortlinkCore

/// `/teams…` and `/invitations/accept`: teams, members and their roles, invitations, ownership, the team's
/// audit log. The team's roles decide inside `TeamService`; here only the key's scope.
public struct TeamRoutes: APIResource {
    let teams: TeamService
    let auth: AuthService
    let audit: AuditLog

    /// The team handlers.
    public init(teams: TeamService, auth: AuthService, audit: AuditLog) {
        self.teams = teams
        self.auth = auth
        self.audit = audit
    }

    static let read = Access.scope(["links:read"])
    static let write = Access.scope(["links:write"])

    public static var routes: [Route<TeamRoutes>] {
        [
            Route("GET", "/teams", "listTeams", read, list),
            Route("POST", "/teams", "createTeam", write, create),
            Route("GET", "/teams/{team}", "getTeam", read, view),
            Route("PATCH", "/teams/{team}", "renameTeam", write, rename),
            Route("DELETE", "/teams/{team}", "deleteTeam", write, delete),
            Route("POST", "/teams/{team}/invitations", "inviteMember", write, invite),
            Route("DELETE", "/teams/{team}/invitations/{id}", "revokeInvitation", write, revokeInvitation),
            Route("PATCH", "/teams/{team}/members/{userId}", "setMemberRole", write, setRole),
            Route("DELETE", "/teams/{team}/members/{userId}", "removeMember", write, remove),
            Route("POST", "/teams/{team}/leave", "leaveTeam", write, leave),
            Route("POST", "/teams/{team}/transfer", "transferTeam", write, transfer),
            Route("GET", "/teams/{team}/audit", "teamAudit", read, auditLog),
            Route("POST", "/invitations/accept", "acceptInvitation", write, accept),
        ]
    }

    func list(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        return try .json(200, ["items": try call { () throws(TeamError) in try teams.list(by: caller) }.map(TeamBody.init)])
    }

    func create(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let name = try c.fields { body, errors in body.required("name", &errors) }
        let view = try call { () throws(TeamError) in try teams.create(name: name, by: caller) }
        return try .json(201, TeamBody(view), headers: [("Location", "/api/v1/teams/\(view.team.publicID)")])
    }

    func view(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        return try .json(200, TeamBody(try call { () throws(TeamError) in try teams.view(c.parameter("team"), by: caller) }))
    }

    func rename(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let name = try c.fields { body, errors in body.required("name", &errors) }
        return try .json(200, TeamBody(try call { () throws(TeamError) in try teams.rename(c.parameter("team"), name: name, by: caller) }))
    }

    func delete(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        try call { () throws(TeamError) in try teams.delete(c.parameter("team"), by: caller) }
        return .noContent
    }

    func invite(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let (email, role) = try c.fields { body, errors in (body.required("email", &errors), Self.role(body, &errors)) }
        let invitation = try call { () throws(TeamError) in try teams.invite(c.parameter("team"), email: email, role: role, by: caller) }
        return try .json(201, InvitationBody(invitation))
    }

    func revokeInvitation(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        try call { () throws(TeamError) in try teams.revokeInvitation(c.parameter("team"), invitation: c.parameter("id"), by: caller) }
        return .noContent
    }

    func setRole(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let role = try c.fields { body, errors in Self.role(body, &errors) }
        return try .json(200, TeamBody(try call { () throws(TeamError) in
            try teams.setRole(c.parameter("team"), member: c.parameter("userId"), role: role, by: caller)
        }))
    }

    func remove(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        try call { () throws(TeamError) in try teams.remove(c.parameter("team"), member: c.parameter("userId"), by: caller) }
        return .noContent
    }

    func leave(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let me = try call { () throws(AuthError) in try auth.me(caller) }
        try call { () throws(TeamError) in try teams.remove(c.parameter("team"), member: me.publicID, by: caller) }
        return .noContent
    }

    func transfer(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let member = try c.fields { body, errors in body.required("userId", &errors) }
        return try .json(200, TeamBody(try call { () throws(TeamError) in try teams.transfer(c.parameter("team"), to: member, by: caller) }))
    }

    func auditLog(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let scope = try call { () throws(TeamError) in try teams.auditScope(c.parameter("team"), by: caller) }
        return try c.cursorPage({ (before, limit) throws(StoreError) in try audit.entries(teamID: scope, beforeID: before, limit: limit) },
                                id: \.id, as: AuditItem.init)
    }

    /// `POST /invitations/accept {token}`: join the team of an invitation sent to the caller's address.
    func accept(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let token = try c.fields { body, errors in body.required("token", &errors) }
        return try .json(200, TeamBody(try call { () throws(TeamError) in try teams.accept(token: token, by: caller) }))
    }

    /// The `role` member; a field error when it is missing or unknown (the value returned then is never used:
    /// `fields` answers 422).
    static func role(_ body: JSONObject, _ errors: inout [FieldError]) -> TeamRole {
        let raw = body.required("role", &errors)
        guard let role = TeamRole(rawValue: raw) else {
            if !raw.isEmpty { errors.append(FieldError(field: "role", code: "role.invalid", message: "must be admin, editor or viewer")) }
            return .viewer
        }
        return role
    }
}

struct TeamBody: Encodable {
    let view: TeamView
    init(_ view: TeamView) { self.view = view }

    enum Keys: String, CodingKey { case id, name, role, isOwner, memberCount, members, invitations, createdAt }
    enum MemberKeys: String, CodingKey { case userId, email, name, role, isOwner, joinedAt }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(view.team.publicID, forKey: .id)
        try c.encode(view.team.name, forKey: .name)
        try c.encode(view.role?.rawValue, forKey: .role)
        try c.encode(view.isOwner, forKey: .isOwner)
        try c.encode(view.memberCount, forKey: .memberCount)
        try c.encode(Timestamp.format(view.team.createdAt), forKey: .createdAt)
        var members = c.nestedUnkeyedContainer(forKey: .members)
        for m in view.members {
            var mc = members.nestedContainer(keyedBy: MemberKeys.self)
            try mc.encode(m.userPublicID, forKey: .userId)
            try mc.encode(m.email, forKey: .email)
            try mc.encode(m.name, forKey: .name)
            try mc.encode(m.role.rawValue, forKey: .role)
            try mc.encode(m.isOwner, forKey: .isOwner)
            try mc.encode(Timestamp.format(m.joinedAt), forKey: .joinedAt)
        }
        try c.encode(view.invitations.map(InvitationBody.init), forKey: .invitations)
    }
}

struct InvitationBody: Encodable {
    let id: String
    let email: String
    let role: String
    let createdAt: String
    let expiresAt: String

    init(_ i: TeamInvitation) {
        id = i.publicID
        email = i.email
        role = i.role.rawValue
        createdAt = Timestamp.format(i.createdAt)
        expiresAt = Timestamp.format(i.expiresAt)
    }
}
