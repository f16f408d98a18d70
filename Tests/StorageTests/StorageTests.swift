import ClickSpool
import Foundation
import LinkDomain
import MariaDBStore
import MemcachedCache
import ShortlinkCore
import ShortlinkTestSupport
import Testing

/// Against the real MariaDB and memcached of scripts/test. Serialized: some tests restart the servers.
@Suite(.serialized) struct StorageTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000.123)

    func audit(_ action: String, _ code: String) -> AuditEntry {
        AuditEntry(occurredAt: now, actorUserID: nil, actorKeyID: nil, actorIP: "203.0.113.9", action: action,
                   objectType: "link", objectID: code, details: ["code": code])
    }

    func newLink(_ code: String, domain: Int64, owner: Int64? = nil) -> NewLink {
        NewLink(publicID: Secrets.uuid(), domainID: domain, code: code, longURL: "https://example.com/\(code)",
                redirectType: .found, expiresAt: nil, ownerUserID: owner, createdAt: now)
    }

    @Test func migrationsRunTwiceAndRefuseChangedFiles() throws {
        let db = try TestEnvironment.freshDatabase()
        let dir = TestEnvironment.value("SHORTLINK_TEST_SQL_DIR")
        let migrator = Migrator(connection: db, logger: TestEnvironment.logger)
        #expect(try migrator.migrate(try Migration.load(directory: dir)).isEmpty)  // second run: nothing to do
        var changed = try Migration.load(directory: dir)
        changed[0].checksum = String(repeating: "0", count: 64)
        #expect(throws: MigrationError.self) { try migrator.migrate(changed) }
        let count = try db.execute("SELECT COUNT(*) FROM schema_migrations", isRead: true).rows[0][0].int
        #expect(count == Int64(changed.count))
    }

    @Test func linksRoundTripWithCaseSensitiveCodes() throws {
        let db = try TestEnvironment.freshDatabase()
        let accounts = MariaDBAccounts(connection: db)
        let domain = try accounts.ensureDomain(host: "sho.rt", now: now)
        #expect(try accounts.ensureDomain(host: "sho.rt", now: now) == domain)
        let owner = try accounts.ensureUser(email: "Owner@Example.com", role: "user", now: now)
        let store = MariaDBLinkStore(connection: db)

        var link = try store.insert(newLink("AbC", domain: domain, owner: owner), audit: audit("link.create", "AbC"))
        _ = try store.insert(newLink("abc", domain: domain, owner: owner), audit: audit("link.create", "abc"))
        #expect(throws: StoreError.duplicate) { _ = try store.insert(newLink("AbC", domain: domain), audit: audit("link.create", "AbC")) }

        let read = try #require(try store.link(domainID: domain, code: "AbC"))
        #expect(read == link)
        #expect(read.createdAt.timeIntervalSince1970 == 1_800_000_000.123)
        #expect(try store.link(domainID: domain, code: "ABC") == nil)

        link.longURL = "https://example.org/new?q=1"
        link.redirectType = .permanentRedirect
        link.isActive = false
        link.expiresAt = Date(timeIntervalSince1970: 1_900_000_000.5)
        link.updatedAt = now.addingTimeInterval(60)
        try store.update(link, audit: audit("link.update", "AbC"))
        #expect(try store.link(domainID: domain, code: "AbC") == link)
        #expect(try store.snapshot(domainID: domain, code: "AbC") == link.snapshot)

        try store.delete(id: link.id, audit: audit("link.delete", "AbC"))
        #expect(try store.snapshot(domainID: domain, code: "AbC") == nil)
        #expect(try store.snapshot(domainID: domain, code: "abc") != nil)

        // Each write left one audit entry in its transaction; the refused duplicate left none.
        let log = try MariaDBAudit(connection: db).entries(beforeID: nil, limit: 10)
        #expect(log.map(\.action) == ["link.delete", "link.update", "link.create", "link.create"])
        #expect(log[0].actorIP == "203.0.113.9" && log[0].details == ["code": "AbC"])
        #expect(try MariaDBAudit(connection: db).entries(beforeID: log[1].id, limit: 1).map(\.id) == [log[2].id])
    }

    @Test func apiKeysResolveByHashOnly() throws {
        let db = try TestEnvironment.freshDatabase()
        let accounts = MariaDBAccounts(connection: db)
        let user = try accounts.ensureUser(email: "k@example.com", role: "admin", now: now)
        let secret = APIKeySecret.generate()
        let keyID = try accounts.createAPIKey(userID: user, name: "t", secret: secret, scopes: ["links:read"], now: now)
        let p = try #require(try accounts.principal(forKeyHash: Secrets.sha256(secret)))
        // The plan in force comes with the key (a user without a subscription is on free).
        #expect(p.plan?.code == "free" && p.plan?.customAliases == false)
        var expected = Principal(userID: user, isAdmin: true, scopes: ["links:read"], apiKeyID: keyID, requestsPerMinute: 60)
        expected.plan = p.plan
        #expect(p == expected)
        #expect(try accounts.principal(forKeyHash: Secrets.sha256(secret + "x")) == nil)
        // The secret itself is stored nowhere.
        let rows = try db.execute("SELECT COUNT(*) FROM api_keys WHERE key_hash = ? OR prefix = ?",
                                  [.bytes(Array(secret.utf8)), .text(secret)], isRead: true)
        #expect(rows.rows[0][0].int == 0)
        try db.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ?", [.date(now), .int(keyID)])
        #expect(try accounts.principal(forKeyHash: Secrets.sha256(secret)) == nil)
    }

    @Test func memcachedCacheRoundTrip() throws {
        let cache = MemcachedLinkCache(client: try TestEnvironment.memcached(), ttl: 60, negativeTTL: 5)
        let domain = Int64.random(in: 1_000_000...9_000_000)
        let snap = LinkSnapshot(id: 5, redirectType: .temporaryRedirect, isActive: true, expiresAtMillis: 123, longURL: "https://e.example/|x")
        #expect(cache.lookup(domainID: domain, code: "c1") == .miss)
        #expect(cache.store(snap, domainID: domain, code: "c1"))
        #expect(cache.lookup(domainID: domain, code: "c1") == .hit(snap))
        #expect(cache.lookup(domainID: domain, code: "C1") == .miss)
        #expect(cache.storeNegative(domainID: domain, code: "c1"))
        #expect(cache.lookup(domainID: domain, code: "c1") == .negative)
        #expect(cache.remove(domainID: domain, code: "c1"))
        #expect(cache.lookup(domainID: domain, code: "c1") == .miss)
    }

    @Test func serviceServesFromTheDatabaseWhenMemcachedIsDownAndReconnects() throws {
        let db = try TestEnvironment.freshDatabase()
        let accounts = MariaDBAccounts(connection: db)
        let domain = try accounts.ensureDomain(host: "sho.rt", now: now)
        let user = try accounts.ensureUser(email: "s@example.com", role: "user", now: now)
        let client = try TestEnvironment.memcached()
        let cache = MemcachedLinkCache(client: client, ttl: 60, negativeTTL: 5)
        let service = LinkService(store: MariaDBLinkStore(connection: db), plans: MariaDBPlans(connection: db),
                                  teams: MariaDBTeams(connection: db), cache: cache,
                                  clock: ManualClock(Date()),
                                  domainID: domain, ownHosts: [.name("sho.rt")], logger: TestEnvironment.logger)
        let me = Principal(userID: user, isAdmin: false, scopes: ["links:write"], apiKeyID: nil)
        let link = try service.create(CreateLinkRequest(longURL: "https://example.com/a"), by: me)
        #expect(cache.lookup(domainID: domain, code: link.code) == .hit(link.snapshot))

        try TestEnvironment.stack("stop-memcached")
        defer { try? TestEnvironment.stack("start-memcached") }
        #expect(cache.lookup(domainID: domain, code: link.code) == .unavailable)
        #expect(try service.resolve(code: link.code) == link.snapshot)
        #expect(try service.resolve(code: "nothere") == nil)

        try TestEnvironment.stack("start-memcached")
        // libmemcached retries a failed server after its retry timeout: the cache comes back by itself.
        let started = Date()
        while cache.lookup(domainID: domain, code: link.code) == .unavailable && Date().timeIntervalSince(started) < 10 {
            Thread.sleep(forTimeInterval: 0.1)
        }
        print("memcached usable again after \(Date().timeIntervalSince(started)) s")
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(try service.resolve(code: link.code) == link.snapshot)
        #expect(cache.lookup(domainID: domain, code: link.code) == .hit(link.snapshot))
    }

    @Test func mariadbConnectionReconnectsAfterARestart() throws {
        let db = try TestEnvironment.freshDatabase()
        let accounts = MariaDBAccounts(connection: db)
        let domain = try accounts.ensureDomain(host: "sho.rt", now: now)
        let store = MariaDBLinkStore(connection: db)
        _ = try store.insert(newLink("persist", domain: domain), audit: audit("link.create", "persist"))

        try TestEnvironment.stack("stop-mariadb")
        var downError: StoreError?
        do { _ = try store.snapshot(domainID: domain, code: "persist") } catch { downError = error }
        if case .unavailable? = downError {} else { Issue.record("expected .unavailable, got \(String(describing: downError))") }

        try TestEnvironment.stack("start-mariadb")
        #expect(try store.snapshot(domainID: domain, code: "persist")?.longURL == "https://example.com/persist")
    }

    /// The first transaction on a connection the server dropped (a restart since the last call) succeeds: its
    /// START TRANSACTION fails before anything ran, and is retried once on a fresh connection.
    @Test func aTransactionAfterARestartIsNotLost() throws {
        let db = try TestEnvironment.freshDatabase()
        let accounts = MariaDBAccounts(connection: db)
        let domain = try accounts.ensureDomain(host: "sho.rt", now: now)
        let store = MariaDBLinkStore(connection: db)
        try TestEnvironment.stack("stop-mariadb")
        try TestEnvironment.stack("start-mariadb")
        _ = try store.insert(newLink("after", domain: domain), audit: audit("link.create", "after"))  // a transaction
        #expect(try store.link(domainID: domain, code: "after") != nil)
    }

    @Test func plansComeFromTheSubscriptionWhileItIsInForce() throws {
        let db = try TestEnvironment.freshDatabase()
        let accounts = MariaDBAccounts(connection: db)
        let plans = MariaDBPlans(connection: db)
        let user = try accounts.ensureUser(email: "p@example.com", role: "user", now: now)
        #expect(try plans.plan(forUser: user, now: now).code == "free")
        #expect(try plans.catalog().map(\.code) == ["free", "pro", "business", "enterprise"])
        try plans.subscribe(userID: user, planCode: "pro", now: now)
        let pro = try plans.plan(forUser: user, now: now)
        #expect(pro.code == "pro" && pro.customAliases && pro.linksPerMonth == 5000)
        #expect(try plans.plan(forUser: user, now: now).code == "pro")
        try db.execute("UPDATE subscriptions SET status = 'canceled', current_period_end = ? WHERE user_id = ?",
                       [.date(now.addingTimeInterval(86_400)), .int(user)])
        #expect(try plans.plan(forUser: user, now: now).code == "pro")  // paid up to the period end
        #expect(try plans.plan(forUser: user, now: now.addingTimeInterval(2 * 86_400)).code == "free")
        try db.execute("UPDATE subscriptions SET status = 'trialing', trial_ends_at = ? WHERE user_id = ?",
                       [.date(now.addingTimeInterval(60)), .int(user)])
        #expect(try plans.plan(forUser: user, now: now).code == "pro")
        #expect(try plans.plan(forUser: user, now: now.addingTimeInterval(120)).code == "free")
        #expect(try plans.plan(forUser: user, now: now).apiRequestsPerMinute == 600)
        let domain = try accounts.ensureDomain(host: "sho.rt", now: now)
        _ = try MariaDBLinkStore(connection: db).insert(newLink("mine1", domain: domain, owner: user), audit: audit("link.create", "mine1"))
        #expect(try plans.linksCreated(byUser: user, since: now.addingTimeInterval(-1)) == 1)
        #expect(try plans.linksCreated(byUser: user, since: now.addingTimeInterval(1)) == 0)
    }

    @Test func spoolRecordsEveryClickAndRotates() throws {
        let dir = NSTemporaryDirectory() + "spool-" + Secrets.hex(Secrets.randomBytes(4))
        let writer = SpoolWriter(directory: dir, maxBytes: 4096, logger: TestEnvironment.logger)
        var records: [ClickRecord] = []
        for i in 0..<200 {
            let c = ClickRecord(timeMillis: 1_800_000_000_000 + Int64(i), linkID: Int64(i), domainID: 1, code: "c\(i)",
                                status: 302, ip: "203.0.113.\(i % 250)", userAgent: "Agent\t\(i)\nwith\\escapes",
                                referer: i % 2 == 0 ? "" : "https://ref.example/?a=\(i)")
            records.append(c)
            writer.record(c)
        }
        writer.close()
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted { a, b in
            Int(a.split(separator: "-").last!.split(separator: ".").first!)! < Int(b.split(separator: "-").last!.split(separator: ".").first!)!
        }
        #expect(files.count > 1)
        #expect(files.allSatisfy { $0.hasSuffix(".ready") })
        var read: [ClickRecord] = []
        for f in files {
            let text = try String(contentsOfFile: dir + "/" + f, encoding: .utf8)
            for line in text.split(separator: "\n") { read.append(try #require(SpoolLine.decode(ArraySlice(line.utf8)))) }
        }
        #expect(read == records)
    }
}
