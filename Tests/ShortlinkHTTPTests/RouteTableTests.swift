import ShortlinkCore
import Testing
@testable import ShortlinkHTTP

/// The route table as data: patterns, matching, `Allow`, and who each access rule admits.
@Suite struct RouteTableTests {
    static func route(_ method: String, _ pattern: String) -> BoundRoute {
        BoundRoute(spec: RouteSpec(method: method, pattern: RoutePattern(pattern), operationID: "\(method) \(pattern)",
                                   access: .anyone, rate: .perCaller),
                   handle: { _ in HTTPResponse(status: 200) })
    }

    let table = RouteTable(routes: [
        route("GET", "/urls/{alias}"), route("PATCH", "/urls/{alias}"), route("DELETE", "/urls/{alias}"),
        route("POST", "/teams/{team}/members/{userId}"), route("GET", "/me/sessions"), route("DELETE", "/me/sessions/{id}"),
    ])

    func path(_ text: String) -> [Substring] { Array(text.split(separator: "/", omittingEmptySubsequences: false).dropFirst()) }

    @Test func matchesByPathThenMethodWithParameters() {
        guard case .found(let route, let parameters) = table.match(method: "POST", path: path("/teams/t1/members/u2")) else {
            Issue.record("no match")
            return
        }
        #expect(route.spec.operationID == "POST /teams/{team}/members/{userId}")
        #expect(parameters == ["team": "t1", "userId": "u2"])
    }

    @Test func headIsServedByGet() {
        guard case .found(let route, _) = table.match(method: "HEAD", path: path("/urls/abc")) else {
            Issue.record("no match")
            return
        }
        #expect(route.spec.method == "GET")
    }

    @Test func otherMethodsAre405WithAllowInTableOrder() {
        guard case .methodNotAllowed(let allowed) = table.match(method: "PUT", path: path("/urls/abc")) else {
            Issue.record("not 405")
            return
        }
        #expect(allowed == ["GET", "HEAD", "PATCH", "DELETE"])
    }

    @Test(arguments: ["/urls", "/urls/", "/urls/a/b", "/me/sessions/", "/teams//members/u", "/nothing", ""])
    func unknownPathsAndEmptyParametersAre404(_ p: String) {
        guard case .notFound = table.match(method: "GET", path: path(p)) else {
            Issue.record("\(p) matched")
            return
        }
    }

    @Test func patternsPrintAsTheSpecWritesThem() {
        #expect(RoutePattern("/teams/{team}/members/{userId}").description == "/teams/{team}/members/{userId}")
    }

    /// The catalog: one route per (method, path), one per operation id, and the table the router builds from it.
    @Test func theCatalogHasNoDuplicates() {
        let catalog = APIResources.catalog
        #expect(Set(catalog.map { "\($0.method) \($0.pattern)" }).count == catalog.count)
        #expect(Set(catalog.map(\.operationID)).count == catalog.count)
        #expect(catalog.count == 60)
    }

    static let user = Principal(userID: 1, isAdmin: false, scopes: ["links:read"], apiKeyID: 9)
    static var session: Principal {
        var p = Principal(userID: 1, isAdmin: false, scopes: ["links:read", "links:write"], apiKeyID: nil)
        p.sessionID = "s1"
        return p
    }
    static let adminKey = Principal(userID: 2, isAdmin: true, scopes: ["admin"], apiKeyID: 3)
    static let adminWithoutScope = Principal(userID: 2, isAdmin: true, scopes: ["links:read"], apiKeyID: 4)

    /// (access, caller, expected problem slug or nil when admitted)
    @Test(arguments: [
        (Access.anyone, nil, nil), (.anyone, user, nil),
        (.caller, nil, "unauthenticated"), (.caller, user, nil),
        (.scope(["links:read", "links:write"]), user, nil), (.scope(["links:write"]), user, "insufficient-scope"),
        (.scope(["links:write"]), adminKey, nil),
        (.session("x"), user, "session-required"), (.session("x"), session, nil), (.session("x"), adminKey, "session-required"),
        (.sessionOrAdmin("x"), user, "session-required"), (.sessionOrAdmin("x"), session, nil), (.sessionOrAdmin("x"), adminKey, nil),
        (.sessionOrAdmin("x"), adminWithoutScope, "session-required"),
        (.admin, user, "insufficient-scope"), (.admin, session, "insufficient-scope"), (.admin, adminKey, nil),
        (.admin, adminWithoutScope, "insufficient-scope"), (.admin, nil, "unauthenticated"),
    ] as [(Access, Principal?, String?)])
    func accessAdmits(_ access: Access, _ caller: Principal?, _ refusal: String?) {
        do {
            _ = try access.admit(caller)
            #expect(refusal == nil)
        } catch {
            #expect(error.slug == refusal)
        }
    }
}
