import Foundation
import LinkDomain
import ShortlinkCore

/// `/admin/…` and `/audit`: what system administrators see and change.
public struct AdminRoutes: APIResource {
    let admins: AdminService
    let audit: AuditLog

    /// The administration handlers.
    public init(admins: AdminService, audit: AuditLog) {
        self.admins = admins
        self.audit = audit
    }

    public static var routes: [Route<AdminRoutes>] {
        [
            Route("GET", "/admin/users", "adminListUsers", .admin, users),
            Route("PATCH", "/admin/users/{id}", "adminUpdateUser", .admin, updateUser),
            Route("GET", "/admin/stats", "adminStats", .admin, stats),
            Route("GET", "/audit", "listAudit", .admin, auditLog),
        ]
    }

    func users(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let limit = try c.pageLimit()
        let before = try c.cursor()
        let users = try call { () throws(AdminError) in
            try admins.users(search: c.request.queryValue("q"), beforeID: before, limit: limit, by: caller)
        }
        return try .json(200, CursorPage(items: users.map(UserBody.init), lastID: users.last?.id, limit: limit))
    }

    func updateUser(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let body = try c.jsonBody()
        var errors: [FieldError] = []
        let active = body.bool("isActive", errors: &errors)
        let plan = body.string("plan", errors: &errors)
        if active == .null || plan == .null || (active == .absent && plan == .absent) {
            errors.append(FieldError(field: "isActive", code: "patch.empty", message: "give isActive and/or plan"))
        }
        try validate(errors)
        let user = try call { () throws(AdminError) in
            try admins.update(userPublicID: c.parameter("id"), isActive: active.valueOrNil, planCode: plan.valueOrNil, by: caller)
        }
        return try .json(200, UserBody(user))
    }

    func stats(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        return try .json(200, try call { () throws(AdminError) in try admins.counts(by: caller) })
    }

    /// `GET /audit?cursor=&limit=`: the whole audit log, newest first.
    func auditLog(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let limit = try c.pageLimit()
        let before = try c.cursor()
        let entries = try call { () throws(StoreError) in try audit.entries(beforeID: before, limit: limit) }
        return try .json(200, CursorPage(items: entries.map(AuditItem.init), lastID: entries.last?.id, limit: limit))
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
