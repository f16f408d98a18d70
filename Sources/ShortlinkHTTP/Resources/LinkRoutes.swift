import Foundation
import LinkDomain
import QRCode
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
            Route("GET", "/urls/{alias}/qr", "getUrlQRCode", .scope(["links:read", "links:write"]), qrCode),
            Route("GET", "/urls/{alias}/analytics", "getUrlAnalytics", .scope(["analytics:read"]), linkAnalytics),
            Route("GET", "/urls/{alias}/analytics/timeseries", "getUrlTimeSeries", .scope(["analytics:read"]), timeSeries),
            Route("GET", "/urls/{alias}/analytics/breakdown", "getUrlBreakdown", .scope(["analytics:read"]), breakdown),
            Route("GET", "/analytics/summary", "getAccountAnalytics", .scope(["analytics:read"]), accountSummary),
            Route("GET", "/teams/{team}/analytics/summary", "getTeamAnalytics", .scope(["analytics:read"]), teamSummary),
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
        let indexing = body.bool("allowIndexing", nullable: true, errors: &errors)
        var rewrite: RewriteRules?
        if case .value(let o) = body.object("utmBuilder", nullable: true, errors: &errors) {
            let part = RewriteJSON.utmBuilder(o, &errors)
            rewrite = RewriteRules(utm: part.utm, overrideUTM: part.overrideUTM)
        }
        if case .value(let o) = body.object("queryParams", nullable: true, errors: &errors) {
            let part = RewriteJSON.queryParams(o, &errors)
            var rules = rewrite ?? RewriteRules()
            (rules.passVisitorQuery, rules.inject, rules.remove) = (part.passVisitorQuery, part.inject, part.remove)
            rewrite = rules
        }
        guard case .value(let url) = longURL else {
            if longURL == .absent, !errors.contains(where: { $0.field == "longUrl" }) {
                errors.insert(FieldError(field: "longUrl", code: "url.required", message: "is required"), at: 0)
            }
            throw .validation(ValidationError(errors))
        }
        try validate(errors)
        let input = CreateLinkRequest(longURL: url, customAlias: alias.valueOrNil, expirationDate: expiry.valueOrNil,
                                      redirectType: type.valueOrNil, teamID: team.valueOrNil, allowIndexing: indexing.valueOrNil ?? false,
                                      rewrite: rewrite)
        let link = try call { () throws(LinkServiceError) in try links.create(input, by: caller) }
        return try .json(201, LinkBody(link: link, baseURL: baseURL), headers: [("Location", "/api/v1/urls/\(link.code)")])
    }

    func read(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let link = try call { () throws(LinkServiceError) in try links.get(code: c.parameter("alias"), by: caller) }
        return try .json(200, LinkBody(link: link, baseURL: baseURL))
    }

    /// `GET /urls/{alias}/qr?size=`: the link's QR code as SVG. It encodes the short URL with `qr=1`, so that
    /// scans count apart from clicks (`source` in the analytics); `size` is the pixels per module (1…32, 8).
    func qrCode(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        var moduleSize = 8
        if let raw = c.request.queryValue("size") {
            guard let n = Int(raw), (1...32).contains(n) else {
                throw .invalidParameter(FieldError(field: "size", code: "size.range", message: "must be an integer from 1 to 32"))
            }
            moduleSize = n
        }
        let link = try call { () throws(LinkServiceError) in try links.get(code: c.parameter("alias"), by: caller) }
        guard let svg = QRCode.svg("\(baseURL)/\(link.code)?qr=1", correction: .medium, moduleSize: moduleSize) else {
            throw .internal("the short URL does not fit a QR code")
        }
        return HTTPResponse(status: 200, headers: [("Content-Type", "image/svg+xml"),
                                                   ("Content-Disposition", "inline; filename=\"\(link.code).svg\"")],
                            body: Array(svg.utf8))
    }

    func update(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let patch = try c.fields { body, errors in
            var patch = UpdateLinkRequest()
            patch.longURL = body.string("longUrl", errors: &errors)
            patch.expirationDate = body.string("expirationDate", nullable: true, errors: &errors)  // null removes it
            patch.isActive = body.bool("isActive", errors: &errors)
            patch.redirectType = body.int("redirectType", errors: &errors)
            patch.allowIndexing = body.bool("allowIndexing", errors: &errors)
            switch body.object("utmBuilder", nullable: true, errors: &errors) {
            case .absent: break
            case .null: patch.utmBuilder = .null
            case .value(let o): patch.utmBuilder = .value(RewriteJSON.utmBuilder(o, &errors))
            }
            switch body.object("queryParams", nullable: true, errors: &errors) {
            case .absent: break
            case .null: patch.queryParams = .null
            case .value(let o): patch.queryParams = .value(RewriteJSON.queryParams(o, &errors))
            }
            if errors.isEmpty, patch.isEmpty {
                errors.append(FieldError(field: "longUrl", code: "patch.empty",
                                         message: "give at least one of longUrl, expirationDate, isActive, redirectType, allowIndexing, utmBuilder, queryParams"))
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

    /// `GET /urls/{alias}/analytics?cursor=&limit=&bots=`: 004's shape (alias, clickCount, analytics newest
    /// first), a cursor to the next page, and whether the plan includes the details.
    /// With `format=csv`, the clicks as a CSV file (up to 10,000 a page, the next page's URL in `Link`): a
    /// detailed-analytics feature.
    func linkAnalytics(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let format = try Self.enumParameter(c, "format", default: Format.json)
        let limit = format == .csv ? try Self.exportLimit(c) : try c.pageLimit()
        let bots = try Self.enumParameter(c, "bots", default: Bots.exclude) == .include
        var cursor: ClickCursor?
        if let token = c.request.queryValue("cursor"), !token.isEmpty {
            guard let parsed = ClickCursor(token: token) else {
                throw .validation(.field("cursor", "cursor.invalid", "is not a cursor this API gave out"))
            }
            cursor = parsed
        }
        let result = try call { () throws(LinkServiceError) in
            try analytics.linkAnalytics(code: c.parameter("alias"), after: cursor, limit: limit, bots: bots, requireDetails: format == .csv,
                                        by: caller)
        }
        guard format == .csv else { return try .json(200, LinkAnalyticsBody(result)) }
        var headers: [(String, String)] = []
        if let next = result.next {
            var query = ["format=csv", "limit=\(limit)", "cursor=\(next.token)"]
            if bots { query.append("bots=include") }
            headers.append(("Link", "</api/v1/urls/\(result.alias)/analytics?\(query.joined(separator: "&"))>; rel=\"next\""))
        }
        return .csv(header: ["timestamp", "ip", "userAgent", "referer", "device", "os", "browser", "country", "region", "city", "source"],
                    rows: LinkAnalyticsBody(result).analytics.map {
                        [$0.timestamp, $0.ip, $0.userAgent, $0.referer, $0.device, $0.os, $0.browser, $0.country, $0.region, $0.city, $0.source]
                    },
                    name: "\(result.alias)-clicks.csv", headers: headers)
    }
}

extension LinkRoutes {
    /// `bots=`: whether bots' clicks (crawlers, link-preview fetchers, monitors) count; they do not by default.
    enum Bots: String, CaseIterable { case exclude, include }

    /// `format=`: JSON, or a CSV file of the same rows.
    enum Format: String, CaseIterable { case json, csv }

    /// `limit` of a CSV export: 1 to 10,000 (1,000 by default).
    static func exportLimit(_ c: RequestContext) throws(Problem) -> Int {
        guard let raw = c.request.queryValue("limit") else { return 1000 }
        guard let n = Int(raw), (1...10_000).contains(n) else {
            throw .validation(.field("limit", "limit.range", "must be an integer from 1 to 10000"))
        }
        return n
    }

    /// `GET /urls/{alias}/analytics/timeseries?interval=&from=&to=&tz=&bots=`: clicks and unique visitors per
    /// hour, day, week or month of the viewer's time zone; buckets without clicks are zero.
    func timeSeries(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let format = try Self.enumParameter(c, "format", default: Format.json)
        let bots = try Self.enumParameter(c, "bots", default: Bots.exclude) == .include
        let interval = try Self.enumParameter(c, "interval", default: ClickSeries.Interval.day)
        let zone = try Self.timeZone(c)
        let (from, to) = try Self.instants(c)
        let result = try call { () throws(LinkServiceError) in
            try analytics.series(code: c.parameter("alias"), from: from, to: to, interval: interval, zone: zone, bots: bots, by: caller)
        }
        if format == .csv {
            return .csv(header: ["start", "clicks", "uniques"],
                        rows: result.points.map { [Timestamp.format($0.start), String($0.clicks), String($0.uniques)] },
                        name: "\(result.alias)-\(interval.rawValue).csv")
        }
        return try .json(200, SeriesBody(alias: result.alias, interval: interval.rawValue, timeZone: zone.identifier,
                                         from: Timestamp.format(result.from), to: Timestamp.format(result.to),
                                         total: result.points.reduce(0) { $0 + $1.clicks }, uniques: result.points.reduce(0) { $0 + $1.uniques },
                                         points: result.points.map { .init(start: Timestamp.format($0.start), clicks: $0.clicks, uniques: $0.uniques) }))
    }

    /// `GET /urls/{alias}/analytics/breakdown?dimension=&from=&to=&limit=&bots=`: clicks by referrer host (the
    /// default dimension), campaign, country, device, OS, browser or source (QR or link).
    func breakdown(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let format = try Self.enumParameter(c, "format", default: Format.json)
        let bots = try Self.enumParameter(c, "bots", default: Bots.exclude) == .include
        let dimension = try Self.enumParameter(c, "dimension", default: ClickDimension.referrer)
        let (from, to) = try Self.instants(c)
        let limit = try c.pageLimit()
        let result = try call { () throws(LinkServiceError) in
            try analytics.breakdown(code: c.parameter("alias"), dimension: dimension, from: from, to: to, limit: limit, bots: bots, by: caller)
        }
        if format == .csv {
            return .csv(header: [dimension.rawValue, "clicks"], rows: result.items.map { [$0.value, String($0.clicks)] },
                        name: "\(result.alias)-\(dimension.rawValue).csv")
        }
        return try .json(200, BreakdownBody(alias: result.alias, dimension: dimension.rawValue, from: Timestamp.format(result.from),
                                            to: Timestamp.format(result.to),
                                            items: result.items.map { .init(value: $0.value, clicks: $0.clicks) }))
    }

    /// `GET /analytics/summary?from=&to=&bots=&format=`: the caller's personal links.
    func accountSummary(_ c: RequestContext) throws(Problem) -> HTTPResponse { try summary(c, team: nil) }

    /// `GET /teams/{team}/analytics/summary?from=&to=&bots=&format=`: a team's links (any member).
    func teamSummary(_ c: RequestContext) throws(Problem) -> HTTPResponse { try summary(c, team: c.parameter("team")) }

    private func summary(_ c: RequestContext, team: String?) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let format = try Self.enumParameter(c, "format", default: Format.json)
        let bots = try Self.enumParameter(c, "bots", default: Bots.exclude) == .include
        let (from, to) = try Self.instants(c)
        let result = try call { () throws(LinkServiceError) in
            try analytics.summary(team: team, from: from, to: to, bots: bots, requireDetails: format == .csv, by: caller)
        }
        let days = result.days.map { SummaryBody.Day(day: String(Timestamp.format($0.day).prefix(10)), clicks: $0.clicks + (bots ? $0.bots : 0),
                                                     uniques: $0.uniques) }
        if format == .csv {
            return .csv(header: ["day", "clicks", "uniques"], rows: days.map { [$0.day, String($0.clicks), String($0.uniques)] },
                        name: team == nil ? "account-clicks.csv" : "team-clicks.csv")
        }
        return try .json(200, SummaryBody(scope: team == nil ? "account" : "team", from: Timestamp.format(result.from), to: Timestamp.format(result.to),
                                          clicks: result.clicks, detailed: result.detailed, requiredPlan: result.requiredPlan,
                                          uniques: result.uniques, botClicks: result.bots, days: result.detailed ? days : nil,
                                          topLinks: result.topLinks.map { .init(alias: $0.alias, clicks: $0.clicks) }))
    }

    /// A parameter that names one of `T`'s cases; 400 naming it otherwise.
    static func enumParameter<T: RawRepresentable & CaseIterable>(_ c: RequestContext, _ name: String,
                                                                   default value: T) throws(Problem) -> T where T.RawValue == String {
        guard let text = c.request.queryValue(name) else { return value }
        guard let parsed = T(rawValue: text) else {
            throw .invalidParameter(FieldError(field: name, code: "\(name).invalid",
                                               message: "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        return parsed
    }

    /// `tz`: an IANA time zone (`Europe/Paris`), UTC when absent.
    static func timeZone(_ c: RequestContext) throws(Problem) -> TimeZone {
        guard let name = c.request.queryValue("tz") else { return TimeZone(identifier: "UTC")! }
        guard TimeZone.knownTimeZoneIdentifiers.contains(name) || name == "UTC", let zone = TimeZone(identifier: name) else {
            throw .invalidParameter(FieldError(field: "tz", code: "tz.invalid", message: "must be an IANA time zone such as Europe/Paris or UTC"))
        }
        return zone
    }

    /// `from` and `to`: RFC 3339 instants, each optional.
    static func instants(_ c: RequestContext) throws(Problem) -> (Date?, Date?) {
        var out: [Date?] = []
        for name in ["from", "to"] {
            guard let text = c.request.queryValue(name) else { out.append(nil); continue }
            guard let date = Timestamp.parse(text) else {
                throw .invalidParameter(FieldError(field: name, code: "\(name).invalid", message: "must be an RFC 3339 date-time such as 2026-11-01T00:00:00Z"))
            }
            out.append(date)
        }
        return (out[0], out[1])
    }
}

struct SeriesBody: Encodable {
    struct Point: Encodable {
        let start: String
        let clicks: Int64
        let uniques: Int64
    }
    let alias: String
    let interval: String
    let timeZone: String
    let from: String
    let to: String
    let total: Int64
    let uniques: Int64
    let points: [Point]
}

struct SummaryBody: Encodable {
    struct Day: Encodable {
        let day: String
        let clicks: Int64
        let uniques: Int64
    }
    struct Top: Encodable {
        let alias: String
        let clicks: Int64
    }
    let scope: String
    let from: String
    let to: String
    let clicks: Int64
    let detailed: Bool
    let requiredPlan: String?
    let uniques: Int64?
    let botClicks: Int64?
    /// nil members are left out (the synthesized encoding skips them).
    let days: [Day]?
    let topLinks: [Top]
}

struct BreakdownBody: Encodable {
    struct Item: Encodable {
        let value: String
        let clicks: Int64
    }
    let alias: String
    let dimension: String
    let from: String
    let to: String
    let items: [Item]
}

/// 004 §6.4, with the cursor and the plan's answer.
struct LinkAnalyticsBody: Encodable {
    struct Click: Encodable {
        let timestamp: String
        let ip: String
        let userAgent: String
        let referer: String
        let device: String
        let os: String
        let browser: String
        let country: String
        let region: String
        let city: String
        let source: String
    }
    let alias: String
    let clickCount: Int64
    let uniqueVisitors: Int64?
    let botClicks: Int64?
    let analytics: [Click]
    let nextCursor: String?
    let detailed: Bool
    let requiredPlan: String?

    init(_ a: LinkAnalytics) {
        alias = a.alias
        clickCount = a.clickCount
        uniqueVisitors = a.uniqueVisitors
        botClicks = a.botClicks
        analytics = a.clicks.map {
            Click(timestamp: Timestamp.format($0.at), ip: $0.ip, userAgent: $0.userAgent, referer: $0.referer, device: $0.agent.device.rawValue,
                  os: Self.named($0.agent.os, $0.agent.osVersion), browser: Self.named($0.agent.browser, $0.agent.browserVersion),
                  country: $0.geo.country, region: $0.geo.region, city: $0.geo.city, source: $0.viaQR ? "qr" : "link")
        }
        nextCursor = a.next?.token
        detailed = a.detailed
        requiredPlan = a.requiredPlan
    }

    /// `Chrome 120`: a family with its major version, when known.
    static func named(_ family: String, _ version: String) -> String { version.isEmpty || family.isEmpty ? family : "\(family) \(version)" }

    enum Keys: String, CodingKey { case alias, clickCount, uniqueVisitors, botClicks, analytics, nextCursor, detailed, requiredPlan }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(alias, forKey: .alias)
        try c.encode(clickCount, forKey: .clickCount)
        if let uniqueVisitors { try c.encode(uniqueVisitors, forKey: .uniqueVisitors) }
        if let botClicks { try c.encode(botClicks, forKey: .botClicks) }
        try c.encode(analytics, forKey: .analytics)
        try c.encode(nextCursor, forKey: .nextCursor)  // null on the last page
        try c.encode(detailed, forKey: .detailed)
        if let requiredPlan { try c.encode(requiredPlan, forKey: .requiredPlan) }
    }
}
