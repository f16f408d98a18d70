import Foundation
import LinkDomain
import ShortlinkCore

extension ShortlinkApp {
    /// `/api/teams...`: teams, members, invitations, ownership, the team audit log.
    func teamsRoute(_ parts: [Substring], _ method: String, _ request: HTTPRequest, _ caller: Principal) throws(Problem) -> HTTPResponse {
        let p = parts.map(String.init)
        switch p.count {
        case 0:
            switch method {
            case "GET":
                let list = try call { () throws(TeamError) in try teams.list(by: caller) }
                return try json(200, ["items": list.map(TeamBody.init)])
            case "POST":
                let body = try jsonBody(request)
                var errors: [FieldError] = []
                let name = try requiredString(body, "name", &errors)
                guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
                let view = try call { () throws(TeamError) in try teams.create(name: name, by: caller) }
                return try json(201, TeamBody(view), headers: [("Location", "/api/v1/teams/\(view.team.publicID)")])
            default: throw .methodNotAllowed(["GET", "HEAD", "POST"])
            }
        case 1:
            let team = p[0]
            switch method {
            case "GET": return try json(200, TeamBody(try call { () throws(TeamError) in try teams.view(team, by: caller) }))
            case "PATCH":
                let body = try jsonBody(request)
                var errors: [FieldError] = []
                let name = try requiredString(body, "name", &errors)
                guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
                return try json(200, TeamBody(try call { () throws(TeamError) in try teams.rename(team, name: name, by: caller) }))
            case "DELETE":
                try call { () throws(TeamError) in try teams.delete(team, by: caller) }
                return HTTPResponse(status: 204)
            default: throw .methodNotAllowed(["GET", "HEAD", "PATCH", "DELETE"])
            }
        default:
            let team = p[0]
            switch Array(p.dropFirst()) {
            case ["invitations"]:
                guard method == "POST" else { throw .methodNotAllowed(["POST"]) }
                let body = try jsonBody(request)
                var errors: [FieldError] = []
                let email = try requiredString(body, "email", &errors)
                let role = try teamRole(body, &errors)
                guard errors.isEmpty, let role else { throw .validation(ValidationError(errors)) }
                let invitation = try call { () throws(TeamError) in try teams.invite(team, email: email, role: role, by: caller) }
                return try json(201, InvitationBody(invitation))
            case let q where q.count == 2 && q[0] == "invitations":
                guard method == "DELETE" else { throw .methodNotAllowed(["DELETE"]) }
                try call { () throws(TeamError) in try teams.revokeInvitation(team, invitation: q[1], by: caller) }
                return HTTPResponse(status: 204)
            case let q where q.count == 2 && q[0] == "members":
                switch method {
                case "PATCH":
                    let body = try jsonBody(request)
                    var errors: [FieldError] = []
                    let role = try teamRole(body, &errors)
                    guard errors.isEmpty, let role else { throw .validation(ValidationError(errors)) }
                    return try json(200, TeamBody(try call { () throws(TeamError) in
                        try teams.setRole(team, member: q[1], role: role, by: caller)
                    }))
                case "DELETE":
                    try call { () throws(TeamError) in try teams.remove(team, member: q[1], by: caller) }
                    return HTTPResponse(status: 204)
                default: throw .methodNotAllowed(["PATCH", "DELETE"])
                }
            case ["leave"]:
                guard method == "POST" else { throw .methodNotAllowed(["POST"]) }
                let me = try call { () throws(AuthError) in try auth.me(caller) }
                try call { () throws(TeamError) in try teams.remove(team, member: me.publicID, by: caller) }
                return HTTPResponse(status: 204)
            case ["transfer"]:
                guard method == "POST" else { throw .methodNotAllowed(["POST"]) }
                let body = try jsonBody(request)
                var errors: [FieldError] = []
                let member = try requiredString(body, "userId", &errors)
                guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
                return try json(200, TeamBody(try call { () throws(TeamError) in try teams.transfer(team, to: member, by: caller) }))
            case ["audit"]:
                guard method == "GET" else { throw .methodNotAllowed(["GET", "HEAD"]) }
                let scope = try call { () throws(TeamError) in try teams.auditScope(team, by: caller) }
                let limit = try pageLimit(request)
                let before = try cursor(request)
                let entries = try call { () throws(StoreError) in try audit.entries(teamID: scope, beforeID: before, limit: limit) }
                return try json(200, CursorPage(items: entries.map(AuditItem.init), lastID: entries.last?.id, limit: limit))
            default:
                throw .routeNotFound(request.path)
            }
        }
    }

    /// `POST /api/invitations/accept {token}`: join the team of an invitation sent to the caller's address.
    func acceptInvitation(_ request: HTTPRequest, _ caller: Principal) throws(Problem) -> HTTPResponse {
        let body = try jsonBody(request)
        var errors: [FieldError] = []
        let token = try requiredString(body, "token", &errors)
        guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
        return try json(200, TeamBody(try call { () throws(TeamError) in try teams.accept(token: token, by: caller) }))
    }

    func teamRole(_ body: JSONObject, _ errors: inout [FieldError]) throws(Problem) -> TeamRole? {
        let raw = try requiredString(body, "role", &errors)
        guard let role = TeamRole(rawValue: raw) else {
            if !raw.isEmpty { errors.append(FieldError(field: "role", code: "role.invalid", message: "must be admin, editor or viewer")) }
            return nil
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
