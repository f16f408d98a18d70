import Foundation
import LinkDomain
import ShortlinkCore

/// Users, API keys and domains on MariaDB.
public final class MariaDBAccounts: APIKeyStore, APIKeyAdmin, AccountProvisioning {
    private let db: MariaDBConnection

    /// Creates the repository over a connection.
    public init(connection: MariaDBConnection) { db = connection }

    /// The principal for an active key whose SHA-256 is `hash`, comparing the hash in constant time.
    public func principal(forKeyHash hash: [UInt8]) throws(StoreError) -> Principal? {
        let r = try db.execute(
            """
            SELECT k.id, k.user_id, k.scopes, u.role, k.key_hash, p.api_requests_per_minute,
                   k.last_used_at IS NULL OR k.last_used_at < UTC_TIMESTAMP(3) - INTERVAL 60 SECOND, \(MariaDBPlans.columns)
            FROM api_keys k JOIN users u ON u.id = k.user_id
            JOIN plans p ON p.code = COALESCE((SELECT s.plan_code FROM subscriptions s
                                               WHERE s.user_id = u.id AND \(MariaDBPlans.inForce(now: "UTC_TIMESTAMP(3)"))), 'free')
            WHERE k.key_hash = ? AND k.revoked_at IS NULL AND u.is_active = 1
              AND (k.expires_at IS NULL OR k.expires_at > UTC_TIMESTAMP(3))
            """, [.bytes(hash)], isRead: true)
        guard let row = r.rows.first, let keyID = row[0].int, let userID = row[1].int,
              let stored = row[4].bytes, Secrets.constantTimeEqual(stored, hash) else { return nil }
        let scopes = Set((row[2].text ?? "").split(separator: " ").map(String.init))
        if row[6].int == 1 {  // record the use, at most once a minute per key
            _ = try? db.execute("UPDATE api_keys SET last_used_at = UTC_TIMESTAMP(3) WHERE id = ?", [.int(keyID)])
        }
        var principal = Principal(userID: userID, isAdmin: row[3].text == "admin", scopes: scopes, apiKeyID: keyID,
                                  requestsPerMinute: row[5].int.map(Int.init))
        principal.plan = try? MariaDBPlans.decode(Array(row[7...]))
        return principal
    }

    /// The id of the user with `email`, creating it (without a password) with `role` if absent.
    public func ensureUser(email: String, role: String, now: Date) throws(StoreError) -> Int64 {
        try db.execute(
            "INSERT IGNORE INTO users (public_id, email, role, is_active, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)",
            [.text(Secrets.uuid()), .text(email.lowercased()), .text(role), .date(now), .date(now)])
        let r = try db.execute("SELECT id FROM users WHERE email = ?", [.text(email.lowercased())], isRead: true)
        guard let id = r.rows.first?[0].int else { throw .failed("user not found after insert") }
        return id
    }

    /// Stores a new API key for `userID`; returns the row id. Only the SHA-256 of `secret` is kept.
    public func createAPIKey(userID: Int64, name: String, secret: String, scopes: [String], now: Date) throws(StoreError) -> Int64 {
        let r = try db.execute(
            "INSERT INTO api_keys (public_id, user_id, name, prefix, key_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [.text(Secrets.uuid()), .int(userID), .text(name), .text(APIKeySecret.displayPrefix(of: secret)),
             .bytes(Secrets.sha256(secret)), .text(scopes.joined(separator: " ")), .date(now)])
        return r.insertID
    }

    /// The user's keys, newest first.
    public func keys(ofUser userID: Int64) throws(StoreError) -> [APIKeyInfo] {
        try db.execute(
            """
            SELECT public_id, name, prefix, scopes, created_at, last_used_at, revoked_at FROM api_keys
            WHERE user_id = ? ORDER BY id DESC
            """, [.int(userID)], isRead: true).rows.map(Self.decodeKey)
    }

    /// Stores a key and its audit entry (whose object id becomes the key's public id) in one transaction.
    public func create(userID: Int64, name: String, secret: String, scopes: [String], now: Date, audit: AuditEntry) throws(StoreError) -> APIKeyInfo {
        let publicID = Secrets.uuid()
        var entry = audit
        entry.objectID = publicID
        try db.transaction { () throws(StoreError) in
            try db.execute(
                "INSERT INTO api_keys (public_id, user_id, name, prefix, key_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [.text(publicID), .int(userID), .text(name), .text(APIKeySecret.displayPrefix(of: secret)),
                 .bytes(Secrets.sha256(secret)), .text(scopes.joined(separator: " ")), .date(now)])
            try MariaDBAudit.insert(entry, on: db)
        }
        return APIKeyInfo(publicID: publicID, name: name, prefix: APIKeySecret.displayPrefix(of: secret), scopes: scopes,
                          createdAt: Timestamp.date(millis: Timestamp.millis(now)), lastUsedAt: nil, revokedAt: nil)
    }

    /// Revokes the user's active key `publicID`, with its audit entry.
    public func revoke(publicID: String, userID: Int64, now: Date, audit: AuditEntry) throws(StoreError) -> Bool {
        try db.transaction { () throws(StoreError) -> Bool in
            let r = try db.execute("UPDATE api_keys SET revoked_at = ? WHERE public_id = ? AND user_id = ? AND revoked_at IS NULL",
                                   [.date(now), .text(publicID), .int(userID)])
            guard r.affectedRows == 1 else { return false }
            try MariaDBAudit.insert(audit, on: db)
            return true
        }
    }

    private static func decodeKey(_ row: [DBValue]) -> APIKeyInfo {
        APIKeyInfo(publicID: row[0].text ?? "", name: row[1].text ?? "", prefix: row[2].text ?? "",
                   scopes: (row[3].text ?? "").split(separator: " ").map(String.init),
                   createdAt: row[4].date ?? Date(timeIntervalSince1970: 0), lastUsedAt: row[5].date, revokedAt: row[6].date)
    }

    /// The id of the domain `host`, registering it if absent.
    public func ensureDomain(host: String, now: Date) throws(StoreError) -> Int64 {
        if let id = try domainID(host: host) { return id }
        try db.execute("INSERT IGNORE INTO domains (host, created_at) VALUES (?, ?)", [.text(host), .date(now)])
        guard let id = try domainID(host: host) else { throw .failed("domain not found after insert") }
        return id
    }

    /// The id of the domain `host`, or nil.
    public func domainID(host: String) throws(StoreError) -> Int64? {
        try db.execute("SELECT id FROM domains WHERE host = ?", [.text(host)], isRead: true).rows.first?[0].int
    }
}
