import Foundation
import LinkDomain
import ShortlinkCore

/// `PlanStore` and `SubscriptionStore` on MariaDB: the `plans` and `subscriptions` tables.
public final class MariaDBPlans: PlanStore, SubscriptionStore {
    private let db: MariaDBConnection

    /// Creates the store over a connection.
    public init(connection: MariaDBConnection) { db = connection }

    /// The plan columns, from a table aliased `p`; `decode` reads them back.
    static let columns = """
        p.code, p.name, p.plan_rank, p.links_per_month, p.custom_aliases, p.expiration_dates, p.detailed_analytics,
        p.analytics_retention_days, p.api_requests_per_minute, p.custom_domains, p.team_seats, p.webhooks, p.targeting_rules
        """

    /// The SQL condition "subscription `s` is in force at `now`" (`now` is an SQL expression).
    static func inForce(now: String) -> String {
        """
        (s.status = 'active' OR (s.status = 'trialing' AND (s.trial_ends_at IS NULL OR s.trial_ends_at > \(now)))
         OR (s.status = 'canceled' AND s.current_period_end > \(now)))
        """
    }

    /// The subscribed plan while it is in force, else `free`.
    public func plan(forUser userID: Int64, now: Date) throws(StoreError) -> Plan {
        let r = try db.execute(
            """
            SELECT \(Self.columns) FROM subscriptions s JOIN plans p ON p.code = s.plan_code
            WHERE s.user_id = ? AND \(Self.inForce(now: "?"))
            """, [.int(userID), .date(now), .date(now)], isRead: true)
        if let row = r.rows.first { return try Self.decode(row) }
        let free = try db.execute("SELECT \(Self.columns) FROM plans p WHERE p.code = 'free'", isRead: true)
        guard let row = free.rows.first else { throw .failed("the free plan is missing from the plans table") }
        return try Self.decode(row)
    }

    /// Every plan, cheapest first.
    public func catalog() throws(StoreError) -> [Plan] {
        var plans: [Plan] = []
        for row in try db.execute("SELECT \(Self.columns) FROM plans p ORDER BY p.plan_rank", isRead: true).rows {
            plans.append(try Self.decode(row))
        }
        return plans
    }

    /// Links created by `userID` since `since`.
    public func linksCreated(byUser userID: Int64, since: Date) throws(StoreError) -> Int {
        let r = try db.execute("SELECT COUNT(*) FROM links WHERE owner_user_id = ? AND team_id IS NULL AND created_at >= ?",
                               [.int(userID), .date(since)], isRead: true)
        return Int(r.rows.first?[0].int ?? 0)
    }

    /// Links created for a team since `since`.
    public func linksCreated(byTeam teamID: Int64, since: Date) throws(StoreError) -> Int {
        let r = try db.execute("SELECT COUNT(*) FROM links WHERE team_id = ? AND created_at >= ?",
                               [.int(teamID), .date(since)], isRead: true)
        return Int(r.rows.first?[0].int ?? 0)
    }

    /// The user's subscription row.
    public func subscription(forUser userID: Int64) throws(StoreError) -> Subscription? {
        let r = try db.execute(
            """
            SELECT plan_code, status, trial_ends_at, current_period_end, cancel_at_period_end, provider, provider_ref
            FROM subscriptions WHERE user_id = ?
            """, [.int(userID)], isRead: true)
        return r.rows.first.map(Self.decodeSubscription)
    }

    /// Replaces the user's subscription and writes the audit entry, in one transaction.
    public func save(_ s: Subscription, forUser userID: Int64, startsTrial: Bool, audit: AuditEntry, now: Date) throws(StoreError) {
        try db.transaction { () throws(StoreError) in
            try db.execute(
                """
                INSERT INTO subscriptions (public_id, user_id, plan_code, status, trial_ends_at, current_period_end,
                                           cancel_at_period_end, provider, provider_ref, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON DUPLICATE KEY UPDATE plan_code = VALUES(plan_code), status = VALUES(status),
                    trial_ends_at = VALUES(trial_ends_at), current_period_end = VALUES(current_period_end),
                    cancel_at_period_end = VALUES(cancel_at_period_end), provider = VALUES(provider),
                    provider_ref = VALUES(provider_ref), updated_at = VALUES(updated_at)
                """,
                [.text(Secrets.uuid()), .int(userID), .text(s.planCode), .text(s.status), s.trialEndsAt.map(DBValue.date) ?? .null,
                 s.currentPeriodEnd.map(DBValue.date) ?? .null, .int(s.cancelAtPeriodEnd ? 1 : 0),
                 s.provider.map(DBValue.text) ?? .null, s.providerRef.map(DBValue.text) ?? .null, .date(now), .date(now)])
            if startsTrial {
                try db.execute("UPDATE users SET trial_used_at = ? WHERE id = ?", [.date(now), .int(userID)])
            }
            try MariaDBAudit.insert(audit, on: db)
        }
    }

    /// True once the user has had a trial.
    public func hasUsedTrial(userID: Int64) throws(StoreError) -> Bool {
        try db.execute("SELECT trial_used_at IS NOT NULL FROM users WHERE id = ?", [.int(userID)], isRead: true)
            .rows.first?[0].int == 1
    }

    /// Puts `userID` on plan `code` (active, no provider): what an operator or the billing integration does.
    public func subscribe(userID: Int64, planCode: String, now: Date) throws(StoreError) {
        try db.execute(
            """
            INSERT INTO subscriptions (public_id, user_id, plan_code, status, created_at, updated_at)
            VALUES (?, ?, ?, 'active', ?, ?)
            ON DUPLICATE KEY UPDATE plan_code = VALUES(plan_code), status = 'active', cancel_at_period_end = 0,
                                    trial_ends_at = NULL, updated_at = VALUES(updated_at)
            """, [.text(Secrets.uuid()), .int(userID), .text(planCode), .date(now), .date(now)])
    }

    private static func decodeSubscription(_ row: [DBValue]) -> Subscription {
        Subscription(planCode: row[0].text ?? "free", status: row[1].text ?? "active", trialEndsAt: row[2].date,
                     currentPeriodEnd: row[3].date, cancelAtPeriodEnd: row[4].int == 1, provider: row[5].text,
                     providerRef: row[6].text)
    }

    static func decode(_ row: [DBValue]) throws(StoreError) -> Plan {
        func int(_ i: Int) -> Int? { row[i].int.map(Int.init) }
        func flag(_ i: Int) -> Bool { row[i].int == 1 }
        guard let code = row[0].text, let name = row[1].text, let rank = int(2) else { throw .failed("malformed plans row") }
        return Plan(code: code, name: name, rank: rank, linksPerMonth: int(3), customAliases: flag(4),
                    expirationDates: flag(5), detailedAnalytics: flag(6), analyticsRetentionDays: int(7),
                    apiRequestsPerMinute: int(8), customDomains: int(9), teamSeats: int(10), webhooks: flag(11),
                    targetingRules: flag(12))
    }
}
