import Foundation
import LinkDomain

/// An RFC 9457 problem: a stable `type`, a title, the status, a human `detail` and optional field errors.
public struct Problem: Error, Equatable {
    /// Stable slug; the `type` member is `/problems/<slug>`.
    public var slug: String
    /// Short summary of the problem type.
    public var title: String
    /// HTTP status.
    public var status: Int
    /// What happened this time.
    public var detail: String
    /// Field-level validation errors.
    public var errors: [FieldError] = []
    /// Extra headers (e.g. `Allow`, `WWW-Authenticate`).
    public var headers: [(String, String)] = []
    /// Extension members of the problem document.
    public var extensions: [String: String] = [:]
    /// What went wrong on the server, for the log only (never sent).
    var logDetail: String?

    /// Creates a problem.
    public init(slug: String, title: String, status: Int, detail: String, errors: [FieldError] = [],
                headers: [(String, String)] = []) {
        self.slug = slug
        self.title = title
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    /// Equal by slug, status, detail and errors.
    public static func == (a: Problem, b: Problem) -> Bool {
        a.slug == b.slug && a.status == b.status && a.detail == b.detail && a.errors == b.errors
    }

    /// The problem+json response.
    public func response() -> HTTPResponse {
        var object: [String: Any] = ["type": "/problems/\(slug)", "title": title, "status": status, "detail": detail]
        for (key, value) in extensions { object[key] = value }
        if !errors.isEmpty {
            object["errors"] = errors.map { ["field": $0.field, "code": $0.code, "message": $0.message] }
        }
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return HTTPResponse(status: status, headers: [("Content-Type", "application/problem+json")] + headers, body: Array(body))
    }
}

extension Problem {
    static func malformedJSON(_ detail: String) -> Problem {
        Problem(slug: "malformed-json", title: "Malformed JSON", status: 400, detail: detail)
    }
    static func validation(_ e: ValidationError) -> Problem {
        Problem(slug: "validation", title: "Invalid input", status: 422,
                detail: e.errors.map { "\($0.field) \($0.message)" }.joined(separator: "; "), errors: e.errors)
    }
    static let unauthenticated = Problem(slug: "unauthenticated", title: "Authentication required", status: 401,
                                         detail: "send an access token or API key as 'Authorization: Bearer …' (or the key as 'X-API-Key')",
                                         headers: [("WWW-Authenticate", "Bearer realm=\"shortlink\"")])
    static let invalidCredentials = Problem(slug: "invalid-credentials", title: "Invalid credentials", status: 401,
                                            detail: "the API key is unknown, revoked or expired",
                                            headers: [("WWW-Authenticate", "Bearer realm=\"shortlink\", error=\"invalid_token\"")])
    static func forbidden(scope: String) -> Problem {
        Problem(slug: "insufficient-scope", title: "Insufficient scope", status: 403,
                detail: "this API key lacks the scope '\(scope)'")
    }
    /// A plan refusal: the type names the plan that unlocks it (`/problems/requires-plan-pro`).
    static func planRefusal(_ r: Entitlements.Refusal) -> Problem {
        let what = r.limit.map { "the \(r.what) limit of \($0)" } ?? "the \(r.what) feature"
        var p = Problem(slug: r.unlockedBy.map { "requires-plan-\($0)" } ?? "plan-limit", title: "Not included in your plan",
                        status: 403, detail: r.unlockedBy.map { "\(what) requires the \($0) plan" } ?? "\(what) is reached")
        p.extensions["feature"] = r.what
        if let plan = r.unlockedBy { p.extensions["requiredPlan"] = plan }
        return p
    }
    /// Something only a signed-in session may do (not an API key).
    static func sessionRequired(_ what: String) -> Problem {
        Problem(slug: "session-required", title: "Signed-in session required", status: 403,
                detail: "\(what) can be made only with an access token from /api/auth/login, not an API key")
    }
    /// The caller's team role does not allow it (`least`: the least role that does; nil: only the owner).
    static func teamRoleRequired(_ least: TeamRole?) -> Problem {
        var p = Problem(slug: "insufficient-team-role", title: "Your team role does not allow this", status: 403,
                        detail: least.map { "this needs the team role \($0.rawValue) or higher" } ?? "only the team's owner may do this")
        p.extensions["requiredRole"] = least?.rawValue ?? "owner"
        return p
    }
    static let linkNotFound = Problem.notFound("no such short link")
    static func routeNotFound(_ path: String) -> Problem {
        .notFound("no route for \(path)")
    }
    static func gone(_ reason: RedirectDecision.GoneReason) -> Problem {
        Problem(slug: "link-\(reason.rawValue)", title: "Link no longer available", status: 410,
                detail: reason == .expired ? "this short link has expired" : "this short link has been disabled")
    }
    static func methodNotAllowed(_ allowed: [String]) -> Problem {
        Problem(slug: "method-not-allowed", title: "Method not allowed", status: 405,
                detail: "allowed: \(allowed.joined(separator: ", "))", headers: [("Allow", allowed.joined(separator: ", "))])
    }
    static func aliasTaken(_ alias: String) -> Problem {
        Problem(slug: "alias-taken", title: "Alias already taken", status: 409, detail: "the alias '\(alias)' is already in use",
                errors: [FieldError(field: "customAlias", code: "alias.taken", message: "is already in use")])
    }
    static func tooLarge(_ limit: Int) -> Problem {
        Problem(slug: "payload-too-large", title: "Request body too large", status: 413, detail: "the body may be at most \(limit) bytes")
    }
    static let unsupportedMediaType = Problem(slug: "unsupported-media-type", title: "Unsupported media type", status: 415,
                                              detail: "send the body as application/json")
    static func unavailable(_ what: String) -> Problem {
        Problem(slug: "service-unavailable", title: "Service unavailable", status: 503,
                detail: "\(what) is unavailable; try again shortly", headers: [("Retry-After", "5")])
    }
    static func tooManyRequests(_ state: RateLimitState) -> Problem {
        Problem(slug: "rate-limited", title: "Too many requests", status: 429,
                detail: "at most \(state.limit) requests a minute; retry in \(state.resetSeconds) s", headers: state.headers)
    }
    static let internalError = Problem(slug: "internal", title: "Internal error", status: 500,
                                       detail: "the server failed to handle the request; it has been logged")
}
