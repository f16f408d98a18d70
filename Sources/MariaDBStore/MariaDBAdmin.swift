import Foundation
import ShortlinkCore

/// `AdminStore` on MariaDB.
public final class MariaDBAdmin: AdminStore {
    private let db: MariaDBConnection

    /// Creates the store over a connection.
    public init(connection: MariaDBConnection) { db = connection }

    private static let select = """
        SELECT u.id, u.public_id, u.email, u.role, u.is_active, u.created_at,
               COALESCE((SELECT s.plan_code FROM subscriptions s
                         WHERE s.user_id = u.id AND \(MariaDBPlans.inForce(now: "UTC_TIMESTAMP(3)"))), 'free')
        FROM users u
        """

    /// Users matching `search` (a substring of the email; `%` and `_` are literal).
    public func users(search: String?, beforeID: Int64?, limit: Int) throws(StoreError) -> [UserSummary] {
        let pattern = "%" + (search ?? "").replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
        return try db.execute("\(Self.select) WHERE u.email LIKE ? AND u.id < ? ORDER BY u.id DESC LIMIT ?",
                              [.text(pattern), .int(beforeID ?? Int64.max), .int(Int64(limit))], isRead: true)
            .rows.map(Self.decode)
    }

    /// One user.
    public func user(publicID: String) throws(StoreError) -> UserSummary? {
        try db.execute("\(Self.select) WHERE u.public_id = ?", [.text(publicID)], isRead: true).rows.first.map(Self.decode)
    }

    /// One user by row id.
    public func user(id: Int64) throws(StoreError) -> UserSummary? {
        try db.execute("\(Self.select) WHERE u.id = ?", [.int(id)], isRead: true).rows.first.map(Self.decode)
    }

    /// Enables or disables, with the audit entry.
    public func setActive(userID: Int64, isActive: Bool, audit: AuditEntry) throws(StoreError) {
        try db.transaction { () throws(StoreError) in
            try db.execute("UPDATE users SET is_active = ?, updated_at = ? WHERE id = ?",
                           [.int(isActive ? 1 : 0), .date(audit.occurredAt), .int(userID)])
            try MariaDBAudit.insert(audit, on: db)
        }
    }

    /// Counts for the admin dashboard.
    public func counts() throws(StoreError) -> [String: Int] {
        let row = try db.execute(
            """
            SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM users WHERE is_active = 1),
                   (SELECT COUNT(*) FROM links), (SELECT COUNT(*) FROM links WHERE is_active = 1
                        AND (expires_at IS NULL OR expires_at > UTC_TIMESTAMP(3))),
                   (SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL)
            """, isRead: true).rows.first ?? []
        var out: [String: Int] = [:]
        for (i, name) in ["users", "activeUsers", "links", "activeLinks", "activeApiKeys"].enumerated() where i < row.count {
            out[name] = Int(row[i].int ?? 0)
        }
        for r in try db.execute("SELECT plan_code, COUNT(*) FROM subscriptions s WHERE \(MariaDBPlans.inForce(now: "UTC_TIMESTAMP(3)")) GROUP BY plan_code",
                                isRead: true).rows {
            if let code = r[0].text { out["subscriptions.\(code)"] = Int(r[1].int ?? 0) }
        }
        return out
    }

    private static func decode(_ row: [DBValue]) -> UserSummary {
        UserSummary(id: row[0].int ?? 0, publicID: row[1].text ?? "", email: row[2].text ?? "", role: row[3].text ?? "user",
                    isActive: row[4].int == 1, plan: row[6].text ?? "free", createdAt: row[5].date ?? Date(timeIntervalSince1970: 0))
    }
}
