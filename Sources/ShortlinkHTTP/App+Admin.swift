import Foundation
import LinkDomain
import ShortlinkCore

extension ShortlinkApp {
    /// `/api/admin/users`, `/api/admin/users/:id`, `/api/admin/stats`.
    func admin(_ parts: [Substring], _ method: String, _ request: HTTPRequest, _ principal: Principal) throws(Problem) -> HTTPResponse {
        switch parts {
        case ["users"]:
            guard method == "GET" else { throw .methodNotAllowed(["GET", "HEAD"]) }
            let limit = try pageLimit(request)
            let before = try cursor(request)
            let users = try call { () throws(AdminError) in
                try admins.users(search: request.queryValue("q"), beforeID: before, limit: limit, by: principal)
            }
            return try json(200, CursorPage(items: users.map(UserBody.init), lastID: users.last?.id, limit: limit))
        case let p where p.count == 2 && p[0] == "users":
            guard method == "PATCH" else { throw .methodNotAllowed(["PATCH"]) }
            let body = try jsonBody(request)
            var errors: [FieldError] = []
            let active = body.bool("isActive", errors: &errors)
            let plan = body.string("plan", errors: &errors)
            if active == .null || plan == .null || (active == .absent && plan == .absent) {
                errors.append(FieldError(field: "isActive", code: "patch.empty", message: "give isActive and/or plan"))
            }
            guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
            let id = String(p[1])
            let user = try call { () throws(AdminError) in
                try admins.update(userPublicID: id, isActive: active.valueOrNil, planCode: plan.valueOrNil, by: principal)
            }
            return try json(200, UserBody(user))
        case ["stats"]:
            guard method == "GET" else { throw .methodNotAllowed(["GET", "HEAD"]) }
            return try json(200, try call { () throws(AdminError) in try admins.counts(by: principal) })
        default:
            throw .routeNotFound(request.path)
        }
    }
}

/// A user for administrators.
struct UserBody: Encodable {
    let id: String
    let email: String
    let role: String
    let isActive: Bool
    let plan: String
    let createdAt: String

    init(_ u: UserSummary) {
        id = u.publicID
        email = u.email
        role = u.role
        isActive = u.isActive
        plan = u.plan
        createdAt = Timestamp.format(u.createdAt)
    }
}
