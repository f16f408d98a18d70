import Foundation
import LinkDomain
import Logging
import MariaDBStore
import ShortlinkCore
import ShortlinkTestSupport
import Testing

/// The expiry job against the real MariaDB, with the clock passed in: links past their expiry deactivated
/// (with an audit entry, their cache entries purged), old click partitions dropped whole, dry runs that change
/// nothing, repeated runs that find nothing left, and overlapping runs of which only one acts.
@Suite(.serialized) struct ExpiryTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00Z

    struct Fixture {
        let db: MariaDBConnection
        let cache: InMemoryLinkCache
        let job: ExpiryService
        let codes: [String: Int64]
    }

    /// Three links (expired, expiring later, never expiring) with cache entries, and a click in the first and in
    /// the current partition. FixedPlans' longest retention is 365 days.
    func fixture() throws -> Fixture {
        let db = try TestEnvironment.freshDatabase()
        let accounts = MariaDBAccounts(connection: db)
        let domain = try accounts.ensureDomain(host: "sho.rt", now: now)
        let links = MariaDBLinkStore(connection: db)
        var codes: [String: Int64] = [:]
        for (code, expires) in [("gone", now.addingTimeInterval(-60)), ("later", now.addingTimeInterval(3600)), ("never", nil)] as [(String, Date?)] {
            let link = try links.insert(NewLink(publicID: Secrets.uuid(), domainID: domain, code: code, longURL: "https://example.com/\(code)",
                                                redirectType: .found, expiresAt: expires, ownerUserID: nil, createdAt: now.addingTimeInterval(-86_400)),
                                        audit: AuditEntry(occurredAt: now, actorUserID: nil, actorKeyID: nil, actorIP: "", action: "link.create",
                                                          objectType: "link", objectID: code))
            codes[code] = link.id
        }
        let clicks = MariaDBClicks(connection: db)
        try clicks.ensurePartitions(now: now)
        for (n, at) in [Date(timeIntervalSince1970: 1_767_000_000), now].enumerated() {  // 2025-12-29, 2027-01-15
            try clicks.ingest([ClickEnrichment.enrich(ClickRecord(timeMillis: Timestamp.millis(at), linkID: codes["gone"]!, domainID: domain,
                                                                  code: "gone", status: 302, ip: "", userAgent: "", referer: ""),
                                                      salt: Array(repeating: 1, count: 32), addresses: .none)],
                              file: "f", from: Int64(n), to: Int64(n + 1), now: now)
        }
        let store = MariaDBMaintenance(connection: db)
        let cache = InMemoryLinkCache()
        return Fixture(db: db, cache: cache, job: ExpiryService(store: store, lock: store, plans: FixedPlans(), cache: cache,
                                                                logger: Logger(label: "expiry-tests")), codes: codes)
    }

    func active(_ f: Fixture) throws -> [String] {
        try f.db.execute("SELECT code FROM links WHERE is_active = 1 ORDER BY code", isRead: true).rows.compactMap { $0[0].text }
    }

    func clickCount(_ f: Fixture) throws -> Int64 {
        try f.db.execute("SELECT COUNT(*) FROM clicks", isRead: true).rows[0][0].int ?? -1
    }

    @Test func aDryRunSaysWhatItWouldDoAndChangesNothing() throws {
        let f = try fixture()
        f.cache.entries["gone"] = .some(nil)
        let report = try f.job.run(now: now, dryRun: true)
        #expect(report.ran && report.dryRun && report.deactivated.map(\.code) == ["gone"])
        #expect(report.retentionDays == 365 && report.droppedPartitions == ["p_before"])
        #expect(try active(f) == ["gone", "later", "never"] && clickCount(f) == 2)
        #expect(f.cache.entries["gone"] != nil)
    }

    @Test func aRunDeactivatesPurgesAuditsAndDropsOldPartitionsOnce() throws {
        let f = try fixture()
        f.cache.entries["gone"] = .some(nil)
        let report = try f.job.run(now: now, dryRun: false)
        #expect(report.deactivated.map(\.code) == ["gone"] && report.droppedPartitions == ["p_before"])
        #expect(try active(f) == ["later", "never"])
        #expect(f.cache.entries["gone"] == nil)  // purged: the next request reads the database's word
        #expect(try clickCount(f) == 1)  // the 2025 click went with its partition; this month's stays
        let audit = try f.db.execute("SELECT action, object_id FROM audit_log WHERE action = 'link.expire'", isRead: true).rows
        #expect(audit.map { $0.compactMap(\.text) } == [["link.expire", "gone"]])
        // Idempotent: nothing is left to do.
        let again = try f.job.run(now: now, dryRun: false)
        #expect(again.deactivated.isEmpty && again.droppedPartitions.isEmpty)
        // An hour later the next link's time has come.
        #expect(try f.job.run(now: now.addingTimeInterval(3601), dryRun: false).deactivated.map(\.code) == ["later"])
    }

    @Test func overlappingRunsNeverBothAct() throws {
        let f = try fixture()
        let other = MariaDBMaintenance(connection: MariaDBConnection(options: f.db.options, logger: Logger(label: "other")))
        #expect(try other.tryLock(ExpiryService.lockName))
        let blocked = try f.job.run(now: now, dryRun: false)
        #expect(!blocked.ran && blocked.deactivated.isEmpty)
        #expect(try active(f) == ["gone", "later", "never"] && clickCount(f) == 2)
        other.unlock(ExpiryService.lockName)
        #expect(try f.job.run(now: now, dryRun: false).deactivated.map(\.code) == ["gone"])
        // And a run holds the lock only while it runs.
        #expect(try other.tryLock(ExpiryService.lockName))
        other.unlock(ExpiryService.lockName)
    }

    @Test func aLinkChangedUnderTheJobIsLeftAlone() throws {
        let f = try fixture()
        let store = MariaDBMaintenance(connection: f.db)
        let due = try store.linksPastExpiry(now: now, limit: 10)
        #expect(due.map(\.code) == ["gone"])
        // Its owner moves the expiry after the job read it.
        try f.db.execute("UPDATE links SET expires_at = ? WHERE code = 'gone'", [.date(now.addingTimeInterval(86_400))])
        #expect(try store.deactivate(due, now: now).isEmpty)
        #expect(try active(f) == ["gone", "later", "never"])
    }

    @Test func partitionNamesAreCheckedBeforeAnyDDL() throws {
        let f = try fixture()
        #expect(throws: StoreError.self) { try MariaDBMaintenance(connection: f.db).dropClickPartitions(["p202701; DROP TABLE links"]) }
        #expect(try active(f).count == 3)
    }
}
