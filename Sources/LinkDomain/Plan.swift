/// A subscription plan and what it entitles its holder to. Plans are data (the `plans` table); nil limits
/// mean unlimited.
public struct Plan: Sendable, Equatable {
    /// Stable code: `free`, `pro`, `business`, `enterprise`.
    public var code: String
    /// Display name.
    public var name: String
    /// Order from cheapest to richest.
    public var rank: Int
    /// Links a holder may create per calendar month (UTC).
    public var linksPerMonth: Int?
    /// May choose custom aliases.
    public var customAliases: Bool
    /// May set expiration dates.
    public var expirationDates: Bool
    /// Sees detailed (per-click) analytics.
    public var detailedAnalytics: Bool
    /// Days of analytics kept.
    public var analyticsRetentionDays: Int?
    /// API requests per minute.
    public var apiRequestsPerMinute: Int?
    /// Custom domains.
    public var customDomains: Int?
    /// Team seats.
    public var teamSeats: Int?
    /// May register webhooks.
    public var webhooks: Bool
    /// May use targeting rules.
    public var targetingRules: Bool

    /// Creates a plan.
    public init(code: String, name: String, rank: Int, linksPerMonth: Int?, customAliases: Bool, expirationDates: Bool,
                detailedAnalytics: Bool, analyticsRetentionDays: Int?, apiRequestsPerMinute: Int?, customDomains: Int?,
                teamSeats: Int?, webhooks: Bool, targetingRules: Bool) {
        self.code = code
        self.name = name
        self.rank = rank
        self.linksPerMonth = linksPerMonth
        self.customAliases = customAliases
        self.expirationDates = expirationDates
        self.detailedAnalytics = detailedAnalytics
        self.analyticsRetentionDays = analyticsRetentionDays
        self.apiRequestsPerMinute = apiRequestsPerMinute
        self.customDomains = customDomains
        self.teamSeats = teamSeats
        self.webhooks = webhooks
        self.targetingRules = targetingRules
    }
}

/// A feature a plan may or may not include.
public enum Feature: String, Sendable, CaseIterable {
    case customAlias = "custom-alias"
    case expirationDate = "expiration-date"
    case detailedAnalytics = "detailed-analytics"
    case webhooks
    case targetingRules = "targeting-rules"

    func isIncluded(in plan: Plan) -> Bool {
        switch self {
        case .customAlias: return plan.customAliases
        case .expirationDate: return plan.expirationDates
        case .detailedAnalytics: return plan.detailedAnalytics
        case .webhooks: return plan.webhooks
        case .targetingRules: return plan.targetingRules
        }
    }
}

/// A counted allowance of a plan.
public enum Quota: String, Sendable, CaseIterable {
    case linksPerMonth = "links-per-month"
    case customDomains = "custom-domains"
    case teamSeats = "team-seats"

    func limit(of plan: Plan) -> Int? {
        switch self {
        case .linksPerMonth: return plan.linksPerMonth
        case .customDomains: return plan.customDomains
        case .teamSeats: return plan.teamSeats
        }
    }
}

/// The one entitlement check every handler uses.
public enum Entitlements {
    /// Why a plan refuses something.
    public struct Refusal: Error, Sendable, Equatable {
        /// The feature or quota refused (`custom-alias`, `links-per-month`…).
        public var what: String
        /// The cheapest plan that allows it, if any does.
        public var unlockedBy: String?
        /// The limit reached, for quotas.
        public var limit: Int?
    }

    /// Refuses `feature` unless `plan` includes it, naming the cheapest plan of `catalog` that does.
    public static func require(_ feature: Feature, plan: Plan, catalog: [Plan]) throws(Refusal) {
        guard !feature.isIncluded(in: plan) else { return }
        let unlock = catalog.filter { $0.rank > plan.rank && feature.isIncluded(in: $0) }.min { $0.rank < $1.rank }
        throw Refusal(what: feature.rawValue, unlockedBy: unlock?.code, limit: nil)
    }

    /// Refuses one more use of `quota` when `used` already reaches the plan's limit.
    public static func require(_ quota: Quota, used: Int, plan: Plan, catalog: [Plan]) throws(Refusal) {
        guard let limit = quota.limit(of: plan), used >= limit else { return }
        let unlock = catalog.filter { p in p.rank > plan.rank && (quota.limit(of: p).map { $0 > used } ?? true) }
            .min { $0.rank < $1.rank }
        throw Refusal(what: quota.rawValue, unlockedBy: unlock?.code, limit: limit)
    }
}
