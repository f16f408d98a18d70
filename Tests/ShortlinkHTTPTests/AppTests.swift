import Foundation
import LinkDomain
import Logging
import ShortlinkCore
import ShortlinkTestSupport
import Testing
@testable import ShortlinkHTTP

/// The HTTP application in process, over in-memory fakes of its ports: the short-link host and the links API,
/// their failure paths included. What only nginx can show (headers it adds, its own errors, TLS) stays in
/// Tests/e2e.
@Suite struct AppTests {
    static let writer = "slk_" + String(repeating: "w", count: 40)
    static let reader = "slk_" + String(repeating: "r", count: 40)

    let store = InMemoryLinkStore()
    let cache = InMemoryLinkCache()
    let keys = InMemoryKeys()
    let counters = InMemoryCounters()
    let health = SettableHealth()
    let clock = ManualClock()
    let clicks = InMemoryClicks()
    let plans = FixedPlans()
    let app: ShortlinkApp

    init() {
        let logger = Logger(label: "app-tests")
        let links = LinkService(store: store, plans: plans, teams: InMemoryTeams(), cache: cache, clock: clock, domainID: 1,
                                ownHosts: [URLHost(parsing: "sho.rt")!], logger: logger)
        keys.add(Self.writer, Principal(userID: 10, isAdmin: false, scopes: ["links:read", "links:write", "analytics:read"], apiKeyID: 1,
                                        requestsPerMinute: 100))
        keys.add(Self.reader, Principal(userID: 11, isAdmin: false, scopes: ["links:read"], apiKeyID: 2, requestsPerMinute: 100))
        let api = APIRouter([HealthRoutes(health: health), LinkRoutes(links: links, analytics: AnalyticsService(links: links, reader: clicks, clock: clock),
                                                                 baseURL: "https://sho.rt")],
                            identity: CallerIdentity(keys: keys, sessions: NoSessions()),
                            limiter: RateLimiter(counters: counters, clock: clock, anonymousPerMinute: 3, logger: logger),
                            maxBody: 1024)
        app = ShortlinkApp(links: links, clock: clock, api: api, baseURL: "https://sho.rt", logger: logger)
    }

    /// One request through the whole application.
    func send(_ method: String, _ target: String, key: String? = nil, headers: [String: String] = [:],
              body: String? = nil, contentType: String? = "application/json") -> (HTTPResponse, ClickRecord?) {
        let parts = target.split(separator: "?", maxSplits: 1)
        var fields = headers
        if let key { fields["authorization"] = "Bearer \(key)" }
        if body != nil, let contentType { fields["content-type"] = contentType }
        let bytes = Array((body ?? "").utf8)
        let request = HTTPRequest(method: method, path: String(parts[0]), query: parts.count > 1 ? String(parts[1]) : "",
                                  remoteAddress: "192.0.2.7", contentLength: bytes.count,
                                  header: { fields[$0] }, readBody: { limit in bytes.count <= limit ? bytes : nil })
        return app.handle(request)
    }

    func json(_ response: HTTPResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }

    func create(_ url: String = "https://example.com/landing") -> String {
        let (r, _) = send("POST", "/api/v1/urls", key: Self.writer, body: "{\"longUrl\":\"\(url)\"}")
        #expect(r.status == 201, "\(String(decoding: r.body, as: UTF8.self))")
        return json(r)["alias"] as? String ?? ""
    }

    // MARK: The short-link host

    @Test func aLinkRedirectsAndTheVisitIsAClick() {
        let alias = create()
        let (r, click) = send("GET", "/\(alias)", headers: ["user-agent": "Browser/1", "referer": "https://news.example/"])
        #expect(r.status == 302)
        #expect(r.headerValue("Location") == "https://example.com/landing")
        #expect(r.headerValue("Cache-Control") == "private, no-cache")
        #expect(click?.code == alias && click?.userAgent == "Browser/1" && click?.referer == "https://news.example/")
        #expect(click?.ip == "192.0.2.7")
    }

    @Test func headAnswersLikeGetWithoutBodyAndIsNoClick() {
        let alias = create()
        let (r, click) = send("HEAD", "/\(alias)")
        #expect(r.status == 302 && r.omitBody && click == nil)
    }

    @Test func otherMethodsAre405BeforeAnyLookup() {
        let alias = create()
        let reads = store.snapshotReads + cache.lookups
        let (r, click) = send("POST", "/\(alias)")
        #expect(r.status == 405 && r.headerValue("Allow") == "GET, HEAD" && click == nil)
        #expect(store.snapshotReads + cache.lookups == reads)
    }

    @Test func anUnknownCodeIsA404PageForBrowsersAndProblemJSONForClients() {
        let (page, _) = send("GET", "/nope123", headers: ["accept": "text/html"])
        #expect(page.status == 404 && page.headerValue("Content-Type") == "text/html; charset=utf-8")
        #expect(page.headerValue("Cache-Control") == "no-store")
        let (problem, _) = send("GET", "/nope123", headers: ["accept": "application/json"])
        #expect(problem.status == 404 && problem.headerValue("Content-Type") == "application/problem+json")
        #expect(json(problem)["type"] as? String == "/problems/not-found")
    }

    @Test func aPausedLinkIsGoneAndSoIsAnExpiredOne() {
        let alias = create()
        let (patched, _) = send("PATCH", "/api/v1/urls/\(alias)", key: Self.writer, body: "{\"isActive\":false}")
        #expect(patched.status == 200)
        let (r, click) = send("GET", "/\(alias)", headers: ["accept": "application/json"])
        #expect(r.status == 410 && click == nil)
        #expect(json(r)["type"] as? String == "/problems/link-disabled")
    }

    @Test func theRedirectAnswers503WhenNeitherCacheNorDatabaseAnswers() {
        let alias = create()
        cache.isDown = true
        store.isDown = true
        let (r, click) = send("GET", "/\(alias)", headers: ["accept": "application/json"])
        #expect(r.status == 503 && click == nil && r.headerValue("Retry-After") == "5")
        cache.isDown = false  // the cache alone still serves
        store.isDown = true
        #expect(send("GET", "/\(alias)").0.status == 302)
    }

    @Test func productPathsAreNeverLookedUp() {
        let (r, _) = send("GET", "/verify-email", headers: ["accept": "application/json"])
        #expect(r.status == 404 && cache.lookups == 0)
    }

    // MARK: The API

    @Test func everyAPIAnswerHasARequestIdAndIsNeverCached() {
        for (method, path) in [("GET", "/api/v1/health"), ("GET", "/api/v1/nothing"), ("PUT", "/api/v1/urls")] {
            let (r, click) = send(method, path, key: Self.writer)
            #expect(r.headerValue("Cache-Control") == "no-store" && click == nil, "\(method) \(path)")
            #expect(r.headerValue("X-Request-Id")?.count == 16, "\(method) \(path)")
        }
    }

    @Test func unknownRoutesAre404AndOtherMethods405WithAllow() {
        let (missing, _) = send("GET", "/api/v1/links", key: Self.writer)
        #expect(missing.status == 404 && json(missing)["type"] as? String == "/problems/not-found")
        let (wrong, _) = send("PUT", "/api/v1/urls/abc", key: Self.writer)
        #expect(wrong.status == 405 && wrong.headerValue("Allow") == "GET, HEAD, PATCH, DELETE")
    }

    @Test func theLinkResourceRoundTrips() {
        let alias = create("https://example.com/a")
        let (read, _) = send("GET", "/api/urls/\(alias)", key: Self.writer)
        #expect(read.status == 200 && json(read)["longUrl"] as? String == "https://example.com/a")
        let (head, _) = send("HEAD", "/api/v1/urls/\(alias)", key: Self.writer)
        #expect(head.status == 200 && head.omitBody)
        let (patched, _) = send("PATCH", "/api/v1/urls/\(alias)", key: Self.writer, body: "{\"longUrl\":\"https://example.com/b\"}")
        #expect(json(patched)["longUrl"] as? String == "https://example.com/b")
        #expect(send("GET", "/\(alias)").0.headerValue("Location") == "https://example.com/b")  // the cache was updated
        #expect(send("DELETE", "/api/v1/urls/\(alias)", key: Self.writer).0.status == 204)
        #expect(send("GET", "/\(alias)").0.status == 404)
        #expect(store.audit.map(\.action) == ["link.create", "link.update", "link.delete"])
    }

    @Test func credentialsAreCheckedBeforeTheBody() {
        let (anonymous, _) = send("POST", "/api/v1/urls", body: "{not json")
        #expect(anonymous.status == 401 && anonymous.headerValue("WWW-Authenticate")?.hasPrefix("Bearer") == true)
        let (unknown, _) = send("POST", "/api/v1/urls", key: "slk_" + String(repeating: "u", count: 40), body: "{}")
        #expect(unknown.status == 401 && json(unknown)["type"] as? String == "/problems/invalid-credentials")
        // A key without the scope learns nothing about the body's rules.
        let (scope, _) = send("POST", "/api/v1/urls", key: Self.reader, body: "{not json")
        #expect(scope.status == 403 && json(scope)["type"] as? String == "/problems/insufficient-scope")
        #expect(store.links.isEmpty)
    }

    @Test(arguments: [
        ("{\"longUrl\":\"https://example.com\"}", "text/plain", 415, "unsupported-media-type"),
        ("{\"longUrl\":\"https://example.com\",\"longUrl\":\"https://x.example\"}", "application/json", 400, "malformed-json"),
        ("{}", "application/json", 422, "validation"),
        ("{\"longUrl\":\"javascript:alert(1)\"}", "application/json", 422, "validation"),
        ("{\"longUrl\":\"https://sho.rt/loop\"}", "application/json", 422, "validation"),
        (String(repeating: " ", count: 2000) + "{}", "application/json", 413, "payload-too-large"),
    ])
    func badBodiesAreRefusedAndChangeNothing(_ body: String, _ type: String, _ status: Int, _ slug: String) {
        let (r, _) = send("POST", "/api/v1/urls", key: Self.writer, body: body, contentType: type)
        #expect(r.status == status && json(r)["type"] as? String == "/problems/\(slug)")
        #expect(store.links.isEmpty && store.audit.isEmpty)
    }

    @Test func anonymousCallersAreLimitedPerAddress() {
        let statuses = (0..<4).map { _ in send("GET", "/api/v1/health").0 }
        #expect(statuses.map(\.status) == [200, 200, 200, 429])
        #expect(statuses[3].headerValue("Retry-After") != nil && statuses[0].headerValue("RateLimit-Limit") == "3")
        counters.isDown = true  // counters unavailable: fail open
        #expect(send("GET", "/api/v1/health").0.status == 200)
    }

    @Test func aStoreFailureIs503WithTheRequestIdToReport() {
        store.isDown = true
        let (r, _) = send("POST", "/api/v1/urls", key: Self.writer, body: "{\"longUrl\":\"https://example.com\"}")
        #expect(r.status == 503 && json(r)["requestId"] as? String == r.headerValue("X-Request-Id"))
        keys.isDown = true
        #expect(send("GET", "/api/v1/urls/abc", key: Self.writer).0.status == 503)
    }

    @Test func healthSaysWhatIsDown() {
        health.cache = false
        #expect(json(send("GET", "/api/health").0)["status"] as? String == "degraded")
        health.database = false
        let (r, _) = send("GET", "/api/health")
        #expect(r.status == 503 && json(r)["database"] as? String == "down")
    }

    // MARK: Analytics

    func ingest(_ alias: String, linkID: Int64, count: Int) {
        for n in 0..<count {
            clicks.add(ClickRecord(timeMillis: 1_800_000_000_000 + Int64(n % 3) * 1000, linkID: linkID, domainID: 1, code: alias,
                                             status: 302, ip: "192.0.2.\(n)", userAgent: "UA \(n)", referer: ""))
        }
    }

    @Test func theFreePlanSeesTheCountAndAPaidOneThePagesNewestFirst() throws {
        let alias = create()
        let id = try #require(store.links.values.first { $0.code == alias }?.id)
        ingest(alias, linkID: id, count: 5)
        let (free, _) = send("GET", "/api/v1/urls/\(alias)/analytics", key: Self.writer)
        #expect(free.status == 200 && json(free)["clickCount"] as? Int == 5 && json(free)["detailed"] as? Bool == false)
        #expect((json(free)["analytics"] as? [Any])?.isEmpty == true && json(free)["requiredPlan"] as? String == "pro")
        plans.plans[10] = FixedPlans.pro
        var seen: [String] = []
        var next: String? = nil
        repeat {
            let query = "limit=2" + (next.map { "&cursor=\($0)" } ?? "")
            let (page, _) = send("GET", "/api/v1/urls/\(alias)/analytics?\(query)", key: Self.writer)
            #expect(page.status == 200 && json(page)["detailed"] as? Bool == true)
            seen += (json(page)["analytics"] as? [[String: Any]] ?? []).compactMap { $0["ip"] as? String }
            next = json(page)["nextCursor"] as? String
        } while next != nil
        #expect(seen == ["192.0.2.2", "192.0.2.4", "192.0.2.1", "192.0.2.3", "192.0.2.0"])  // newest first, then by id
    }

    @Test func analyticsNeedTheScopeAndAValidCursor() {
        let alias = create()
        let (scope, _) = send("GET", "/api/v1/urls/\(alias)/analytics", key: Self.reader)
        #expect(scope.status == 403 && json(scope)["type"] as? String == "/problems/insufficient-scope")
        let (cursor, _) = send("GET", "/api/v1/urls/\(alias)/analytics?cursor=bm9wZQ", key: Self.writer)
        #expect(cursor.status == 422 && (json(cursor)["errors"] as? [[String: Any]])?.first?["field"] as? String == "cursor")
        let (other, _) = send("GET", "/api/v1/urls/nope123/analytics", key: Self.writer)
        #expect(other.status == 404)
    }

    @Test func seriesAndBreakdownsArePaidAndCountTheViewersDays() throws {
        let alias = create()
        let id = try #require(store.links.values.first { $0.code == alias }?.id)
        for (n, (hoursAgo, ref, query)) in [(1, "https://news.example/a", "utm_source=nl"), (2, "https://news.example/b", ""),
                                             (30, "", "utm_source=nl")].enumerated() {
            clicks.add(ClickRecord(timeMillis: Timestamp.millis(clock.now) - Int64(hoursAgo) * 3_600_000, linkID: id, domainID: 1,
                                             code: alias, status: 302, ip: "192.0.2.\(n)", userAgent: "UA", referer: ref, query: query))
        }
        let (free, _) = send("GET", "/api/v1/urls/\(alias)/analytics/timeseries", key: Self.writer)
        #expect(free.status == 403 && json(free)["type"] as? String == "/problems/requires-plan-pro")
        plans.plans[10] = FixedPlans.pro
        let (series, _) = send("GET", "/api/v1/urls/\(alias)/analytics/timeseries?interval=day&from=2027-01-13T00:00:00Z&to=2027-01-16T00:00:00Z&tz=UTC",
                               key: Self.writer)
        #expect(series.status == 200 && json(series)["total"] as? Int == 3)
        let points = json(series)["points"] as? [[String: Any]] ?? []
        #expect(points.map { $0["clicks"] as? Int } == [0, 1, 2])  // the 13th, 14th (30 h before 08:00 on the 15th) and 15th
        #expect(points.first?["start"] as? String == "2027-01-13T00:00:00.000Z")
        let (refs, _) = send("GET", "/api/v1/urls/\(alias)/analytics/breakdown?dimension=referrer&from=2027-01-13T00:00:00Z&to=2027-01-16T00:00:00Z",
                             key: Self.writer)
        let items = json(refs)["items"] as? [[String: Any]] ?? []
        #expect(refs.status == 200 && items.map { $0["value"] as? String } == ["news.example", ""])
        #expect(items.map { $0["clicks"] as? Int } == [2, 1])
    }

    @Test(arguments: [
        ("timeseries?interval=fortnight", "interval"), ("timeseries?tz=Mars%2FOlympus", "tz"), ("timeseries?tz=CET2", "tz"),
        ("timeseries?from=yesterday", "from"), ("timeseries?from=2027-01-10T00:00:00Z&to=2027-01-09T00:00:00Z", "from"),
        ("timeseries?interval=hour&from=2026-11-01T00:00:00Z&to=2027-01-01T00:00:00Z", "from"),
        ("timeseries?from=2025-01-01T00:00:00Z&to=2025-02-01T00:00:00Z", "from"),  // before the pro plan's 365 days
        ("breakdown?dimension=city", "dimension"), ("breakdown?dimension=referrer&limit=0", "limit"),
        ("breakdown?bots=maybe", "bots"), ("timeseries?format=xml", "format"), ("breakdown?format=pdf", "format"),
        ("timeseries?bots=INCLUDE", "bots"),
    ])
    func badParametersAre400NamingThem(_ query: String, _ field: String) throws {
        let alias = create()
        plans.plans[10] = FixedPlans.pro
        let (r, _) = send("GET", "/api/v1/urls/\(alias)/analytics/\(query)", key: Self.writer)
        let named = (json(r)["errors"] as? [[String: Any]])?.first?["field"] as? String
        #expect((r.status == 400 || (field == "limit" && r.status == 422)) && named == field, "\(r.status) \(json(r))")
    }
}
