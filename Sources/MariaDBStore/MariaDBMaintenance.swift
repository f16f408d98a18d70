import Foundation
import LinkDomain
import ShortlinkCore

/// The expiry job's store on MariaDB: links past their expiry, the click partitions, and named locks
/// (`GET_LOCK`, held by this connection until released or the connection ends).
public final class MariaDBMaintenance: MaintenanceStore, JobLock {
    private let db: MariaDBConnection

    /// Creates the store over a connection.
    public init(connection: MariaDBConnection) { db = connection }

    public func linksPastExpiry(now: Date, limit: Int) throws(StoreError) -> [ExpiredLink] {
        try db.execute(
            """
            SELECT id, domain_id, code, expires_at, team_id FROM links
            WHERE is_active = 1 AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at, id LIMIT ?
            """, [.date(now), .int(Int64(limit))], isRead: true).rows.compactMap { r in
            guard let id = r[0].int, let domain = r[1].int, let code = r[2].text, let at = r[3].date else { return nil }
            return ExpiredLink(id: id, domainID: domain, code: code, expiresAt: at, teamID: r[4].int)
        }
    }

    public func deactivate(_ links: [ExpiredLink], now: Date) throws(StoreError) -> [ExpiredLink] {
        guard !links.isEmpty else { return [] }
        return try db.transaction { () throws(StoreError) -> [ExpiredLink] in
            var done: [ExpiredLink] = []
            for link in links {
                // Guarded by what was read: a link reactivated or given a later expiry meanwhile stays as it is.
                let changed = try db.execute(
                    "UPDATE links SET is_active = 0, updated_at = ? WHERE id = ? AND is_active = 1 AND expires_at = ?",
                    [.date(now), .int(link.id), .date(link.expiresAt)])
                guard changed.affectedRows == 1 else { continue }
                try MariaDBAudit.insert(AuditEntry(occurredAt: now, actorUserID: nil, actorKeyID: nil, actorIP: "", action: "link.expire",
                                                   objectType: "link", objectID: link.code,
                                                   teamID: link.teamID,
                                                   details: ["expiresAt": Timestamp.format(link.expiresAt)]), on: db)
                done.append(link)
            }
            return done
        }
    }

    public func clickPartitions() throws(StoreError) -> [ClickPartition] {
        try db.execute(
            """
            SELECT partition_name, partition_description FROM information_schema.partitions
            WHERE table_schema = DATABASE() AND table_name = 'clicks' ORDER BY partition_ordinal_position
            """, isRead: true).rows.compactMap { r in
            // RANGE COLUMNS bounds read `'2026-12-01'`; the open partition's is MAXVALUE.
            guard let name = r[0].text, let bound = r[1].text?.trimmingCharacters(in: CharacterSet(charactersIn: "'")),
                  let day = Timestamp.parse(bound + "T00:00:00Z") else { return nil }
            return ClickPartition(name: name, lessThan: day)
        }
    }

    public func dropClickPartitions(_ names: [String]) throws(StoreError) {
        guard !names.isEmpty else { return }
        // DDL takes no parameters: only names this code gives partitions reach the statement.
        guard names.allSatisfy(ClickPartitions.isName) else { throw .failed("not a click partition name: \(names)") }
        try db.executeScript("ALTER TABLE clicks DROP PARTITION \(names.joined(separator: ", "))")
    }

    public func tryLock(_ name: String) throws(StoreError) -> Bool {
        try db.execute("SELECT GET_LOCK(?, 0)", [.text(name)]).rows.first?[0].int == 1
    }

    public func unlock(_ name: String) {
        _ = try? db.execute("SELECT RELEASE_LOCK(?)", [.text(name)])
    }
}
