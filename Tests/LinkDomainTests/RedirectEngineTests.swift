import Testing
@testable import LinkDomain

/// The whole answer of the short-link host, state by state, with no server: what used to be tested only
/// through nginx (HEAD, 405, caching headers, which visits are clicks).
@Suite struct RedirectEngineTests {
    static let location = "https://example.com/landing?utm_source=x"

    static func link(_ type: RedirectType = .found, active: Bool = true, expires: Int64? = nil, indexable: Bool = false) -> LinkSnapshot {
        LinkSnapshot(id: 7, redirectType: type, isActive: active, expiresAtMillis: expires, longURL: location, allowsIndexing: indexable)
    }

    static func visit(_ method: String = "GET", at now: Int64 = 1_000) -> Visit {
        Visit(method: method, nowMillis: now, clientAddress: "192.0.2.1", userAgent: "ua", referrer: "https://ref.example/")
    }

    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let link: LinkSnapshot?
        let visit: Visit
        let status: Int
        let kind: RedirectAnswer.Kind
        let headers: [RedirectAnswer.HeaderField]
        let omitBody: Bool
        let click: Int64?
        var description: String { name }
    }

    static let noindex = RedirectAnswer.HeaderField("X-Robots-Tag", "noindex")
    static let indexable = [RedirectAnswer.HeaderField("Location", location), .init("Cache-Control", "private, no-cache")]
    static let temporary = indexable + [noindex]
    static let permanent = [RedirectAnswer.HeaderField("Location", location), .init("Cache-Control", "private, max-age=90"), noindex]
    static let noStore = [RedirectAnswer.HeaderField("Cache-Control", "no-store"), noindex]
    static let allow = [RedirectAnswer.HeaderField("Allow", "GET, HEAD")]

    static let cases: [Case] = [
        Case(name: "302 GET is a click", link: link(.found), visit: visit(), status: 302, kind: .redirect, headers: temporary, omitBody: false, click: 7),
        Case(name: "307 GET", link: link(.temporaryRedirect), visit: visit(), status: 307, kind: .redirect, headers: temporary, omitBody: false, click: 7),
        Case(name: "301 GET may be cached briefly", link: link(.movedPermanently), visit: visit(), status: 301, kind: .redirect, headers: permanent, omitBody: false, click: 7),
        Case(name: "308 GET", link: link(.permanentRedirect), visit: visit(), status: 308, kind: .redirect, headers: permanent, omitBody: false, click: 7),
        Case(name: "a link that opts in to indexing", link: link(indexable: true), visit: visit(), status: 302, kind: .redirect, headers: indexable, omitBody: false, click: 7),
        Case(name: "an indexable link still pauses like any", link: link(active: false, indexable: true), visit: visit(), status: 410, kind: .page(.gone(.deactivated)), headers: noStore, omitBody: false, click: nil),
        Case(name: "HEAD redirects without a body and is no click", link: link(), visit: visit("HEAD"), status: 302, kind: .redirect, headers: temporary, omitBody: true, click: nil),
        Case(name: "unknown link", link: nil, visit: visit(), status: 404, kind: .page(.notFound), headers: noStore, omitBody: false, click: nil),
        Case(name: "unknown link, HEAD", link: nil, visit: visit("HEAD"), status: 404, kind: .page(.notFound), headers: noStore, omitBody: true, click: nil),
        Case(name: "paused", link: link(active: false), visit: visit(), status: 410, kind: .page(.gone(.deactivated)), headers: noStore, omitBody: false, click: nil),
        Case(name: "expired at the instant", link: link(expires: 1_000), visit: visit(at: 1_000), status: 410, kind: .page(.gone(.expired)), headers: noStore, omitBody: false, click: nil),
        Case(name: "a millisecond before expiry", link: link(expires: 1_001), visit: visit(at: 1_000), status: 302, kind: .redirect, headers: temporary, omitBody: false, click: 7),
        Case(name: "paused wins over expired", link: link(active: false, expires: 1), visit: visit(at: 5), status: 410, kind: .page(.gone(.deactivated)), headers: noStore, omitBody: false, click: nil),
        Case(name: "POST", link: link(), visit: visit("POST"), status: 405, kind: .methodNotAllowed, headers: allow, omitBody: false, click: nil),
        Case(name: "DELETE of an unknown link", link: nil, visit: visit("DELETE"), status: 405, kind: .methodNotAllowed, headers: allow, omitBody: false, click: nil),
        Case(name: "lower-case get is not GET", link: link(), visit: visit("get"), status: 405, kind: .methodNotAllowed, headers: allow, omitBody: false, click: nil),
    ]

    @Test(arguments: cases)
    func answers(_ c: Case) {
        let a = RedirectEngine.answer(c.link, c.visit)
        #expect(a.status == c.status)
        #expect(a.kind == c.kind)
        #expect(a.headers == c.headers)
        #expect(a.omitBody == c.omitBody)
        #expect(a.clickOf == c.click)
    }

    @Test func theDestinationIsRewrittenForTheVisitWithoutShortlinksOwnParameters() {
        var plain = Self.link()
        var visit = Self.visit()
        visit.query = "ref=tw&qr=1&dnt=1"
        #expect(RedirectEngine.answer(plain, visit).location == Self.location + "&ref=tw")
        plain.rewrite = RewriteRules(utm: [("utm_medium", "email")], passVisitorQuery: false)
        #expect(RedirectEngine.answer(plain, visit).location == Self.location + "&utm_medium=email")
        #expect(RedirectEngine.answer(Self.link(), Self.visit()).location == Self.location)  // nothing to do: as stored
    }

    @Test(arguments: [
        (RewriteRules(utm: [("utm_id", "x")]), "utmBuilder.params"), (RewriteRules(remove: ["a&b"]), "queryParams.remove"),
        (RewriteRules(remove: [""]), "queryParams.remove"), (RewriteRules(inject: [("a=b", "1")]), "queryParams.inject"),
        (RewriteRules(inject: [("", "1")]), "queryParams.inject"),
        (RewriteRules(inject: (0...20).map { ("p\($0)", "v") }), "queryParams.inject"),
        (RewriteRules(utm: [("utm_source", String(repeating: "x", count: 513))]), "utmBuilder.params"),
    ])
    func badRulesAreRefusedNamingTheField(_ rules: RewriteRules, _ field: String) {
        #expect(throws: ValidationError.self) { try rules.validate() }
        do { try rules.validate() } catch { #expect(error.errors.first?.field == field) }
    }

    /// A GET of a code no link holds is kept as an orphan visit (broken links in the wild); nothing else is.
    @Test func onlyAGetOfAnUnknownCodeIsAnOrphanVisit() {
        #expect(RedirectEngine.answer(nil, Self.visit()).record == .orphanVisit)
        #expect(RedirectEngine.answer(nil, Self.visit("HEAD")).record == nil)
        #expect(RedirectEngine.answer(nil, Self.visit("POST")).record == nil)
        #expect(RedirectEngine.answer(Self.link(active: false), Self.visit()).record == nil)
        #expect(RedirectEngine.answer(Self.link(), Self.visit()).record == .click(linkID: 7))
    }

    @Test(arguments: ["GET", "HEAD"])
    func allowedMethodsAreNotRefusedBeforeTheLookup(_ method: String) {
        #expect(RedirectEngine.refusal(Self.visit(method)) == nil)
    }

    @Test(arguments: ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "BREW"])
    func otherMethodsAreRefusedBeforeTheLookup(_ method: String) {
        #expect(RedirectEngine.refusal(Self.visit(method))?.status == 405)
    }
}
