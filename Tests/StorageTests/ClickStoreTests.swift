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
