import Foundation
import LinkDomain
import ShortlinkCore

/// `ClickStore` on MariaDB: raw clicks (partitioned by month), their hourly rollups and the ingester's offsets,
/// written in one transaction per batch.
public final class MariaDBClicks: ClickStore, ClickReader {
    private let db: MariaDBConnection

    /// Creates the store over a connection.
    public init(connection: MariaDBConnection) { db = connection }

    public func offsets() throws(StoreError) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for row in try db.execute("SELECT name, byte_offset FROM ingest_files", isRead: true).rows {
            if let name = row[0].text, let offset = row[1].int { out[name] = offset }
        }
        return out
    }

    public func ingest(_ clicks: [EnrichedClick], file: String, from: Int64, to: Int64, now: Date) throws(StoreError) {
        try db.transaction { () throws(StoreError) in
            // The offset moves first, guarded by its old value: a second ingester (or a replayed batch) finds
            // it moved and changes nothing.
            if from == 0 {
                try db.execute("INSERT INTO ingest_files (name, byte_offset, updated_at) VALUES (?, ?, ?)",
                               [.text(file), .int(to), .date(now)])
            } else {
                let moved = try db.execute("UPDATE ingest_files SET byte_offset = ?, updated_at = ? WHERE name = ? AND byte_offset = ?",
                                           [.int(to), .date(now), .text(file), .int(from)])
                guard moved.affectedRows == 1 else { throw .duplicate }
            }
            try insert(clicks)
            try rollUp(clicks)
        }
    }

    static let columns = ["clicked_at", "link_id", "domain_id", "code", "status", "ip", "user_agent", "referer", "destination",
                          "referrer_host", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "visitor_hash",
                          "do_not_track"]

    private func insert(_ clicks: [EnrichedClick]) throws(StoreError) {
        try insertRows(clicks, sizes: [256, 64, 16, 4, 1], columns: Self.columns.count,
                       into: "INSERT INTO clicks (\(Self.columns.joined(separator: ", "))) VALUES ") { e in
            let c = e.click
            return [.date(Timestamp.date(millis: c.timeMillis)), .int(c.linkID), .int(c.domainID), .text(c.code),
                    .int(Int64(c.status)), .text(c.ip), .text(c.userAgent), .text(c.referer), .text(c.location),
                    .text(e.referrerHost), .text(e.utmSource), .text(e.utmMedium), .text(e.utmCampaign), .text(e.utmTerm),
                    .text(e.utmContent), e.visitorHash.map(DBValue.bytes) ?? .null, .int(e.doNotTrack ? 1 : 0)]
        }
    }

    /// `rows` in multi-row statements of the given sizes (largest first, ending with 1), so that a handful of
    /// prepared statements serve every batch; each statement's text is built once per call.
    private func insertRows<Row>(_ rows: [Row], sizes: [Int], columns: Int, into prefix: String, suffix: String = "",
                                 _ values: (Row) -> [DBValue]) throws(StoreError) {
        var rest = rows[...]
        for size in sizes where rest.count >= size {
            let sql = prefix + Self.groups(size, of: columns) + suffix
            while rest.count >= size {
                var params: [DBValue] = []
                params.reserveCapacity(size * columns)
                for row in rest.prefix(size) { params += values(row) }
                rest = rest.dropFirst(size)
                try db.execute(sql, params)
            }
        }
    }

    /// The rollup dimensions of a click, with their values: every click counts in `total`, and by where it came
    /// from (`referrer`: the host, empty for direct) and its campaign (`utm_source`, `utm_medium`,
    /// `utm_campaign`: only when set).
    static func dimensions(_ e: EnrichedClick) -> [(String, String)] {
        var out = [("total", ""), ("referrer", e.referrerHost)]
        if !e.utmSource.isEmpty { out.append(("utm_source", e.utmSource)) }
        if !e.utmMedium.isEmpty { out.append(("utm_medium", e.utmMedium)) }
        if !e.utmCampaign.isEmpty { out.append(("utm_campaign", e.utmCampaign)) }
        return out
    }

    /// Adds the batch's counts to the hourly rollups, one row per link, hour, dimension and value.
    private func rollUp(_ clicks: [EnrichedClick]) throws(StoreError) {
        var counts: [Key: Int64] = [:]
        for e in clicks {
            let hour = e.click.timeMillis / 3_600_000
            for (dimension, value) in Self.dimensions(e) {
                counts[Key(link: e.click.linkID, hour: hour, dimension: dimension, value: value), default: 0] += 1
            }
        }
        let rows = counts.sorted { ($0.key.link, $0.key.hour, $0.key.dimension, $0.key.value) < ($1.key.link, $1.key.hour, $1.key.dimension, $1.key.value) }
        try insertRows(rows, sizes: [64, 16, 4, 1], columns: 5, into: "INSERT INTO click_rollups (link_id, dimension, value, hour, clicks) VALUES ",
                       suffix: " ON DUPLICATE KEY UPDATE clicks = clicks + VALUES(clicks)") { key, n in
            [.int(key.link), .text(key.dimension), .text(key.value), .date(Timestamp.date(millis: key.hour * 3_600_000)), .int(n)]
        }
    }

    public func salt(forDay day: String) throws(StoreError) -> [UInt8] {
        try db.execute("INSERT IGNORE INTO visitor_salts (day, salt) VALUES (?, ?)", [.text(day), .bytes(Secrets.randomBytes(32))])
        try db.execute("DELETE FROM visitor_salts WHERE day < DATE_SUB(?, INTERVAL 2 DAY)", [.text(day)])
        guard let salt = try db.execute("SELECT salt FROM visitor_salts WHERE day = ?", [.text(day)], isRead: true).rows.first?[0].bytes,
              salt.count == 32 else { throw .failed("no visitor salt for \(day)") }
        return salt
    }

    private struct Key: Hashable { let link: Int64; let hour: Int64; let dimension: String; let value: String }

    /// `(?, …), (?, …)`: `rows` groups of `columns` placeholders.
    static func groups(_ rows: Int, of columns: Int) -> String {
        let one = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        return Array(repeating: one, count: rows).joined(separator: ", ")
    }

    public func forget(files: [String]) throws(StoreError) {
        for name in files { try db.execute("DELETE FROM ingest_files WHERE name = ?", [.text(name)]) }
    }

    public func saveStatus(_ s: IngestStatus) throws(StoreError) {
        try db.execute(
            """
            INSERT INTO ingest_status (id, heartbeat_at, bytes_behind, oldest_pending_at, files_pending, clicks_ingested, malformed_lines)
            VALUES (1, ?, ?, ?, ?, ?, ?)
            ON DUPLICATE KEY UPDATE heartbeat_at = VALUES(heartbeat_at), bytes_behind = VALUES(bytes_behind),
              oldest_pending_at = VALUES(oldest_pending_at), files_pending = VALUES(files_pending),
              clicks_ingested = VALUES(clicks_ingested), malformed_lines = VALUES(malformed_lines)
            """,
            [.date(s.heartbeatAt), .int(s.bytesBehind), s.oldestPendingAt.map(DBValue.date) ?? .null, .int(Int64(s.filesPending)),
             .int(s.clicksIngested), .int(s.malformedLines)])
    }

    public func status() throws(StoreError) -> IngestStatus? {
        let rows = try db.execute(
            "SELECT heartbeat_at, bytes_behind, oldest_pending_at, files_pending, clicks_ingested, malformed_lines FROM ingest_status WHERE id = 1",
            isRead: true).rows
        guard let r = rows.first, let beat = r[0].date else { return nil }
        return IngestStatus(heartbeatAt: beat, bytesBehind: r[1].int ?? 0, oldestPendingAt: r[2].date, filesPending: Int(r[3].int ?? 0),
                            clicksIngested: r[4].int ?? 0, malformedLines: r[5].int ?? 0)
    }

    // MARK: Reading

    public func clickCount(linkID: Int64) throws(StoreError) -> Int64 {
        try db.execute("SELECT COALESCE(SUM(clicks), 0) FROM click_rollups WHERE link_id = ? AND dimension = 'total'",
                       [.int(linkID)], isRead: true).rows.first?[0].int ?? 0
    }

    public func clicks(linkID: Int64, after cursor: ClickCursor?, limit: Int) throws(StoreError) -> [StoredClick] {
        let rows: [[DBValue]]
        if let cursor {
            let at = DBValue.date(Timestamp.date(millis: cursor.millis))
            rows = try db.execute(
                """
                SELECT id, clicked_at, ip, user_agent, referer FROM clicks
                WHERE link_id = ? AND (clicked_at < ? OR (clicked_at = ? AND id < ?))
                ORDER BY clicked_at DESC, id DESC LIMIT ?
                """, [.int(linkID), at, at, .int(cursor.id), .int(Int64(limit))], isRead: true).rows
        } else {
            rows = try db.execute(
                "SELECT id, clicked_at, ip, user_agent, referer FROM clicks WHERE link_id = ? ORDER BY clicked_at DESC, id DESC LIMIT ?",
                [.int(linkID), .int(Int64(limit))], isRead: true).rows
        }
        return rows.compactMap { r in
            guard let id = r[0].int, let at = r[1].date else { return nil }
            return StoredClick(id: id, at: at, ip: r[2].text ?? "", userAgent: r[3].text ?? "", referer: r[4].text ?? "")
        }
    }

    public func hourly(linkID: Int64, from: Date, to: Date) throws(StoreError) -> [(hour: Date, clicks: Int64)] {
        try db.execute(
            "SELECT hour, clicks FROM click_rollups WHERE link_id = ? AND dimension = 'total' AND value = '' AND hour >= ? AND hour < ? ORDER BY hour",
            [.int(linkID), .date(from), .date(to)], isRead: true).rows.compactMap { r in
            guard let hour = r[0].date, let n = r[1].int else { return nil }
            return (hour, n)
        }
    }

    public func breakdown(linkID: Int64, dimension: ClickDimension, from: Date, to: Date, limit: Int) throws(StoreError) -> [(value: String, clicks: Int64)] {
        try db.execute(
            """
            SELECT value, SUM(clicks) AS n FROM click_rollups
            WHERE link_id = ? AND dimension = ? AND hour >= ? AND hour < ?
            GROUP BY value ORDER BY n DESC, value LIMIT ?
            """, [.int(linkID), .text(dimension.rawValue), .date(from), .date(to), .int(Int64(limit))], isRead: true).rows.compactMap { r in
            guard let value = r[0].text, let n = r[1].int else { return nil }
            return (value, n)
        }
    }

    // MARK: Partitions

    /// Makes sure the monthly partitions from this month to `monthsAhead` months ahead exist, by splitting the
    /// empty `p_future`; returns the partitions added. Safe to run at any time and from several processes
    /// (`ALTER TABLE` takes a metadata lock; an existing partition is not added again).
    @discardableResult
    public func ensurePartitions(now: Date, monthsAhead: Int = 3) throws(StoreError) -> [String] {
        let existing = Set(try db.execute(
            "SELECT partition_name FROM information_schema.partitions WHERE table_schema = DATABASE() AND table_name = 'clicks'",
            isRead: true).rows.compactMap { $0[0].text })
        let wanted = ClickPartitions.months(from: now, count: monthsAhead + 1).filter { !existing.contains($0.name) }
        guard !wanted.isEmpty else { return [] }
        let list = wanted.map { "PARTITION \($0.name) VALUES LESS THAN ('\($0.lessThan)')" }.joined(separator: ", ")
        try db.executeScript("ALTER TABLE clicks REORGANIZE PARTITION p_future INTO (\(list), PARTITION p_future VALUES LESS THAN (MAXVALUE))")
        return wanted.map(\.name)
    }
}

/// Monthly partition names and bounds: `p202611` holds November 2026 (UTC), less than `2026-12-01`.
public enum ClickPartitions {
    /// `count` months from the month of `date`.
    public static func months(from date: Date, count: Int) -> [(name: String, lessThan: String)] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month], from: date)
        var year = c.year ?? 1970, month = c.month ?? 1
        var out: [(String, String)] = []
        for _ in 0..<count {
            let (nextYear, nextMonth) = month == 12 ? (year + 1, 1) : (year, month + 1)
            out.append((String(format: "p%04d%02d", year, month), String(format: "%04d-%02d-01", nextYear, nextMonth)))
            (year, month) = (nextYear, nextMonth)
        }
        return out
    }
}
