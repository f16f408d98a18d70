import Foundation
import LinkDomain
import ShortlinkCore

/// `/urls`: create, read, change and delete short links.
public struct LinkRoutes: APIResource {
    let links: LinkService
    let analytics: AnalyticsService
    let baseURL: String

    /// The link handlers over `links` and their `analytics`; `baseURL` makes each link's short URL.
    public init(links: LinkService, analytics: AnalyticsService, baseURL: String) {
        self.links = links
        self.analytics = analytics
        self.baseURL = baseURL
    }

    public static var routes: [Route<LinkRoutes>] {
        [
            Route("POST", "/urls", "createUrl", .scope(["links:write"]), create),
            Route("GET", "/urls/{alias}", "getUrl", .scope(["links:read", "links:write"]), read),
            Route("PATCH", "/urls/{alias}", "updateUrl", .scope(["links:write"]), update),
            Route("DELETE", "/urls/{alias}", "deleteUrl", .scope(["links:write"]), delete),
            Route("GET", "/urls/{alias}/analytics", "getUrlAnalytics", .scope(["analytics:read"]), linkAnalytics),
        ]
    }

    func create(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let body = try c.jsonBody()
        var errors: [FieldError] = []
        let longURL = body.string("longUrl", errors: &errors)
        // The optional members are nullable: null means "none", as the spec says.
        let alias = body.string("customAlias", nullable: true, errors: &errors)
        let expiry = body.string("expirationDate", nullable: true, errors: &errors)
        let type = body.int("redirectType", nullable: true, errors: &errors)
        let team = body.string("teamId", nullable: true, errors: &errors)
        guard case .value(let url) = longURL else {
            if longURL == .absent, !errors.contains(where: { $0.field == "longUrl" }) {
                errors.insert(FieldError(field: "longUrl", code: "url.required", message: "is required"), at: 0)
            }
            throw .validation(ValidationError(errors))
        }
        try validate(errors)
        let input = CreateLinkRequest(longURL: url, customAlias: alias.valueOrNil, expirationDate: expiry.valueOrNil,
                                      redirectType: type.valueOrNil, teamID: team.valueOrNil)
        let link = try call { () throws(LinkServiceError) in try links.create(input, by: caller) }
        return try .json(201, LinkBody(link: link, baseURL: baseURL), headers: [("Location", "/api/v1/urls/\(link.code)")])
    }

    func read(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let link = try call { () throws(LinkServiceError) in try links.get(code: c.parameter("alias"), by: caller) }
        return try .json(200, LinkBody(link: link, baseURL: baseURL))
    }

    func update(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let patch = try c.fields { body, errors in
            var patch = UpdateLinkRequest()
            patch.longURL = body.string("longUrl", errors: &errors)
            patch.expirationDate = body.string("expirationDate", nullable: true, errors: &errors)  // null removes it
            patch.isActive = body.bool("isActive", errors: &errors)
            patch.redirectType = body.int("redirectType", errors: &errors)
            if errors.isEmpty, patch.isEmpty {
                errors.append(FieldError(field: "longUrl", code: "patch.empty",
                                         message: "give at least one of longUrl, expirationDate, isActive, redirectType"))
            }
            return patch
        }
        let link = try call { () throws(LinkServiceError) in try links.update(code: c.parameter("alias"), patch, by: caller) }
        return try .json(200, LinkBody(link: link, baseURL: baseURL))
    }

    func delete(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        try call { () throws(LinkServiceError) in try links.delete(code: c.parameter("alias"), by: caller) }
        return .noContent
    }

    /// `GET /urls/{alias}/analytics?cursor=&limit=`: 004's shape (alias, clickCount, analytics newest first), a
    /// cursor to the next page, and whether the plan includes the details.
    func linkAnalytics(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let limit = try c.pageLimit()
        var cursor: ClickCursor?
        if let token = c.request.queryValue("cursor"), !token.isEmpty {
            guard let parsed = ClickCursor(token: token) else {
                throw .validation(.field("cursor", "cursor.invalid", "is not a cursor this API gave out"))
            }
            cursor = parsed
        }
        let result = try call { () throws(LinkServiceError) in
            try analytics.linkAnalytics(code: c.parameter("alias"), after: cursor, limit: limit, by: caller)
        }
        return try .json(200, LinkAnalyticsBody(result))
    }
}

/// 004 §6.4, with the cursor and the plan's answer.
struct LinkAnalyticsBody: Encodable {
    struct Click: Encodable {
        let timestamp: String
        let ip: String
        let userAgent: String
        let referer: String
    }
    let alias: String
    let clickCount: Int64
    let analytics: [Click]
    let nextCursor: String?
    let detailed: Bool
    let requiredPlan: String?

    init(_ a: LinkAnalytics) {
        alias = a.alias
        clickCount = a.clickCount
        analytics = a.clicks.map { Click(timestamp: Timestamp.format($0.at), ip: $0.ip, userAgent: $0.userAgent, referer: $0.referer) }
        nextCursor = a.next?.token
        detailed = a.detailed
        requiredPlan = a.requiredPlan
    }

    enum Keys: String, CodingKey { case alias, clickCount, analytics, nextCursor, detailed, requiredPlan }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(alias, forKey: .alias)
        try c.encode(clickCount, forKey: .clickCount)
        try c.encode(analytics, forKey: .analytics)
        try c.encode(nextCursor, forKey: .nextCursor)  // null on the last page
        try c.encode(detailed, forKey: .detailed)
        if let requiredPlan { try c.encode(requiredPlan, forKey: .requiredPlan) }
    }
}
