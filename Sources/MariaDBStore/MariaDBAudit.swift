import Foundation
import ShortlinkCore

/// `AuditLog` on MariaDB.
public final class MariaDBAudit: AuditLog {
    private let db: MariaDBConnection

    /// Creates the log over a connection.
    public init(connection: MariaDBConnection) { db = connection }

    /// Writes `entry` on `db` (inside the caller's transaction when there is one).
    static func insert(_ entry: AuditEntry, on db: MariaDBConnection) throws(StoreError) {
        let details = (try? JSONSerialization.data(withJSONObject: entry.details, options: [.sortedKeys]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        try db.execute(
            """
            INSERT INTO audit_log (occurred_at, actor_user_id, actor_key_id, actor_ip, action, object_type, object_id,
                                   team_id, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.date(entry.occurredAt), entry.actorUserID.map(DBValue.int) ?? .null, entry.actorKeyID.map(DBValue.int) ?? .null,
             .text(entry.actorIP), .text(entry.action), .text(entry.objectType), .text(entry.objectID),
             entry.teamID.map(DBValue.int) ?? .null, .text(details)])
    }

    /// Appends an entry.
    public func record(_ entry: AuditEntry) throws(StoreError) { try Self.insert(entry, on: db) }

    /// Newest first, before `beforeID`.
    public func entries(beforeID: Int64?, limit: Int) throws(StoreError) -> [AuditEntry] {
        try read(teamID: nil, beforeID: beforeID, limit: limit)
    }

    /// A team's entries, newest first, before `beforeID`.
    public func entries(teamID: Int64, beforeID: Int64?, limit: Int) throws(StoreError) -> [AuditEntry] {
        try read(teamID: teamID, beforeID: beforeID, limit: limit)
    }

    private func read(teamID: Int64?, beforeID: Int64?, limit: Int) throws(StoreError) -> [AuditEntry] {
        let r = try db.execute(
            """
            SELECT a.id, a.occurred_at, a.actor_user_id, a.actor_key_id, a.actor_ip, a.action, a.object_type, a.object_id,
                   a.team_id, a.details, u.public_id, u.email, k.public_id, t.public_id
            FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id LEFT JOIN api_keys k ON k.id = a.actor_key_id
            LEFT JOIN teams t ON t.id = a.team_id
            WHERE a.id < ? AND (? IS NULL OR a.team_id = ?) ORDER BY a.id DESC LIMIT ?
            """, [.int(beforeID ?? Int64.max), teamID.map(DBValue.int) ?? .null, teamID.map(DBValue.int) ?? .null,
                  .int(Int64(limit))], isRead: true)
        return r.rows.map { row in
            let details = row[9].bytes.flatMap { try? JSONSerialization.jsonObject(with: Data($0)) as? [String: String] } ?? [:]
            var entry = AuditEntry(id: row[0].int ?? 0, occurredAt: row[1].date ?? Date(timeIntervalSince1970: 0),
                                   actorUserID: row[2].int, actorKeyID: row[3].int, actorIP: row[4].text ?? "",
                                   action: row[5].text ?? "", objectType: row[6].text ?? "", objectID: row[7].text ?? "",
                                   teamID: row[8].int, details: details)
            entry.actorUserPublicID = row[10].text
            entry.actorEmail = row[11].text
            entry.actorKeyPublicID = row[12].text
            entry.teamPublicID = row[13].text
            return entry
        }
    }
}
