import Foundation
import LinkDomain
import ShortlinkCore

/// Click reports on MariaDB: settings, the figures of a period (from the ingester's daily totals and hourly
/// rollups), and the reports kept, saved with their mails in one transaction.
public final class MariaDBReports: ReportStore {
    private let db: MariaDBConnection

    /// Creates the store over a connection.
    public init(connection: MariaDBConnection) { db = connection }

    private static func key(_ owner: ClickOwner) -> (String, Int64) { owner.row }
    private static func owner(_ kind: String?, _ id: Int64?) -> ClickOwner? { ClickOwner(row: kind, id) }

    public func subscribers(_ frequency: ReportFrequency) throws(StoreError) -> [(owner: ClickOwner, name: String, recipients: [String])] {
        let settings = try db.execute("SELECT owner_kind, owner_id FROM report_settings WHERE frequency = ? ORDER BY owner_kind, owner_id",
                                      [.text(frequency.rawValue)], isRead: true).rows
        var out: [(ClickOwner, String, [String])] = []
        // Mail goes only to verified, active addresses.
        let usable = "u.is_active = 1 AND u.email_verified_at IS NOT NULL"
        for row in settings {
            guard let owner = Self.owner(row[0].text, row[1].int) else { continue }
            switch owner {
            case .user(let id):
                guard let r = try db.execute("SELECT u.email FROM users u WHERE u.id = ? AND \(usable)", [.int(id)], isRead: true).rows.first,
                      let email = r[0].text else { continue }
                out.append((owner, email, [email]))
            case .team(let id):
                guard let name = try db.execute("SELECT name FROM teams WHERE id = ?", [.int(id)], isRead: true).rows.first?[0].text else { continue }
                let emails = try db.execute(
                    """
                    SELECT u.email FROM users u WHERE \(usable) AND (u.id = (SELECT owner_user_id FROM teams WHERE id = ?)
                      OR u.id IN (SELECT user_id FROM team_members WHERE team_id = ? AND role = 'admin')) ORDER BY u.email
                    """, [.int(id), .int(id)], isRead: true).rows.compactMap { $0[0].text }
                if !emails.isEmpty { out.append((owner, "team \(name)", emails)) }
            }
        }
        return out
    }

    public func figures(_ owner: ClickOwner, from: Date, to: Date, top: Int) throws(StoreError) -> ReportFigures {
        let (kind, id) = Self.key(owner)
        let span = to.timeIntervalSince(from)
        let previous = try db.execute(
            "SELECT COALESCE(SUM(clicks), 0) FROM owner_click_days WHERE owner_kind = ? AND owner_id = ? AND day >= DATE(?) AND day < DATE(?)",
            [.text(kind), .int(id), .date(from.addingTimeInterval(-span)), .date(from)], isRead: true).rows.first?[0].int ?? 0
        let days = OwnerDay.everyDay(from: from, to: to, stored: try MariaDBClicks(connection: db).ownerDays(owner, from: from, to: to))
        let links = kind == "t" ? "l.team_id = ?" : "l.owner_user_id = ? AND l.team_id IS NULL"
        // From the owner's links into their hourly rollups: one index range per link and dimension.
        func leaders(_ dimension: String, _ name: String) throws(StoreError) -> [NamedCount] {
            try db.execute(
                """
                SELECT \(name), SUM(r.clicks) AS n FROM links l JOIN click_rollups r
                  ON r.link_id = l.id AND r.dimension = ? AND r.hour >= ? AND r.hour < ?
                WHERE \(links) GROUP BY 1 HAVING n > 0 ORDER BY n DESC, 1 LIMIT ?
                """, [.text(dimension), .date(from), .date(to), .int(id), .int(Int64(top))], isRead: true).rows.compactMap { r in
                guard let v = r[0].text, let n = r[1].int else { return nil }
                return NamedCount(v, n)
            }
        }
        return ReportFigures(days: days, previousClicks: previous, topLinks: try leaders("total", "l.code"),
                             topCountries: try leaders("country", "r.value"), topReferrers: try leaders("referrer", "r.value"))
    }

    public func exists(_ owner: ClickOwner, _ frequency: ReportFrequency, periodStart: Date) throws(StoreError) -> Bool {
        let (kind, id) = Self.key(owner)
        return try !db.execute("SELECT 1 FROM reports WHERE owner_kind = ? AND owner_id = ? AND frequency = ? AND period_start = DATE(?)",
                               [.text(kind), .int(id), .text(frequency.rawValue), .date(periodStart)], isRead: true).rows.isEmpty
    }

    public func save(_ report: StoredReport, mails: [OutgoingMail], now: Date) throws(StoreError) -> [Int64] {
        let (kind, id) = Self.key(report.owner)
        return try db.transaction { () throws(StoreError) -> [Int64] in
            try db.execute(
                """
                INSERT INTO reports (public_id, owner_kind, owner_id, frequency, period_start, period_end, clicks, html, csv, created_at)
                VALUES (?, ?, ?, ?, DATE(?), DATE(?), ?, ?, ?, ?)
                """,
                [.text(report.publicID), .text(kind), .int(id), .text(report.frequency.rawValue), .date(report.periodStart), .date(report.periodEnd),
                 .int(report.clicks), .text(report.html), .text(report.csv), .date(now)])
            var ids: [Int64] = []
            for mail in mails { ids.append(try MariaDBMailOutbox.insert(mail, now: now, on: db)) }
            return ids
        }
    }

    public func setting(_ owner: ClickOwner) throws(StoreError) -> ReportFrequency? {
        let (kind, id) = Self.key(owner)
        return try db.execute("SELECT frequency FROM report_settings WHERE owner_kind = ? AND owner_id = ?", [.text(kind), .int(id)],
                              isRead: true).rows.first.flatMap { $0[0].text.flatMap(ReportFrequency.init(rawValue:)) }
    }

    public func setSetting(_ owner: ClickOwner, _ frequency: ReportFrequency?, now: Date) throws(StoreError) {
        let (kind, id) = Self.key(owner)
        guard let frequency else {
            try db.execute("DELETE FROM report_settings WHERE owner_kind = ? AND owner_id = ?", [.text(kind), .int(id)])
            return
        }
        try db.execute(
            "INSERT INTO report_settings (owner_kind, owner_id, frequency, updated_at) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE frequency = VALUES(frequency), updated_at = VALUES(updated_at)",
            [.text(kind), .int(id), .text(frequency.rawValue), .date(now)])
    }

    static let columns = "public_id, owner_kind, owner_id, frequency, DATEDIFF(period_start, '1970-01-01'), DATEDIFF(period_end, '1970-01-01'), clicks, created_at"

    private static func decode(_ r: [DBValue], html: String = "", csv: String = "") -> StoredReport? {
        guard let publicID = r[0].text, let owner = owner(r[1].text, r[2].int), let frequency = r[3].text.flatMap(ReportFrequency.init(rawValue:)),
              let start = r[4].int, let end = r[5].int, let created = r[7].date else { return nil }
        return StoredReport(publicID: publicID, owner: owner, frequency: frequency, periodStart: Date(timeIntervalSince1970: Double(start) * 86_400),
                            periodEnd: Date(timeIntervalSince1970: Double(end) * 86_400), clicks: r[6].int ?? 0, createdAt: created, html: html, csv: csv)
    }

    public func reports(_ owner: ClickOwner, limit: Int) throws(StoreError) -> [StoredReport] {
        let (kind, id) = Self.key(owner)
        return try db.execute("SELECT \(Self.columns) FROM reports WHERE owner_kind = ? AND owner_id = ? ORDER BY period_start DESC, id DESC LIMIT ?",
                              [.text(kind), .int(id), .int(Int64(limit))], isRead: true).rows.compactMap { Self.decode($0) }
    }

    public func report(publicID: String) throws(StoreError) -> StoredReport? {
        guard let r = try db.execute("SELECT \(Self.columns), html, csv FROM reports WHERE public_id = ?", [.text(publicID)], isRead: true).rows.first
        else { return nil }
        return Self.decode(r, html: r[8].text ?? "", csv: r[9].text ?? "")
    }
}

extension ClickOwner {
    /// The `owner_kind` and `owner_id` columns: `u` a user's personal links, `t` a team's.
    var row: (String, Int64) {
        switch self {
        case .user(let id): return ("u", id)
        case .team(let id): return ("t", id)
        }
    }

    /// The owner those columns name, if they name one.
    init?(row kind: String?, _ id: Int64?) {
        guard let id else { return nil }
        switch kind {
        case "u": self = .user(id)
        case "t": self = .team(id)
        default: return nil
        }
    }
}
