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
        return try c.cursorPage({ (before, limit) throws(AdminError) in
            try admins.users(search: c.request.queryValue("q"), beforeID: before, limit: limit, by: caller)
        }, id: \.id, as: UserBody.init)
    }

    func updateUser(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let (active, plan) = try c.fields { body, errors in
            let active = body.bool("isActive", errors: &errors)
            let plan = body.string("plan", errors: &errors)
            if active == .null || plan == .null || (active == .absent && plan == .absent) {
                errors.append(FieldError(field: "isActive", code: "patch.empty", message: "give isActive and/or plan"))
            }
            return (active, plan)
        }
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
        try c.cursorPage({ (before, limit) throws(StoreError) in try audit.entries(beforeID: before, limit: limit) },
                         id: \.id, as: AuditItem.init)
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
