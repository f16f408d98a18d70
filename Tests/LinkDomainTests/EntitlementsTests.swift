import Testing
@testable import LinkDomain

@Suite struct EntitlementsTests {
    static func plan(_ code: String, _ rank: Int, links: Int?, alias: Bool, expiry: Bool, webhooks: Bool) -> Plan {
        Plan(code: code, name: code, rank: rank, linksPerMonth: links, customAliases: alias, expirationDates: expiry,
             detailedAnalytics: alias, analyticsRetentionDays: nil, apiRequestsPerMinute: nil, customDomains: nil,
             teamSeats: nil, webhooks: webhooks, targetingRules: alias)
    }
    static let free = plan("free", 0, links: 100, alias: false, expiry: false, webhooks: false)
    static let pro = plan("pro", 10, links: 5000, alias: true, expiry: true, webhooks: false)
    static let business = plan("business", 20, links: 50000, alias: true, expiry: true, webhooks: true)
    static let enterprise = plan("enterprise", 30, links: nil, alias: true, expiry: true, webhooks: true)
    static let catalog = [enterprise, free, business, pro]  // order must not matter

    func refusal(_ body: () throws(Entitlements.Refusal) -> Void) -> Entitlements.Refusal? {
        do { try body(); return nil } catch { return error }
    }

    @Test(arguments: [(Feature.customAlias, "pro"), (.expirationDate, "pro"), (.webhooks, "business"), (.detailedAnalytics, "pro")])
    func theFreePlanNamesTheCheapestPlanThatUnlocks(_ feature: Feature, _ unlock: String) {
        let r = refusal { () throws(Entitlements.Refusal) in try Entitlements.require(feature, plan: Self.free, catalog: Self.catalog) }
        #expect(r == Entitlements.Refusal(what: feature.rawValue, unlockedBy: unlock, limit: nil))
    }

    @Test(arguments: Feature.allCases)
    func enterpriseIncludesEverything(_ feature: Feature) throws {
        try Entitlements.require(feature, plan: Self.enterprise, catalog: Self.catalog)
    }

    @Test func quotasRefuseAtTheLimitAndNameALargerPlan() throws {
        try Entitlements.require(.linksPerMonth, used: 99, plan: Self.free, catalog: Self.catalog)
        let r = refusal { () throws(Entitlements.Refusal) in
            try Entitlements.require(.linksPerMonth, used: 100, plan: Self.free, catalog: Self.catalog)
        }
        #expect(r == Entitlements.Refusal(what: "links-per-month", unlockedBy: "pro", limit: 100))
        let big = refusal { () throws(Entitlements.Refusal) in
            try Entitlements.require(.linksPerMonth, used: 10_000, plan: Self.pro, catalog: Self.catalog)
        }
        #expect(big?.unlockedBy == "business")
        try Entitlements.require(.linksPerMonth, used: 1_000_000, plan: Self.enterprise, catalog: Self.catalog)
    }

    @Test func nothingUnlocksBeyondTheTopPlan() {
        let capped = Self.plan("top", 40, links: 10, alias: true, expiry: true, webhooks: true)
        let r = refusal { () throws(Entitlements.Refusal) in
            try Entitlements.require(.linksPerMonth, used: 10, plan: capped, catalog: [capped])
        }
        #expect(r?.unlockedBy == nil)
    }
}
