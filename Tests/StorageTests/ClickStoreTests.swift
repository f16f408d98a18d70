import ClickSpool
import Foundation
import Logging
import MariaDBStore
import ShortlinkCore
import Testing

/// The click store against the real MariaDB: batches with their offsets in one transaction, the guarded
/// offset, rollups equal to the raw rows, monthly partitions.
@Suite(.serialized) struct ClickStoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000.123)  // 2027-01-15

    func click(_ n: Int, link: Int64 = 1, at millis: Int64 = 1_800_000_000_000) -> ClickRecord {
        ClickRecord(timeMillis: millis + Int64(n) * 60_000, linkID: link, domainID: 1, code: "c\(link)", status: 302,
                    ip: "2001:db8::\(n)", userAgent: "Agent \(n) é", referer: "https://r.example/\(n)")
    }

    /// `click(n)` as the ingester hands it over, addresses kept in full.
    func enriched(_ c: ClickRecord) -> EnrichedClick {
        ClickEnrichment.enrich(c, salt: Array(repeating: 7, count: 32), addresses: .full)
    }

    func count(_ db: MariaDBConnection, _ sql: String) throws -> Int64 {
        try db.execute(sql, isRead: true).rows[0][0].int ?? -1
    }

    @Test func aBatchAndItsOffsetCommitTogetherAndOnlyOnce() throws {
        let db = try TestEnvironment.freshDatabase()
        let store = MariaDBClicks(connection: db)
        try store.ensurePartitions(now: now)
        let batch = (0..<300).map { enriched(click($0, link: Int64($0 % 3 + 1))) }
        try store.ingest(batch, file: "f", from: 0, to: 1000, now: now)
        #expect(try store.offsets() == ["f": 1000])
        // A replay of the same range, or a second ingester behind, changes nothing.
        #expect(throws: StoreError.duplicate) { try store.ingest(batch, file: "f", from: 0, to: 1000, now: now) }
        #expect(throws: StoreError.duplicate) { try store.ingest(batch, file: "f", from: 500, to: 1000, now: now) }
        try store.ingest(Array(batch.prefix(5)), file: "f", from: 1000, to: 1200, now: now)
        #expect(try count(db, "SELECT COUNT(*) FROM clicks") == 305)
        #expect(try count(db, "SELECT SUM(clicks) FROM click_rollups WHERE dimension = 'total'") == 305)
        // Every click also counts once by referrer host, and the rollups always equal the raw rows.
        #expect(try count(db, "SELECT SUM(clicks) FROM click_rollups WHERE dimension = 'referrer' AND value = 'r.example'") == 305)
        #expect(try count(db, "SELECT COUNT(DISTINCT visitor_hash) FROM clicks") == 300)
        #expect(try count(db, "SELECT SUM(clicks) FROM click_rollups WHERE link_id = 1 AND dimension = 'total'") == 102)
        let row = try db.execute("SELECT ip, user_agent, referer, clicked_at FROM clicks WHERE link_id = 2 ORDER BY id LIMIT 1", isRead: true).rows[0]
        #expect(row[0].text == "2001:db8::1" && row[1].text == "Agent 1 é" && row[2].text == "https://r.example/1")
        #expect(row[3].date == Date(timeIntervalSince1970: 1_800_000_060))
        try store.forget(files: ["f"])
        #expect(try store.offsets().isEmpty)
    }

    /// The raw column behind each rollup dimension.
    static let columns: [ClickDimension: String] = [
        .referrer: "referrer_host", .utmSource: "utm_source", .utmMedium: "utm_medium", .utmCampaign: "utm_campaign",
        .country: "country", .device: "device", .os: "os", .browser: "browser", .source: "IF(via_qr = 1, 'qr', 'link')",
    ]

    @Test func rollupsEqualTheRawRowsAfterRandomTraffic() throws {
        let db = try TestEnvironment.freshDatabase()
        let store = MariaDBClicks(connection: db)
        try store.ensurePartitions(now: now)
        var rng = SystemRandomNumberGenerator()
        let agents = [UserAgentInfo(device: .desktop, os: "Windows", osVersion: "10", browser: "Chrome", browserVersion: "120"),
                      UserAgentInfo(device: .mobile, os: "iOS", osVersion: "17", browser: "Mobile Safari", browserVersion: "17"),
                      UserAgentInfo(device: .bot, browser: "Googlebot", browserVersion: "2"), UserAgentInfo(device: .other)]
        let places = [GeoLocation(country: "DE", region: "Bavaria", city: "Munich"), GeoLocation(country: "JP"), GeoLocation(country: "")]
        var offset: Int64 = 0
        for _ in 0..<6 {
            let batch: [EnrichedClick] = (0..<Int.random(in: 50...400, using: &rng)).map { _ in
                var c = click(Int.random(in: 0..<40, using: &rng), link: Int64.random(in: 1...4, using: &rng),
                              at: 1_800_000_000_000 + Int64.random(in: 0..<(3 * 86_400_000), using: &rng))
                c.query = ["", "utm_source=nl&utm_medium=mail", "utm_campaign=spring", "dnt=1"].randomElement(using: &rng)!
                c.viaQR = Bool.random(using: &rng)
                c.doNotTrack = Int.random(in: 0..<10, using: &rng) == 0
                return ClickEnrichment.enrich(c, salt: Array(repeating: UInt8(c.timeMillis / 86_400_000 % 256), count: 32), addresses: .truncated,
                                              agent: agents.randomElement(using: &rng)!, geo: places.randomElement(using: &rng)!)
            }
            try store.ingest(batch, file: "r", from: offset, to: offset + 100, now: now)
            offset += 100
        }
        let raw = try count(db, "SELECT COUNT(*) FROM clicks")
        #expect(try count(db, "SELECT SUM(clicks) + SUM(bots) FROM click_rollups WHERE dimension = 'total'") == raw)
        for (dimension, column) in Self.columns {
            for bot in [0, 1] {
                let rolled = try db.execute(
                    "SELECT link_id, value, SUM(\(bot == 1 ? "bots" : "clicks")) FROM click_rollups WHERE dimension = ? GROUP BY link_id, value HAVING SUM(\(bot == 1 ? "bots" : "clicks")) > 0",
                    [.text(dimension.rawValue)], isRead: true).rows.map { "\($0[0].int!) \($0[1].text!) \($0[2].int!)" }.sorted()
                let filter = dimension.rawValue.hasPrefix("utm_") ? " AND \(column) <> ''" : ""
                let counted = try db.execute(
                    "SELECT link_id, \(column) AS v, COUNT(*) FROM clicks WHERE is_bot = ?\(filter) GROUP BY link_id, v",
                    [.int(Int64(bot))], isRead: true).rows.map { "\($0[0].int!) \($0[1].text!) \($0[2].int!)" }.sorted()
                #expect(rolled == counted, "\(dimension) bots=\(bot)")
            }
        }
        // Unique visitors: each tracked person once per link and UTC day.
        let uniques = try count(db, "SELECT COUNT(*) FROM (SELECT DISTINCT link_id, DATE(clicked_at), visitor_hash FROM clicks WHERE is_bot = 0 AND visitor_hash IS NOT NULL) v")
        #expect(try count(db, "SELECT SUM(clicks) FROM click_rollups WHERE dimension = 'uniques'") == uniques)
        let totals = try (1...4).map { try store.totals(linkID: Int64($0)) }
        #expect(totals.reduce(0) { $0 + $1.uniques } == uniques)
        #expect(totals.reduce(0) { $0 + $1.clicks + $1.bots } == raw)
        #expect(totals.reduce(0) { $0 + $1.bots } == (try count(db, "SELECT COUNT(*) FROM clicks WHERE is_bot = 1")))
        // The reader: bots only when asked for; hourly uniques sum to the link's.
        let week = (Date(timeIntervalSince1970: 1_799_900_000), Date(timeIntervalSince1970: 1_800_400_000))
        let people = try store.breakdown(linkID: 1, dimension: .device, from: week.0, to: week.1, limit: 10, bots: false)
        let everyone = try store.breakdown(linkID: 1, dimension: .device, from: week.0, to: week.1, limit: 10, bots: true)
        #expect(!people.contains { $0.value == "bot" } && everyone.contains { $0.value == "bot" })
        #expect(everyone.reduce(0) { $0 + $1.clicks } == totals[0].clicks + totals[0].bots)
        let hours = try store.hourly(linkID: 1, from: week.0, to: week.1, bots: false)
        #expect(hours.reduce(0) { $0 + $1.uniques } == totals[0].uniques && hours.reduce(0) { $0 + $1.clicks } == totals[0].clicks)
        let listed = try store.clicks(linkID: 1, after: nil, limit: 1000, bots: false)
        #expect(Int64(listed.count) == totals[0].clicks && listed.allSatisfy { !$0.agent.isBot })
        // Visitor sets of days whose salt is gone are dropped.
        #expect(try store.forgetVisitors(before: Date(timeIntervalSince1970: 1_800_000_000 + 3 * 86_400)) > 0)
        #expect(try count(db, "SELECT COUNT(*) FROM click_visitors WHERE day < '2027-01-16'") == 0)
    }

    @Test func aFailingBatchLeavesNeitherRowsNorOffset() throws {
        let db = try TestEnvironment.freshDatabase()
        let store = MariaDBClicks(connection: db)
        var bad = click(1)
        bad.userAgent = String(repeating: "x", count: 1025)  // longer than the column: the strict sql_mode refuses it
        #expect(throws: StoreError.self) { try store.ingest([enriched(click(0)), enriched(bad)], file: "g", from: 0, to: 10, now: now) }
        #expect(try store.offsets().isEmpty)
        #expect(try count(db, "SELECT COUNT(*) FROM clicks") == 0 && count(db, "SELECT COUNT(*) FROM click_rollups") == 0)
    }

    @Test func partitionsAreAddedAheadOnceAndRowsLandInTheirMonth() throws {
        let db = try TestEnvironment.freshDatabase()
        let store = MariaDBClicks(connection: db)
        #expect(try store.ensurePartitions(now: now) == ["p202701", "p202702", "p202703", "p202704"])
        #expect(try store.ensurePartitions(now: now).isEmpty)
        #expect(try store.ensurePartitions(now: now.addingTimeInterval(40 * 86_400)) == ["p202705"])
        try store.ingest([enriched(click(0))], file: "h", from: 0, to: 1, now: now)
        let part = try db.execute(
            "SELECT partition_name FROM information_schema.partitions WHERE table_schema = DATABASE() AND table_name = 'clicks' AND table_rows > 0",
            isRead: true).rows.compactMap { $0[0].text }
        #expect(part == ["p202701"] || part.isEmpty)  // table_rows is an estimate; when known it names January
        #expect(try count(db, "SELECT COUNT(*) FROM clicks PARTITION (p202701)") == 1)
    }

    @Test func visitorSaltsAreRandomPerDayAndForgottenAfterTwoDays() throws {
        let db = try TestEnvironment.freshDatabase()
        let store = MariaDBClicks(connection: db)
        let first = try store.salt(forDay: "2027-01-10")
        #expect(try first.count == 32 && store.salt(forDay: "2027-01-10") == first)
        #expect(try store.salt(forDay: "2027-01-11") != first)
        _ = try store.salt(forDay: "2027-01-13")
        #expect(try count(db, "SELECT COUNT(*) FROM visitor_salts WHERE day = '2027-01-10'") == 0)
        #expect(try count(db, "SELECT COUNT(*) FROM visitor_salts") == 2)
    }

    @Test func theStatusRoundTrips() throws {
        let db = try TestEnvironment.freshDatabase()
        let store = MariaDBClicks(connection: db)
        #expect(try store.status() == nil)
        let s = IngestStatus(heartbeatAt: now, bytesBehind: 42, oldestPendingAt: now.addingTimeInterval(-3), filesPending: 2,
                             clicksIngested: 1000, malformedLines: 1)
        try store.saveStatus(s)
        try store.saveStatus(s)
        #expect(try store.status() == s)
    }

    /// The real spool directory: the writer's files as the reader lists them, complete once rotated or orphaned.
    @Test func theSpoolDirectoryListsReadsAndRemoves() throws {
        let dir = NSTemporaryDirectory() + "spool-" + Secrets.hex(Secrets.randomBytes(4))
        let writer = SpoolWriter(directory: dir, maxBytes: 100, logger: TestEnvironment.logger)
        for n in 0..<3 { writer.record(click(n)) }
        let spool = SpoolDirectory(directory: dir)
        let files = try spool.files()
        #expect(files.count >= 2 && files.dropLast().allSatisfy(\.isComplete) && files.last?.isComplete == false)
        let first = try spool.read(files[0].name, from: 0, max: 1 << 16)
        #expect(SpoolLine.decode(first[..<first.firstIndex(of: 10)!]) == click(0))
        try spool.remove(files[0].name)
        #expect(try spool.files().count == files.count - 1)
        // The open file keeps its identity (and so its offset) when the writer renames it .ready.
        let open = try #require(try spool.files().last)
        #expect(open.name.hasPrefix("clicks-") && !open.name.contains("."))
        writer.close()
        #expect(try spool.files().last == SpoolFile(name: open.name, size: open.size, isComplete: true))
        #expect(try spool.read(open.name, from: 0, max: 1 << 16).count == Int(open.size))
        // An .open file whose writer is gone is complete.
        try Data("x".utf8).write(to: URL(fileURLWithPath: "\(dir)/clicks-999999-1-0.open"))
        #expect(try spool.files().first { $0.name == "clicks-999999-1-0" }?.isComplete == true)
    }
}
