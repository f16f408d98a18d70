import Foundation
import LinkDomain
import ShortlinkCore

/// Accounts, sessions, one-time tokens, 2FA state and the mail outbox on MariaDB.
public final class MariaDBSessions: AccountStore {
    private let db: MariaDBConnection

    /// Creates the repository over a connection.
    public init(connection: MariaDBConnection) { db = connection }

    private static let userColumns = """
        id, public_id, email, display_name, password_hash, role, is_active, email_verified_at, totp_secret,
        totp_enabled_at, created_at
        """

    public func user(email: String) throws(StoreError) -> UserAccount? {
        try db.execute("SELECT \(Self.userColumns) FROM users WHERE email = ?", [.text(email)], isRead: true).rows.first.map(Self.decodeUser)
    }

    public func user(id: Int64) throws(StoreError) -> UserAccount? {
        try db.execute("SELECT \(Self.userColumns) FROM users WHERE id = ?", [.int(id)], isRead: true).rows.first.map(Self.decodeUser)
    }

    private static func decodeUser(_ row: [DBValue]) -> UserAccount {
        UserAccount(id: row[0].int ?? 0, publicID: row[1].text ?? "", email: row[2].text ?? "", displayName: row[3].text ?? "",
                    passwordHash: row[4].text, role: row[5].text ?? "user", isActive: row[6].int == 1, emailVerifiedAt: row[7].date,
                    totpSecret: row[8].bytes, totpEnabledAt: row[9].date, createdAt: row[10].date ?? Date(timeIntervalSince1970: 0))
    }

    public func register(email: String, displayName: String, passwordHash: String, now: Date,
                         verification: (token: OneTimeToken, mail: OutgoingMail), audit: AuditEntry) throws(StoreError) -> (UserAccount, Int64) {
        let publicID = Secrets.uuid()
        return try db.transaction { () throws(StoreError) -> (UserAccount, Int64) in
            let r = try db.execute(
                """
                INSERT INTO users (public_id, email, display_name, password_hash, role, is_active, created_at, updated_at)
                VALUES (?, ?, ?, ?, 'user', 1, ?, ?)
                """, [.text(publicID), .text(email), .text(displayName), .text(passwordHash), .date(now), .date(now)])
            let userID = r.insertID
            var token = verification.token
            token.userID = userID
            try insert(token, now: now)
            let outbox = try MariaDBMailOutbox.insert(verification.mail, now: now, on: db)
            var entry = audit
            entry.actorUserID = userID
            entry.objectID = publicID
            try MariaDBAudit.insert(entry, on: db)
            let user = UserAccount(id: userID, publicID: publicID, email: email, displayName: displayName, passwordHash: passwordHash,
                                   role: "user", isActive: true, emailVerifiedAt: nil, totpSecret: nil, totpEnabledAt: nil, createdAt: now)
            return (user, outbox)
        }
    }

    public func queue(_ mail: OutgoingMail, token: OneTimeToken?, audit: AuditEntry?, now: Date) throws(StoreError) -> Int64 {
        try db.transaction { () throws(StoreError) -> Int64 in
            if let token { try insert(token, now: now) }
            if let audit { try MariaDBAudit.insert(audit, on: db) }
            return try MariaDBMailOutbox.insert(mail, now: now, on: db)
        }
    }

    public func store(_ token: OneTimeToken, now: Date) throws(StoreError) { try insert(token, now: now) }

    private func insert(_ token: OneTimeToken, now: Date) throws(StoreError) {
        try db.execute(
            "INSERT INTO one_time_tokens (user_id, purpose, token_hash, email, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            [.int(token.userID), .text(token.purpose.rawValue), .bytes(token.hash), token.email.map(DBValue.text) ?? .null,
             .date(now), .date(token.expiresAt)])
    }

    public func peek(tokenHash: [UInt8], purpose: TokenPurpose, now: Date) throws(StoreError) -> (userID: Int64, email: String?)? {
        let r = try db.execute(
            """
            SELECT t.user_id, t.email, t.token_hash FROM one_time_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = ? AND t.purpose = ? AND t.used_at IS NULL AND t.expires_at > ? AND u.is_active = 1
            """, [.bytes(tokenHash), .text(purpose.rawValue), .date(now)], isRead: true)
        guard let row = r.rows.first, let userID = row[0].int, let stored = row[2].bytes,
              Secrets.constantTimeEqual(stored, tokenHash) else { return nil }
        return (userID, row[1].text)
    }

    public func consume(tokenHash: [UInt8], purpose: TokenPurpose, now: Date) throws(StoreError) -> (userID: Int64, email: String?)? {
        try db.transaction { () throws(StoreError) -> (userID: Int64, email: String?)? in
            guard let found = try peek(tokenHash: tokenHash, purpose: purpose, now: now) else { return nil }
            let r = try db.execute("UPDATE one_time_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
                                   [.date(now), .bytes(tokenHash)])
            return r.affectedRows == 1 ? found : nil
        }
    }

    public func startSession(userID: Int64, sessionID: String, refreshHash: [UInt8], now: Date, expiresAt: Date, clientIP: String,
                             userAgent: String, audit: AuditEntry) throws(StoreError) {
        try db.transaction { () throws(StoreError) in
            let r = try db.execute(
                "INSERT INTO sessions (public_id, user_id, created_at, expires_at, client_ip, user_agent) VALUES (?, ?, ?, ?, ?, ?)",
                [.text(sessionID), .int(userID), .date(now), .date(expiresAt), .text(clientIP), .text(userAgent)])
            try db.execute("INSERT INTO refresh_tokens (session_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)",
                           [.int(r.insertID), .bytes(refreshHash), .date(now), .date(expiresAt)])
            try MariaDBAudit.insert(audit, on: db)
        }
    }

    public func rotate(refreshHash: [UInt8], newHash: [UInt8], now: Date, expiresAt: Date) throws(StoreError) -> RefreshOutcome {
        try db.transaction { () throws(StoreError) -> RefreshOutcome in
            // Lock the token row: two presentations of one token race here, and only one may rotate.
            let r = try db.execute(
                """
                SELECT t.id, t.used_at IS NOT NULL, t.expires_at > ?, s.id, s.public_id, s.revoked_at IS NULL AND s.expires_at > ?,
                       s.user_id, u.public_id, u.is_active, t.token_hash
                FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id
                WHERE t.token_hash = ? FOR UPDATE
                """, [.date(now), .date(now), .bytes(refreshHash)])
            guard let row = r.rows.first, let tokenID = row[0].int, let sessionRow = row[3].int, let userID = row[6].int,
                  let stored = row[9].bytes, Secrets.constantTimeEqual(stored, refreshHash) else { return .invalid }
            let sessionID = row[4].text ?? ""
            if row[1].int == 1 {
                try db.execute("UPDATE sessions SET revoked_at = ?, revoked_reason = 'refresh_reused' WHERE id = ? AND revoked_at IS NULL",
                               [.date(now), .int(sessionRow)])
                return .reused(userID: userID, sessionID: sessionID)
            }
            guard row[2].int == 1, row[5].int == 1, row[8].int == 1 else { return .invalid }
            try db.execute("UPDATE refresh_tokens SET used_at = ? WHERE id = ?", [.date(now), .int(tokenID)])
            try db.execute("INSERT INTO refresh_tokens (session_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)",
                           [.int(sessionRow), .bytes(newHash), .date(now), .date(expiresAt)])
            return .rotated(userPublicID: row[7].text ?? "", sessionID: sessionID)
        }
    }

    public func endSession(refreshHash: [UInt8]?, sessionID: String?, userID: Int64?, now: Date, reason: String,
                           audit: (Int64) -> AuditEntry) throws(StoreError) -> Int64? {
        try db.transaction { () throws(StoreError) -> Int64? in
            let r: QueryResult
            if let refreshHash {
                r = try db.execute(
                    """
                    SELECT s.id, s.user_id, s.public_id FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id
                    WHERE t.token_hash = ? AND s.revoked_at IS NULL FOR UPDATE
                    """, [.bytes(refreshHash)])
            } else if let sessionID, let userID {
                r = try db.execute("SELECT id, user_id, public_id FROM sessions WHERE public_id = ? AND user_id = ? AND revoked_at IS NULL FOR UPDATE",
                                   [.text(sessionID), .int(userID)])
            } else { return nil }
            guard let row = r.rows.first, let id = row[0].int, let owner = row[1].int else { return nil }
            try db.execute("UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ?", [.date(now), .text(reason), .int(id)])
            var entry = audit(owner)
            entry.objectID = row[2].text ?? ""
            try MariaDBAudit.insert(entry, on: db)
            return owner
        }
    }

    public func sessions(userID: Int64, now: Date) throws(StoreError) -> [SessionInfo] {
        try db.execute(
            """
            SELECT public_id, created_at, expires_at, client_ip, user_agent FROM sessions
            WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY id DESC
            """, [.int(userID), .date(now)], isRead: true).rows.map {
                SessionInfo(publicID: $0[0].text ?? "", createdAt: $0[1].date ?? now, expiresAt: $0[2].date ?? now,
                            clientIP: $0[3].text ?? "", userAgent: $0[4].text ?? "")
            }
    }

    public func endSessions(userID: Int64, keeping: String?, now: Date, reason: String, audit: AuditEntry) throws(StoreError) -> Int {
        try db.transaction { () throws(StoreError) -> Int in
            let r = try db.execute(
                """
                UPDATE sessions SET revoked_at = ?, revoked_reason = ?
                WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? AND public_id <> ?
                """, [.date(now), .text(reason), .int(userID), .date(now), .text(keeping ?? "")])
            var entry = audit
            entry.details["ended"] = String(r.affectedRows)
            try MariaDBAudit.insert(entry, on: db)
            return Int(r.affectedRows)
        }
    }

    public func sessionPrincipal(sessionID: String, userPublicID: String) throws(StoreError) -> Principal? {
        let r = try db.execute(
            """
            SELECT u.id, u.role, p.api_requests_per_minute, u.public_id, \(MariaDBPlans.columns)
            FROM sessions ss JOIN users u ON u.id = ss.user_id
            JOIN plans p ON p.code = COALESCE((SELECT s.plan_code FROM subscriptions s
                                               WHERE s.user_id = u.id AND \(MariaDBPlans.inForce(now: "UTC_TIMESTAMP(3)"))), 'free')
            WHERE ss.public_id = ? AND ss.revoked_at IS NULL AND ss.expires_at > UTC_TIMESTAMP(3) AND u.is_active = 1
            """, [.text(sessionID)], isRead: true)
        guard let row = r.rows.first, let userID = row[0].int,
              Secrets.constantTimeEqual(Array((row[3].text ?? "").utf8), Array(userPublicID.utf8)) else { return nil }
        let isAdmin = row[1].text == "admin"
        var principal = Principal(userID: userID, isAdmin: isAdmin,
                                  scopes: isAdmin ? APIKeySecret.knownScopes : APIKeySecret.knownScopes.subtracting(["admin"]),
                                  apiKeyID: nil, requestsPerMinute: row[2].int.map(Int.init))
        principal.sessionID = sessionID
        principal.plan = try? MariaDBPlans.decode(Array(row[4...]))
        return principal
    }

    public func setPassword(userID: Int64, hash: String, now: Date, keepingSession: String?, audit: AuditEntry) throws(StoreError) {
        try db.transaction { () throws(StoreError) in
            try db.execute("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", [.text(hash), .date(now), .int(userID)])
            try db.execute(
                """
                UPDATE sessions SET revoked_at = ?, revoked_reason = 'password_changed'
                WHERE user_id = ? AND revoked_at IS NULL AND public_id <> ?
                """, [.date(now), .int(userID), .text(keepingSession ?? "")])
            try db.execute("UPDATE one_time_tokens SET used_at = ? WHERE user_id = ? AND purpose IN ('reset_password', 'login_2fa') AND used_at IS NULL",
                           [.date(now), .int(userID)])
            try MariaDBAudit.insert(audit, on: db)
        }
    }

    public func upgradePasswordHash(userID: Int64, hash: String) throws(StoreError) {
        try db.execute("UPDATE users SET password_hash = ? WHERE id = ?", [.text(hash), .int(userID)])
    }

    public func updateProfile(userID: Int64, displayName: String?, email: String?, now: Date,
                              verification: (token: OneTimeToken, mail: OutgoingMail)?, audit: AuditEntry) throws(StoreError) -> Int64? {
        try db.transaction { () throws(StoreError) -> Int64? in
            if let displayName {
                try db.execute("UPDATE users SET display_name = ?, updated_at = ? WHERE id = ?", [.text(displayName), .date(now), .int(userID)])
            }
            var outbox: Int64?
            if let email {
                try db.execute("UPDATE users SET email = ?, email_verified_at = NULL, updated_at = ? WHERE id = ?",
                               [.text(email), .date(now), .int(userID)])
                if let verification {
                    try insert(verification.token, now: now)
                    outbox = try MariaDBMailOutbox.insert(verification.mail, now: now, on: db)
                }
            }
            try MariaDBAudit.insert(audit, on: db)
            return outbox
        }
    }

    public func markEmailVerified(userID: Int64, email: String, now: Date, audit: AuditEntry) throws(StoreError) -> Bool {
        try db.transaction { () throws(StoreError) -> Bool in
            let r = try db.execute("UPDATE users SET email_verified_at = ? WHERE id = ? AND email = ?",
                                   [.date(now), .int(userID), .text(email)])
            guard r.affectedRows == 1 else { return false }
            var entry = audit
            entry.objectID = try db.execute("SELECT public_id FROM users WHERE id = ?", [.int(userID)]).rows.first?[0].text ?? ""
            try MariaDBAudit.insert(entry, on: db)
            return true
        }
    }

    public func storePendingTOTP(userID: Int64, sealed: [UInt8]) throws(StoreError) {
        try db.execute("UPDATE users SET totp_secret = ?, totp_last_step = NULL WHERE id = ? AND totp_enabled_at IS NULL",
                       [.bytes(sealed), .int(userID)])
    }

    public func enableTOTP(userID: Int64, step: Int64, recoveryHashes: [[UInt8]], now: Date, audit: AuditEntry) throws(StoreError) {
        try db.transaction { () throws(StoreError) in
            try db.execute("UPDATE users SET totp_enabled_at = ?, totp_last_step = ? WHERE id = ?", [.date(now), .int(step), .int(userID)])
            try db.execute("DELETE FROM recovery_codes WHERE user_id = ?", [.int(userID)])
            for hash in recoveryHashes {
                try db.execute("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)", [.int(userID), .bytes(hash)])
            }
            try MariaDBAudit.insert(audit, on: db)
        }
    }

    public func disableTOTP(userID: Int64, now: Date, audit: AuditEntry) throws(StoreError) {
        try db.transaction { () throws(StoreError) in
            try db.execute("UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = ?", [.int(userID)])
            try db.execute("DELETE FROM recovery_codes WHERE user_id = ?", [.int(userID)])
            try MariaDBAudit.insert(audit, on: db)
        }
    }

    public func acceptTOTPStep(userID: Int64, step: Int64) throws(StoreError) -> Bool {
        try db.execute("UPDATE users SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
                       [.int(step), .int(userID), .int(step)]).affectedRows == 1
    }

    public func useRecoveryCode(userID: Int64, hash: [UInt8], now: Date) throws(StoreError) -> Bool {
        // The hash has 50 bits of entropy behind it and is looked up by equality inside the user's own ten rows.
        let rows = try db.execute("SELECT id, code_hash FROM recovery_codes WHERE user_id = ? AND used_at IS NULL",
                                  [.int(userID)], isRead: true).rows
        guard let match = rows.first(where: { Secrets.constantTimeEqual($0[1].bytes ?? [], hash) }), let id = match[0].int else {
            return false
        }
        return try db.execute("UPDATE recovery_codes SET used_at = ? WHERE id = ? AND used_at IS NULL", [.date(now), .int(id)]).affectedRows == 1
    }

    public func recoveryCodesLeft(userID: Int64) throws(StoreError) -> Int {
        Int(try db.execute("SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL", [.int(userID)],
                           isRead: true).rows.first?[0].int ?? 0)
    }

    public func record(_ entry: AuditEntry) throws(StoreError) { try MariaDBAudit.insert(entry, on: db) }
}
