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
            let users = try adminCall { () throws(AdminError) in
                try admins.users(search: request.queryValue("q"), beforeID: before, limit: limit, by: principal)
            }
            let next = users.count == limit ? users.last.map { Data(String($0.id).utf8).base64EncodedString() } : nil
            return try json(200, UserPage(items: users.map(UserBody.init), nextCursor: next))
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
            let user = try adminCall { () throws(AdminError) in
                try admins.update(userPublicID: id, isActive: active.valueOrNil, planCode: plan.valueOrNil, by: principal)
            }
            return try json(200, UserBody(user))
        case ["stats"]:
            guard method == "GET" else { throw .methodNotAllowed(["GET", "HEAD"]) }
            return try json(200, try adminCall { () throws(AdminError) in try admins.counts(by: principal) })
        default:
            throw .routeNotFound(request.path)
        }
    }

    /// `limit` (1…200, default 50) from the query.
    func pageLimit(_ request: HTTPRequest) throws(Problem) -> Int {
        guard let raw = request.queryValue("limit") else { return 50 }
        guard let n = Int(raw), (1...200).contains(n) else {
            throw .validation(.field("limit", "limit.range", "must be an integer from 1 to 200"))
        }
        return n
    }

    /// The row id an opaque `cursor` stands for, or nil for the first page.
    func cursor(_ request: HTTPRequest) throws(Problem) -> Int64? {
        guard let cursor = request.queryValue("cursor"), !cursor.isEmpty else { return nil }
        guard let data = Data(base64Encoded: cursor), let id = Int64(String(decoding: data, as: UTF8.self)), id > 0 else {
            throw .validation(.field("cursor", "cursor.invalid", "is not a cursor this API gave out"))
        }
        return id
    }

    func adminCall<T>(_ body: () throws(AdminError) -> T) throws(Problem) -> T {
        do { return try body() } catch {
            switch error {
            case .notAdmin: throw .forbidden(scope: "admin")
            case .validation(let v): throw .validation(v)
            case .notFound: throw Problem(slug: "not-found", title: "Not found", status: 404, detail: "no such user")
            case .unavailable: throw .unavailable("the account database")
            case .internalError(let why):
                logger.error("admin request failed", metadata: ["error": "\(why)"])
                throw .internalError
            }
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

/// A page of users.
struct UserPage: Encodable {
    let items: [UserBody]
    let nextCursor: String?

    enum Keys: String, CodingKey { case items, nextCursor }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(items, forKey: .items)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}
