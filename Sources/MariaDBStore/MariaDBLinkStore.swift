import Foundation
import LinkDomain
import ShortlinkCore

/// `LinkStore` on MariaDB: the `links` table, prepared statements only.
public final class MariaDBLinkStore: LinkStore, LinkCensus {
    private let db: MariaDBConnection

    /// Creates the store over a connection.
    public init(connection: MariaDBConnection) { db = connection }

    private static let columns =
        """
        id, public_id, domain_id, code, long_url, redirect_type, is_active, expires_at, owner_user_id, created_at, updated_at,
        team_id, (SELECT t.public_id FROM teams t WHERE t.id = links.team_id), allow_indexing, rewrite_rules
        """

    /// The redirect's cache-miss query: one primary-key-like lookup on UNIQUE(domain_id, code).
    public func snapshot(domainID: Int64, code: String) throws(StoreError) -> LinkSnapshot? {
        let r = try db.execute(
            "SELECT id, redirect_type, is_active, expires_at, long_url, allow_indexing, rewrite_rules FROM links WHERE domain_id = ? AND code = ?",
            [.int(domainID), .text(code)], isRead: true)
        guard let row = r.rows.first else { return nil }
        guard let id = row[0].int, let status = row[1].int, let type = RedirectType(rawValue: Int(status)),
              let url = row[4].text else { throw .failed("malformed links row") }
        return LinkSnapshot(id: id, redirectType: type, isActive: row[2].int == 1,
                            expiresAtMillis: row[3].date.map(Timestamp.millis), longURL: url, allowsIndexing: row[5].int == 1,
                            rewrite: try Self.rules(row[6]))
    }

    /// The whole link.
    public func link(domainID: Int64, code: String) throws(StoreError) -> Link? {
        let r = try db.execute("SELECT \(Self.columns) FROM links WHERE domain_id = ? AND code = ?",
                               [.int(domainID), .text(code)], isRead: true)
        return try r.rows.first.map(Self.decode)
    }

    /// Inserts a link and its audit entry in one transaction; `.duplicate` when the code is taken.
    public func insert(_ new: NewLink, audit: AuditEntry) throws(StoreError) -> Link {
        let r = try db.transaction { () throws(StoreError) -> QueryResult in
          let r = try db.execute(
            """
            INSERT INTO links (public_id, domain_id, code, long_url, redirect_type, is_active, expires_at,
                               owner_user_id, team_id, created_at, updated_at, allow_indexing, rewrite_rules)
            VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.text(new.publicID), .int(new.domainID), .text(new.code), .text(new.longURL),
             .int(Int64(new.redirectType.rawValue)), new.expiresAt.map(DBValue.date) ?? .null,
             new.ownerUserID.map(DBValue.int) ?? .null, new.team.map { DBValue.int($0.id) } ?? .null,
             .date(new.createdAt), .date(new.createdAt), .int(new.allowIndexing ? 1 : 0), new.rewrite.map { .text($0.encoded) } ?? .null])
          try MariaDBAudit.insert(audit, on: db)
          return r
        }
        let created = Timestamp.date(millis: Timestamp.millis(new.createdAt))
        return Link(id: r.insertID, publicID: new.publicID, domainID: new.domainID, code: new.code,
                    longURL: new.longURL, redirectType: new.redirectType, isActive: true,
                    expiresAt: new.expiresAt, ownerUserID: new.ownerUserID, createdAt: created, updatedAt: created,
                    teamID: new.team?.id, teamPublicID: new.team?.publicID, allowIndexing: new.allowIndexing, rewrite: new.rewrite)
    }

    /// Writes the mutable fields and the audit entry in one transaction.
    public func update(_ link: Link, audit: AuditEntry) throws(StoreError) {
        try db.transaction { () throws(StoreError) in
            try db.execute(
                """
                UPDATE links SET long_url = ?, redirect_type = ?, is_active = ?, expires_at = ?, allow_indexing = ?, rewrite_rules = ?,
                  updated_at = ? WHERE id = ?
                """,
                [.text(link.longURL), .int(Int64(link.redirectType.rawValue)), .int(link.isActive ? 1 : 0),
                 link.expiresAt.map(DBValue.date) ?? .null, .int(link.allowIndexing ? 1 : 0), link.rewrite.map { .text($0.encoded) } ?? .null,
                 .date(link.updatedAt), .int(link.id)])
            try MariaDBAudit.insert(audit, on: db)
        }
    }

    /// Deletes by row id and writes the audit entry, in one transaction.
    public func delete(id: Int64, audit: AuditEntry) throws(StoreError) {
        try db.transaction { () throws(StoreError) in
            try db.execute("DELETE FROM links WHERE id = ?", [.int(id)])
            try MariaDBAudit.insert(audit, on: db)
        }
    }

    /// The links (of any domain) whose code is one of `codes`, exactly, with their owner's email: for the
    /// operator's report of links that a newly reserved product path shadows.
    public func links(holdingCodes codes: [String]) throws(StoreError) -> [(link: Link, ownerEmail: String?)] {
        guard !codes.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: codes.count).joined(separator: ", ")
        let r = try db.execute(
            """
            SELECT \(Self.columns), (SELECT u.email FROM users u WHERE u.id = links.owner_user_id)
            FROM links WHERE code IN (\(marks)) ORDER BY code, id
            """, codes.map(DBValue.text), isRead: true)
        var out: [(link: Link, ownerEmail: String?)] = []
        for row in r.rows { out.append((try Self.decode(row), row[15].text)) }
        return out
    }

    private static func decode(_ row: [DBValue]) throws(StoreError) -> Link {
        guard let id = row[0].int, let publicID = row[1].text, let domainID = row[2].int, let code = row[3].text,
              let url = row[4].text, let status = row[5].int, let type = RedirectType(rawValue: Int(status)),
              let active = row[6].int, let created = row[9].date, let updated = row[10].date
        else { throw .failed("malformed links row") }
        return Link(id: id, publicID: publicID, domainID: domainID, code: code, longURL: url, redirectType: type,
                    isActive: active == 1, expiresAt: row[7].date, ownerUserID: row[8].int,
                    createdAt: created, updatedAt: updated, teamID: row[11].int, teamPublicID: row[12].text,
                    allowIndexing: row[13].int == 1, rewrite: try rules(row[14]))
    }

    /// A stored `rewrite_rules` value: NULL for the default; anything unreadable is a malformed row.
    private static func rules(_ value: DBValue) throws(StoreError) -> RewriteRules? {
        guard let text = value.text else { return nil }
        guard let rules = RewriteRules(encoded: text) else { throw .failed("malformed rewrite_rules") }
        return rules
    }
}
