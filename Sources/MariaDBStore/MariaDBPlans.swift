import Foundation
import LinkDomain
import ShortlinkCore

/// `PlanStore` on MariaDB: the `plans` and `subscriptions` tables.
public final class MariaDBPlans: PlanStore {
    private let db: MariaDBConnection

    /// Creates the store over a connection.
    public init(connection: MariaDBConnection) { db = connection }

    private static let columns = """
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
        let r = try db.execute("SELECT COUNT(*) FROM links WHERE owner_user_id = ? AND created_at >= ?",
                               [.int(userID), .date(since)], isRead: true)
        return Int(r.rows.first?[0].int ?? 0)
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

    private static func decode(_ row: [DBValue]) throws(StoreError) -> Plan {
        func int(_ i: Int) -> Int? { row[i].int.map(Int.init) }
        func flag(_ i: Int) -> Bool { row[i].int == 1 }
        guard let code = row[0].text, let name = row[1].text, let rank = int(2) else { throw .failed("malformed plans row") }
        return Plan(code: code, name: name, rank: rank, linksPerMonth: int(3), customAliases: flag(4),
                    expirationDates: flag(5), detailedAnalytics: flag(6), analyticsRetentionDays: int(7),
                    apiRequestsPerMinute: int(8), customDomains: int(9), teamSeats: int(10), webhooks: flag(11),
                    targetingRules: flag(12))
    }
}
