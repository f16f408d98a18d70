import Foundation
import LinkDomain
import ShortlinkCore
import ShortlinkHTTP

// In-memory fakes of the ports, shared by every test target that needs them (never redefined per file).
// Each keeps what it was given in plain dictionaries and can be switched "down" to answer as an unreachable
// server does, so the failure paths are tested too.

/// A clock the test sets and moves.
public final class ManualClock: Clock, @unchecked Sendable {
    public var now: Date
    public init(_ now: Date = Date(timeIntervalSince1970: 1_800_000_000)) { self.now = now }
    public func advance(seconds: Double) { now = now.addingTimeInterval(seconds) }
}

/// Links in a dictionary, with the audit entries written alongside.
public final class InMemoryLinkStore: LinkStore {
    public var links: [Int64: Link] = [:]
    public var audit: [AuditEntry] = []
    public var isDown = false
    public private(set) var snapshotReads = 0
    private var nextID: Int64 = 1

    public init() {}

    private func check() throws(StoreError) { if isDown { throw .unavailable("in-memory store is down") } }

    public func snapshot(domainID: Int64, code: String) throws(StoreError) -> LinkSnapshot? {
        try check()
        snapshotReads += 1
        return try link(domainID: domainID, code: code)?.snapshot
    }

    public func link(domainID: Int64, code: String) throws(StoreError) -> Link? {
        try check()
        return links.values.first { $0.domainID == domainID && $0.code == code }
    }

    public func insert(_ new: NewLink, audit entry: AuditEntry) throws(StoreError) -> Link {
        try check()
        guard try link(domainID: new.domainID, code: new.code) == nil else { throw .duplicate }
        let link = Link(id: nextID, publicID: new.publicID, domainID: new.domainID, code: new.code, longURL: new.longURL,
                        redirectType: new.redirectType, isActive: true, expiresAt: new.expiresAt, ownerUserID: new.ownerUserID,
                        createdAt: new.createdAt, updatedAt: new.createdAt, teamID: new.team?.id, teamPublicID: new.team?.publicID,
                        allowIndexing: new.allowIndexing, rewrite: new.rewrite)
        nextID += 1
        links[link.id] = link
        audit.append(entry)
        return link
    }

    public func update(_ link: Link, audit entry: AuditEntry) throws(StoreError) {
        try check()
        links[link.id] = link
        audit.append(entry)
    }

    public func delete(id: Int64, audit entry: AuditEntry) throws(StoreError) {
        try check()
        links[id] = nil
        audit.append(entry)
    }
}

/// A shared link cache (memcached's stand-in) that counts its lookups.
public final class InMemoryLinkCache: LinkCache {
    public var entries: [String: LinkSnapshot?] = [:]
    public var lookups = 0
    public var isDown = false

    public init() {}

    public func lookup(domainID: Int64, code: String) -> CacheLookup {
        lookups += 1
        if isDown { return .unavailable }
        guard let e = entries[code] else { return .miss }
        return e.map(CacheLookup.hit) ?? .negative
    }
    public func fill(_ snapshot: LinkSnapshot?, domainID: Int64, code: String) {
        if !isDown && entries[code] == nil { entries[code] = .some(snapshot) }
    }
    public func store(_ snapshot: LinkSnapshot, domainID: Int64, code: String) -> Bool { entries[code] = snapshot; return !isDown }
    public func storeNegative(domainID: Int64, code: String) -> Bool { entries[code] = .some(nil); return !isDown }
    public func remove(domainID: Int64, code: String) -> Bool { entries[code] = nil; return !isDown }
}

/// Node and cluster generations the test moves by hand.
public final class ManualFeed: LinkChangeFeed {
    public var node: UInt64 = 0
    public var cluster: String? = "1"
    public var clusterReads = 0
    public init() {}
    public var nodeGeneration: UInt64 { node }
    public func clusterGeneration() -> String? { clusterReads += 1; return cluster }
    public func announce() { node += 1; cluster = cluster.map { String(Int($0)! + 1) } }
}

/// The four plans of `sql/0002`, everyone on the plan the test gives (free by default).
public final class FixedPlans: PlanStore {
    public static let free = Plan(code: "free", name: "Free", rank: 0, linksPerMonth: 100, customAliases: false, expirationDates: false,
                                  detailedAnalytics: false, analyticsRetentionDays: 30, apiRequestsPerMinute: 60, customDomains: 0,
                                  teamSeats: 1, webhooks: false, targetingRules: false)
    public static let pro = Plan(code: "pro", name: "Pro", rank: 10, linksPerMonth: 5000, customAliases: true, expirationDates: true,
                                 detailedAnalytics: true, analyticsRetentionDays: 365, apiRequestsPerMinute: 600, customDomains: 1,
                                 teamSeats: 3, webhooks: false, targetingRules: true)
    public var plans: [Int64: Plan] = [:]
    public var created: [Int64: Int] = [:]
    public init() {}
    public func plan(forUser userID: Int64, now: Date) throws(StoreError) -> Plan { plans[userID] ?? Self.free }
    public func catalog() throws(StoreError) -> [Plan] { [Self.free, Self.pro] }
    public func linksCreated(byUser userID: Int64, since: Date) throws(StoreError) -> Int { created[userID] ?? 0 }
    public func linksCreated(byTeam teamID: Int64, since: Date) throws(StoreError) -> Int { 0 }
}

/// Teams with the roles the test gives.
public final class InMemoryTeams: TeamDirectory {
    public var teams: [String: (team: TeamRef, roles: [Int64: TeamRole])] = [:]
    public init() {}
    public func team(publicID: String, userID: Int64) throws(StoreError) -> (TeamRef, TeamRole?)? {
        teams[publicID].map { ($0.team, $0.roles[userID]) }
    }
    public func role(teamID: Int64, userID: Int64) throws(StoreError) -> TeamRole? {
        teams.values.first { $0.team.id == teamID }?.roles[userID]
    }
    public func owner(teamID: Int64) throws(StoreError) -> Int64? {
        teams.values.first { $0.team.id == teamID }?.team.ownerUserID
    }
}

/// API keys by the SHA-256 of their secret.
public final class InMemoryKeys: APIKeyStore {
    public var principals: [[UInt8]: Principal] = [:]
    public var isDown = false
    public init() {}
    /// Registers `secret` for `principal`.
    public func add(_ secret: String, _ principal: Principal) { principals[Secrets.sha256(secret)] = principal }
    public func principal(forKeyHash hash: [UInt8]) throws(StoreError) -> Principal? {
        if isDown { throw .unavailable("in-memory keys are down") }
        return principals[hash]
    }
}

/// No session is valid: for tests of API keys only.
public final class NoSessions: SessionVerifier {
    public init() {}
    public func principal(accessToken: String) throws(AuthError) -> Principal? { nil }
}

/// Shared counters (memcached's stand-in); nil answers when down, as memcached's adapter does.
public final class InMemoryCounters: RateCounter {
    public var counts: [String: Int] = [:]
    public var isDown = false
    public init() {}
    public func increment(_ key: String, ttlSeconds: Int) -> Int? {
        if isDown { return nil }
        counts[key, default: 0] += 1
        return counts[key]
    }
}

/// A health probe the test sets.
public final class SettableHealth: HealthProbe {
    public var database = true
    public var cache = true
    public init() {}
    public func isDatabaseUp() -> Bool { database }
    public func isCacheUp() -> Bool { cache }
}

/// The mail outbox in a dictionary: queued mails, which were sent, when a failed one is next due.
public final class InMemoryOutbox: MailOutbox {
    public var mails: [Int64: QueuedMail] = [:]
    public var sent: Set<Int64> = []
    public var nextAttempt: [Int64: Date] = [:]
    public init() {}
    public func unsent(id: Int64) throws(StoreError) -> QueuedMail? { sent.contains(id) ? nil : mails[id] }
    public func due(now: Date, limit: Int) throws(StoreError) -> [QueuedMail] {
        mails.values.filter { !sent.contains($0.id) && (nextAttempt[$0.id] ?? .distantPast) <= now }.sorted { $0.id < $1.id }
    }
    public func markSent(id: Int64, now: Date) throws(StoreError) { sent.insert(id) }
    public func markFailed(id: Int64, error: String, nextAttempt: Date) throws(StoreError) {
        mails[id]?.attempts += 1
        self.nextAttempt[id] = nextAttempt
    }
}

/// An SMTP server's stand-in: records messages, fails as scripted, and takes as long as told on `clock`.
public final class ScriptedTransport: MailTransport {
    public let clock: ManualClock
    public var calls = 0
    public var failWith: String?
    public var takes: TimeInterval = 0
    public var messages: [String] = []
    public init(clock: ManualClock) { self.clock = clock }
    public func send(from: String, to: String, message: [UInt8]) throws(MailTransportError) {
        calls += 1
        clock.advance(seconds: takes)
        if let failWith { throw MailTransportError(failWith) }
        messages.append(String(decoding: message, as: UTF8.self))
    }
}

/// A spool directory in memory: files the test appends to and completes.
public final class InMemorySpool: SpoolSource {
    public var contents: [String: [UInt8]] = [:]
    public var complete: Set<String> = []
    public var order: [String] = []
    public init() {}
    /// Appends `text` to `name` (created when new).
    public func append(_ name: String, _ text: String) {
        if contents[name] == nil { order.append(name) }
        contents[name, default: []] += Array(text.utf8)
    }
    public func files() throws -> [SpoolFile] {
        defer { hiddenOnce = [] }
        return order.filter { !hiddenOnce.contains($0) }
            .compactMap { name in contents[name].map { SpoolFile(name: name, size: Int64($0.count), isComplete: complete.contains(name)) } }
    }
    public func read(_ name: String, from offset: Int64, max: Int) throws -> [UInt8] {
        guard let bytes = contents[name], offset < bytes.count else { return [] }
        return Array(bytes[Int(offset)..<min(bytes.count, Int(offset) + max)])
    }
    public func remove(_ name: String) throws {
        contents[name] = nil
        order.removeAll { $0 == name }
    }
    /// Names `files()` leaves out once, as a directory read racing a rename would.
    public var hiddenOnce: Set<String> = []
    public func exists(_ name: String) -> Bool { contents[name] != nil }
}

/// Clicks and offsets in memory, with the same guarded-offset rule as the MariaDB store; `failAfter` makes
/// the n-th next `ingest` fail before it changes anything (a crash or a lost connection mid-pass).
public final class InMemoryClicks: ClickStore, ClickReader {
    public var clicks: [ClickRecord] = []
    public var fileOffsets: [String: Int64] = [:]
    public var saved: IngestStatus?
    public var failAfter: Int?
    /// Offsets another ingester moves just before the next `ingest` (a race between two ingesters).
    public var concurrentAdvance: [String: Int64] = [:]
    public init() {}
    public func offsets() throws(StoreError) -> [String: Int64] { fileOffsets }
    public var enriched: [EnrichedClick] = []
    public var salts: [String: [UInt8]] = [:]
    public func salt(forDay day: String) throws(StoreError) -> [UInt8] {
        if let s = salts[day] { return s }
        let s = Secrets.randomBytes(32)
        salts[day] = s
        return s
    }
    public func ingest(_ batch: [EnrichedClick], file: String, from: Int64, to: Int64, now: Date) throws(StoreError) {
        fileOffsets.merge(concurrentAdvance) { $1 }
        concurrentAdvance = [:]
        if let n = failAfter {
            if n == 0 { failAfter = nil; throw .unavailable("in-memory clicks lost the connection") }
            failAfter = n - 1
        }
        guard (fileOffsets[file] ?? 0) == from else { throw .duplicate }
        fileOffsets[file] = to
        clicks += batch.map(\.click)
        enriched += batch
    }
    public func forget(files: [String]) throws(StoreError) { for f in files { fileOffsets[f] = nil } }
    public func saveStatus(_ status: IngestStatus) throws(StoreError) { saved = status }
    public func status() throws(StoreError) -> IngestStatus? { saved }
    /// Stores a click as the ingester would have enriched it (a person on a desktop unless `agent` says else).
    public func add(_ click: ClickRecord, agent: UserAgentInfo = UserAgentInfo(device: .desktop), geo: GeoLocation? = nil) {
        clicks.append(click)
        enriched.append(ClickEnrichment.enrich(click, salt: Array(repeating: 7, count: 32), addresses: .full, agent: agent, geo: geo))
    }
    /// Reads go over `enriched`, counted as the rollups count them (the same `ClickDimension` values).
    private func counted(_ linkID: Int64, bots: Bool) -> [EnrichedClick] {
        enriched.filter { $0.click.linkID == linkID && (bots || !$0.agent.isBot) }
    }
    private static func hour(_ e: EnrichedClick) -> Date { Date(timeIntervalSince1970: Double(e.click.timeMillis / 3_600_000 * 3_600)) }
    /// The first click of each tracked person per UTC day: the clicks that count as unique visitors.
    private func firstVisits(_ linkID: Int64) -> [EnrichedClick] {
        var seen: Set<String> = []
        return counted(linkID, bots: false).sorted { $0.click.timeMillis < $1.click.timeMillis }.filter { e in
            guard let hash = e.visitorHash else { return false }
            return seen.insert("\(e.click.timeMillis / 86_400_000)-\(hash)").inserted
        }
    }
    public func totals(linkID: Int64) throws(StoreError) -> ClickTotals {
        let all = counted(linkID, bots: true)
        let bots = Int64(all.filter(\.agent.isBot).count)
        return ClickTotals(clicks: Int64(all.count) - bots, bots: bots, uniques: Int64(firstVisits(linkID).count))
    }
    /// Who owns each link (the ingester reads it from the links table).
    public var owners: [Int64: ClickOwner] = [:]
    public func ownerDays(_ owner: ClickOwner, from: Date, to: Date) throws(StoreError) -> [OwnerDay] {
        var days: [Date: OwnerDay] = [:]
        func day(_ e: EnrichedClick) -> Date { Date(timeIntervalSince1970: Double(Timestamp.utcDay(millis: e.click.timeMillis)) * 86_400) }
        let links = Set(owners.filter { $0.value == owner }.keys)
        for e in enriched where links.contains(e.click.linkID) {
            var d = days[day(e)] ?? OwnerDay(day: day(e), clicks: 0, bots: 0, uniques: 0)
            if e.agent.isBot { d.bots += 1 } else { d.clicks += 1 }
            days[day(e)] = d
        }
        for link in links { for e in firstVisits(link) { days[day(e)]?.uniques += 1 } }
        return days.values.filter { $0.day >= from && $0.day < to }.sorted { $0.day < $1.day }
    }
    public func topLinks(_ owner: ClickOwner, limit: Int, bots: Bool) throws(StoreError) -> [(alias: String, clicks: Int64)] {
        var counts: [String: Int64] = [:]
        for e in enriched where owners[e.click.linkID] == owner && (bots || !e.agent.isBot) { counts[e.click.code, default: 0] += 1 }
        return counts.map { ($0.key, $0.value) }.sorted { ($1.1, $0.0) < ($0.1, $1.0) }.prefix(limit).map { $0 }
    }
    public func hourly(linkID: Int64, from: Date, to: Date, bots: Bool) throws(StoreError) -> [ClickSeries.Hour] {
        var counts: [Date: ClickSeries.Hour] = [:]
        for e in counted(linkID, bots: bots) { counts[Self.hour(e), default: .init(hour: Self.hour(e), clicks: 0)].clicks += 1 }
        for e in firstVisits(linkID) { counts[Self.hour(e), default: .init(hour: Self.hour(e), clicks: 0)].uniques += 1 }
        return counts.values.filter { $0.hour >= from && $0.hour < to }.sorted { $0.hour < $1.hour }
    }
    public func breakdown(linkID: Int64, dimension: ClickDimension, from: Date, to: Date, limit: Int,
                          bots: Bool) throws(StoreError) -> [(value: String, clicks: Int64)] {
        var counts: [String: Int64] = [:]
        for e in counted(linkID, bots: bots) where Self.hour(e) >= from && Self.hour(e) < to {
            if let value = dimension.value(of: e) { counts[value, default: 0] += 1 }
        }
        return counts.map { ($0.key, $0.value) }.sorted { ($1.1, $0.0) < ($0.1, $1.0) }.prefix(limit).map { $0 }
    }
    /// Row ids are positions in `clicks`, from 1.
    public func clicks(linkID: Int64, after cursor: ClickCursor?, limit: Int, bots: Bool) throws(StoreError) -> [StoredClick] {
        let stored = enriched.enumerated().filter { $0.element.click.linkID == linkID && (bots || !$0.element.agent.isBot) }.map { i, e in
            StoredClick(id: Int64(i + 1), at: Date(timeIntervalSince1970: Double(e.click.timeMillis) / 1000), ip: e.click.ip,
                        userAgent: e.click.userAgent, referer: e.click.referer, agent: e.agent, geo: e.geo, viaQR: e.click.viaQR)
        }
        let ordered = stored.sorted { ($0.at, $0.id) > ($1.at, $1.id) }
        let after = cursor.map { cur in
            ordered.filter { (Int64(($0.at.timeIntervalSince1970 * 1000).rounded()), $0.id) < (cur.millis, cur.id) }
        } ?? ordered
        return Array(after.prefix(limit))
    }
}
