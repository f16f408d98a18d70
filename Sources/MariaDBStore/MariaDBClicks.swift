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
            let visitors = try newVisitors(clicks)
            try rollUp(clicks, newVisitors: visitors)
            try addTotals(clicks, newVisitors: visitors)
        }
    }

    static let columns = ["clicked_at", "link_id", "domain_id", "code", "status", "ip", "user_agent", "referer", "destination",
                          "referrer_host", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "visitor_hash",
                          "do_not_track", "device", "os", "os_version", "browser", "browser_version", "is_bot", "country", "region", "city",
                          "via_qr"]

    private func insert(_ clicks: [EnrichedClick]) throws(StoreError) {
        try insertRows(clicks, sizes: [256, 64, 16, 4, 1], columns: Self.columns.count,
                       into: "INSERT INTO clicks (\(Self.columns.joined(separator: ", "))) VALUES ") { e in
            let c = e.click
            return [.date(Timestamp.date(millis: c.timeMillis)), .int(c.linkID), .int(c.domainID), .text(c.code),
                    .int(Int64(c.status)), .text(c.ip), .text(c.userAgent), .text(c.referer), .text(c.location),
                    .text(e.referrerHost), .text(e.utmSource), .text(e.utmMedium), .text(e.utmCampaign), .text(e.utmTerm),
                    .text(e.utmContent), e.visitorHash.map(DBValue.bytes) ?? .null, .int(e.doNotTrack ? 1 : 0),
                    .text(e.agent.device.rawValue), .text(e.agent.os), .text(e.agent.osVersion), .text(e.agent.browser),
                    .text(e.agent.browserVersion), .int(e.agent.isBot ? 1 : 0), .text(e.geo.country), .text(e.geo.region), .text(e.geo.city),
                    .int(c.viaQR ? 1 : 0)]
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

    /// A visitor on a link's UTC day.
    private struct Visitor: Hashable { let link: Int64; let day: Int64; let hash: [UInt8] }

    /// The people (not bots, not untracked) of the batch whose visitor hash is new on its link and UTC day,
    /// each with the hour of its first click that day; recorded in `click_visitors` in the batch's transaction.
    private func newVisitors(_ clicks: [EnrichedClick]) throws(StoreError) -> [Visitor: Int64] {
        var firstHour: [Visitor: Int64] = [:]
        for e in clicks where !e.agent.isBot {
            guard let hash = e.visitorHash else { continue }
            let v = Visitor(link: e.click.linkID, day: Int64(Timestamp.utcDay(millis: e.click.timeMillis)), hash: hash)
            let hour = Self.floorDiv(e.click.timeMillis, 3_600_000)
            if let known = firstHour[v], known <= hour { continue }
            firstHour[v] = hour
        }
        guard !firstHour.isEmpty else { return [:] }
        let candidates = Array(firstHour.keys)
        // A DATE compares with text of the same form (a DATETIME parameter would make the row comparison miss).
        func day(_ v: Visitor) -> DBValue { .text(Timestamp.dayText(Int(v.day))) }
        for chunk in stride(from: 0, to: candidates.count, by: 256).map({ candidates[$0..<min($0 + 256, candidates.count)] }) {
            var params: [DBValue] = []
            for v in chunk { params += [.int(v.link), day(v), .bytes(v.hash)] }
            let seen = try db.execute("SELECT link_id, DATEDIFF(day, '1970-01-01'), visitor_hash FROM click_visitors WHERE (link_id, day, visitor_hash) IN ("
                                      + Array(repeating: "(?, ?, ?)", count: chunk.count).joined(separator: ", ") + ")", params).rows
            for r in seen {
                guard let link = r[0].int, let d = r[1].int, let hash = r[2].bytes else { continue }
                firstHour[Visitor(link: link, day: d, hash: hash)] = nil
            }
        }
        // A plain INSERT: were another writer to record the same visitor meanwhile, this batch fails and is retried.
        try insertRows(Array(firstHour.keys), sizes: [256, 64, 16, 4, 1], columns: 3,
                       into: "INSERT INTO click_visitors (link_id, day, visitor_hash) VALUES ") { v in [.int(v.link), day(v), .bytes(v.hash)] }
        return firstHour
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : (a - b + 1) / b }

    /// Adds the batch's counts to the hourly rollups, one row per link, hour, dimension and value: every click
    /// under `total` and under its value in each `ClickDimension` (people in `clicks`, bots in `bots`), and the
    /// batch's new visitors under `uniques`.
    private func rollUp(_ clicks: [EnrichedClick], newVisitors: [Visitor: Int64]) throws(StoreError) {
        var counts: [Key: (people: Int64, bots: Int64)] = [:]
        func count(_ key: Key, bot: Bool) {
            var n = counts[key] ?? (0, 0)
            if bot { n.bots += 1 } else { n.people += 1 }
            counts[key] = n
        }
        for e in clicks {
            let hour = Self.floorDiv(e.click.timeMillis, 3_600_000)
            let bot = e.agent.isBot
            count(Key(link: e.click.linkID, hour: hour, dimension: "total", value: ""), bot: bot)
            for dimension in ClickDimension.allCases {
                guard let value = dimension.value(of: e) else { continue }
                count(Key(link: e.click.linkID, hour: hour, dimension: dimension.rawValue, value: value), bot: bot)
            }
        }
        for (visitor, hour) in newVisitors { count(Key(link: visitor.link, hour: hour, dimension: "uniques", value: ""), bot: false) }
        let rows = counts.sorted { ($0.key.link, $0.key.hour, $0.key.dimension, $0.key.value) < ($1.key.link, $1.key.hour, $1.key.dimension, $1.key.value) }
        try insertRows(rows, sizes: [64, 16, 4, 1], columns: 6, into: "INSERT INTO click_rollups (link_id, dimension, value, hour, clicks, bots) VALUES ",
                       suffix: " ON DUPLICATE KEY UPDATE clicks = clicks + VALUES(clicks), bots = bots + VALUES(bots)") { key, n in
            [.int(key.link), .text(key.dimension), .text(key.value), .date(Timestamp.date(millis: key.hour * 3_600_000)), .int(n.people), .int(n.bots)]
        }
    }

    /// Link owners seen lately (links rarely change hands; emptied when large and every hour).
    private var owners: [Int64: ClickOwner?] = [:]

    /// Forgets the cached owners of links (the ingester calls it hourly).
    public func forgetOwners() { owners.removeAll() }

    private func ownersOf(_ links: Set<Int64>) throws(StoreError) -> [Int64: ClickOwner?] {
        let unknown = links.filter { owners[$0] == nil && $0 != 0 }
        if !unknown.isEmpty {
            if owners.count > 100_000 { owners.removeAll() }
            let ids = Array(unknown)
            for chunk in stride(from: 0, to: ids.count, by: 500).map({ ids[$0..<min($0 + 500, ids.count)] }) {
                let rows = try db.execute("SELECT id, owner_user_id, team_id FROM links WHERE id IN ("
                                          + Array(repeating: "?", count: chunk.count).joined(separator: ", ") + ")",
                                          chunk.map { .int($0) }).rows
                for id in chunk { owners[id] = .some(nil) }  // a link deleted meanwhile has no owner
                for r in rows {
                    guard let id = r[0].int else { continue }
                    owners[id] = r[2].int.map(ClickOwner.team) ?? r[1].int.map(ClickOwner.user)
                }
            }
        }
        var out: [Int64: ClickOwner?] = [:]
        for id in links { out[id] = owners[id] ?? nil }
        return out
    }

    /// Adds the batch to every link's totals and to its owner's day (people, bots, new visitors).
    private func addTotals(_ clicks: [EnrichedClick], newVisitors: [Visitor: Int64]) throws(StoreError) {
        struct Sum { var clicks: Int64 = 0, bots: Int64 = 0, uniques: Int64 = 0, last: Int64 = .min }
        struct Day: Hashable { let owner: ClickOwner; let day: Int }
        var perLink: [Int64: Sum] = [:]
        for e in clicks where !e.click.isOrphan {
            var sum = perLink[e.click.linkID] ?? Sum()
            if e.agent.isBot { sum.bots += 1 } else { sum.clicks += 1 }
            sum.last = max(sum.last, e.click.timeMillis)
            perLink[e.click.linkID] = sum
        }
        for v in newVisitors.keys where v.link != 0 { perLink[v.link, default: Sum()].uniques += 1 }
        guard !perLink.isEmpty else { return }
        let owner = try ownersOf(Set(perLink.keys))
        var perDay: [Day: Sum] = [:]
        for e in clicks where !e.click.isOrphan {
            guard let o = owner[e.click.linkID] ?? nil else { continue }
            let key = Day(owner: o, day: Timestamp.utcDay(millis: e.click.timeMillis))
            if e.agent.isBot { perDay[key, default: Sum()].bots += 1 } else { perDay[key, default: Sum()].clicks += 1 }
        }
        for v in newVisitors.keys where v.link != 0 {
            guard let o = owner[v.link] ?? nil else { continue }
            perDay[Day(owner: o, day: Int(v.day)), default: Sum()].uniques += 1
        }
        try insertRows(perLink.sorted { $0.key < $1.key }, sizes: [64, 16, 4, 1], columns: 5,
                       into: "INSERT INTO link_click_totals (link_id, clicks, bots, uniques, last_click_at) VALUES ",
                       suffix: " ON DUPLICATE KEY UPDATE clicks = clicks + VALUES(clicks), bots = bots + VALUES(bots), "
                           + "uniques = uniques + VALUES(uniques), last_click_at = GREATEST(COALESCE(last_click_at, VALUES(last_click_at)), VALUES(last_click_at))") { id, sum in
            [.int(id), .int(sum.clicks), .int(sum.bots), .int(sum.uniques), sum.last == .min ? .null : .date(Timestamp.date(millis: sum.last))]
        }
        let days = perDay.map { (key: Self.key($0.key.owner), day: $0.key.day, sum: $0.value) }.sorted { ($0.key.0, $0.key.1, $0.day) < ($1.key.0, $1.key.1, $1.day) }
        try insertRows(days, sizes: [16, 4, 1], columns: 6,
                       into: "INSERT INTO owner_click_days (owner_kind, owner_id, day, clicks, bots, uniques) VALUES ",
                       suffix: " ON DUPLICATE KEY UPDATE clicks = clicks + VALUES(clicks), bots = bots + VALUES(bots), uniques = uniques + VALUES(uniques)") { row in
            [.text(row.key.0), .int(row.key.1), .text(Timestamp.dayText(row.day)), .int(row.sum.clicks), .int(row.sum.bots), .int(row.sum.uniques)]
        }
    }

    /// Drops the visitor sets of UTC days before `day` minus one: their salts are gone, so no later click can
    /// meet them again. Returns the rows deleted.
    @discardableResult
    public func forgetVisitors(before now: Date) throws(StoreError) -> Int64 {
        try db.execute("DELETE FROM click_visitors WHERE day < DATE_SUB(DATE(?), INTERVAL 1 DAY)", [.date(now)]).affectedRows
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

    public func totals(linkID: Int64) throws(StoreError) -> ClickTotals {
        guard let r = try db.execute("SELECT clicks, bots, uniques FROM link_click_totals WHERE link_id = ?", [.int(linkID)],
                                     isRead: true).rows.first else { return ClickTotals(clicks: 0, bots: 0, uniques: 0) }
        return ClickTotals(clicks: r[0].int ?? 0, bots: r[1].int ?? 0, uniques: r[2].int ?? 0)
    }

    public func ownerDays(_ owner: ClickOwner, from: Date, to: Date) throws(StoreError) -> [OwnerDay] {
        let (kind, id) = Self.key(owner)
        return try db.execute(
            """
            SELECT DATEDIFF(day, '1970-01-01'), clicks, bots, uniques FROM owner_click_days
            WHERE owner_kind = ? AND owner_id = ? AND day >= DATE(?) AND day < DATE(?) ORDER BY day
            """, [.text(kind), .int(id), .date(from), .date(to)], isRead: true).rows.compactMap { r in
            guard let days = r[0].int else { return nil }
            return OwnerDay(day: Date(timeIntervalSince1970: Double(days) * 86_400), clicks: r[1].int ?? 0, bots: r[2].int ?? 0,
                            uniques: r[3].int ?? 0)
        }
    }

    public func topLinks(_ owner: ClickOwner, limit: Int, bots: Bool) throws(StoreError) -> [(alias: String, clicks: Int64)] {
        let filter: String
        let id: Int64
        switch owner {
        case .user(let u): (filter, id) = ("l.owner_user_id = ? AND l.team_id IS NULL", u)
        case .team(let t): (filter, id) = ("l.team_id = ?", t)
        }
        return try db.execute(
            """
            SELECT l.code, t.clicks\(bots ? " + t.bots" : "") AS n FROM links l JOIN link_click_totals t ON t.link_id = l.id
            WHERE \(filter) ORDER BY n DESC, l.code LIMIT ?
            """, [.int(id), .int(Int64(limit))], isRead: true).rows.compactMap { r in
            guard let code = r[0].text, let n = r[1].int, n > 0 else { return nil }
            return (code, n)
        }
    }

    private static func key(_ owner: ClickOwner) -> (String, Int64) { owner.row }

    static let storedColumns = "id, clicked_at, ip, user_agent, referer, device, os, os_version, browser, browser_version, country, region, city, via_qr"

    public func clicks(linkID: Int64, after cursor: ClickCursor?, limit: Int, bots: Bool) throws(StoreError) -> [StoredClick] {
        let people = bots ? "" : " AND is_bot = 0"
        let rows: [[DBValue]]
        if let cursor {
            let at = DBValue.date(Timestamp.date(millis: cursor.millis))
            rows = try db.execute(
                """
                SELECT \(Self.storedColumns) FROM clicks
                WHERE link_id = ? AND (clicked_at < ? OR (clicked_at = ? AND id < ?))\(people)
                ORDER BY clicked_at DESC, id DESC LIMIT ?
                """, [.int(linkID), at, at, .int(cursor.id), .int(Int64(limit))], isRead: true).rows
        } else {
            rows = try db.execute(
                "SELECT \(Self.storedColumns) FROM clicks WHERE link_id = ?\(people) ORDER BY clicked_at DESC, id DESC LIMIT ?",
                [.int(linkID), .int(Int64(limit))], isRead: true).rows
        }
        return rows.compactMap { r in
            guard let id = r[0].int, let at = r[1].date else { return nil }
            let agent = UserAgentInfo(device: UserAgentInfo.Device(rawValue: r[5].text ?? "") ?? .other, os: r[6].text ?? "",
                                      osVersion: r[7].text ?? "", browser: r[8].text ?? "", browserVersion: r[9].text ?? "")
            return StoredClick(id: id, at: at, ip: r[2].text ?? "", userAgent: r[3].text ?? "", referer: r[4].text ?? "", agent: agent,
                               geo: GeoLocation(country: r[10].text ?? "", region: r[11].text ?? "", city: r[12].text ?? ""),
                               viaQR: r[13].int == 1)
        }
    }

    public func hourly(linkID: Int64, from: Date, to: Date, bots: Bool) throws(StoreError) -> [ClickSeries.Hour] {
        try db.execute(
            """
            SELECT hour, SUM(CASE WHEN dimension = 'total' THEN clicks\(bots ? " + bots" : "") ELSE 0 END),
                   SUM(CASE WHEN dimension = 'uniques' THEN clicks ELSE 0 END)
            FROM click_rollups WHERE link_id = ? AND dimension IN ('total', 'uniques') AND value = '' AND hour >= ? AND hour < ?
            GROUP BY hour ORDER BY hour
            """,
            [.int(linkID), .date(from), .date(to)], isRead: true).rows.compactMap { r in
            guard let hour = r[0].date, let n = r[1].int, let u = r[2].int else { return nil }
            return ClickSeries.Hour(hour: hour, clicks: n, uniques: u)
        }
    }

    public func breakdown(linkID: Int64, dimension: ClickDimension, from: Date, to: Date, limit: Int,
                          bots: Bool) throws(StoreError) -> [(value: String, clicks: Int64)] {
        try db.execute(
            """
            SELECT value, SUM(clicks\(bots ? " + bots" : "")) AS n FROM click_rollups
            WHERE link_id = ? AND dimension = ? AND hour >= ? AND hour < ?
            GROUP BY value HAVING n > 0 ORDER BY n DESC, value LIMIT ?
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
    /// True for a name these partitions have: `p` and six digits, or the first, `p_before`.
    public static func isName(_ name: String) -> Bool {
        name == "p_before" || (name.utf8.count == 7 && name.hasPrefix("p") && name.utf8.dropFirst().allSatisfy { (48...57).contains($0) })
    }

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
