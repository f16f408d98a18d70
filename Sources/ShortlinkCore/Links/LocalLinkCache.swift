import LinkDomain

/// Tells the caches of every worker that links changed.
///
/// Contract: `nodeGeneration` changes (at once, on every worker of this node) after any `announce()` on
/// this node; `clusterGeneration()` changes after any `announce()` on any node, and is nil when it
/// cannot be read (then no worker may trust its local cache).
public protocol LinkChangeFeed: AnyObject {
    /// A value that changes whenever a link changes on this node (shared memory: no syscall).
    var nodeGeneration: UInt64 { get }
    /// The cluster-wide generation (from the shared cache); nil when unavailable.
    func clusterGeneration() -> String?
    /// Announces that a link changed: to this node at once, and to all nodes through the shared cache.
    func announce()
}

/// A per-worker cache in front of the shared one (memcached), so that most redirects cost no round trip.
///
/// Coherence: every link write announces a change (`LinkChangeFeed`). Each lookup compares the node's
/// generation (an atomic load) and empties the local cache when it moved: a write on this node is seen
/// by the very next request on every worker. Writes on other nodes are seen within `syncMillis` (the
/// cluster generation is read from memcached at most that often). When that generation cannot be read,
/// the local cache is not used at all. Entries also expire after `maxAgeMillis`.
public final class LocalLinkCache: LinkCache {
    private struct Key: Hashable {
        let domainID: Int64
        let code: String
    }

    private struct Entry {
        let snapshot: LinkSnapshot?  // nil: known not to exist
        let storedAt: Int64
    }

    private let shared: LinkCache
    private let feed: LinkChangeFeed
    private let capacity: Int
    private let syncMillis: Int64
    private let maxAgeMillis: Int64
    private let monotonicMillis: () -> Int64
    private var entries: [Key: Entry] = [:]
    private var nodeGeneration: UInt64
    private var clusterGeneration: String?
    private var lastSync: Int64?

    /// Creates a local cache of at most `capacity` entries (0 disables it; writes still announce).
    public init(shared: LinkCache, feed: LinkChangeFeed, capacity: Int, syncMillis: Int64, maxAgeMillis: Int64 = 60_000,
                monotonicMillis: @escaping () -> Int64) {
        self.shared = shared
        self.feed = feed
        self.capacity = capacity
        self.syncMillis = syncMillis
        self.maxAgeMillis = maxAgeMillis
        self.monotonicMillis = monotonicMillis
        self.nodeGeneration = feed.nodeGeneration
    }

    /// Entries held now (for tests and metrics).
    public var count: Int { entries.count }

    /// Local entry, else the shared cache (remembering its answer).
    public func lookup(domainID: Int64, code: String) -> CacheLookup {
        let now = monotonicMillis()
        guard isUsable(now: now) else { return shared.lookup(domainID: domainID, code: code) }
        let key = Key(domainID: domainID, code: code)
        if let entry = entries[key], now - entry.storedAt < maxAgeMillis {
            return entry.snapshot.map(CacheLookup.hit) ?? .negative
        }
        let answer = shared.lookup(domainID: domainID, code: code)
        switch answer {
        case .hit(let snapshot): remember(key, snapshot, now)
        case .negative: remember(key, nil, now)
        case .miss, .unavailable: break
        }
        return answer
    }

    /// A read-through fill after a database read: no change to announce.
    public func fill(_ snapshot: LinkSnapshot?, domainID: Int64, code: String) {
        shared.fill(snapshot, domainID: domainID, code: code)
        let now = monotonicMillis()
        if isUsable(now: now) { remember(Key(domainID: domainID, code: code), snapshot, now) }
    }

    /// A write: the shared cache first, then the announcement.
    public func store(_ snapshot: LinkSnapshot, domainID: Int64, code: String) -> Bool {
        let ok = shared.store(snapshot, domainID: domainID, code: code)
        changed()
        return ok
    }

    /// A write (the link is gone).
    public func storeNegative(domainID: Int64, code: String) -> Bool {
        let ok = shared.storeNegative(domainID: domainID, code: code)
        changed()
        return ok
    }

    /// A write (forget the link).
    public func remove(domainID: Int64, code: String) -> Bool {
        let ok = shared.remove(domainID: domainID, code: code)
        changed()
        return ok
    }

    private func changed() {
        feed.announce()
        entries.removeAll(keepingCapacity: true)
        nodeGeneration = feed.nodeGeneration
    }

    private func remember(_ key: Key, _ snapshot: LinkSnapshot?, _ now: Int64) {
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = Entry(snapshot: snapshot, storedAt: now)
    }

    /// Empties the cache when a generation moved; false when it must not be used.
    private func isUsable(now: Int64) -> Bool {
        guard capacity > 0 else { return false }
        if lastSync.map({ now - $0 >= syncMillis }) ?? true {
            lastSync = now
            let cluster = feed.clusterGeneration()
            if cluster == nil || cluster != clusterGeneration { entries.removeAll(keepingCapacity: true) }
            clusterGeneration = cluster
        }
        let node = feed.nodeGeneration
        if node != nodeGeneration {
            entries.removeAll(keepingCapacity: true)
            nodeGeneration = node
        }
        return clusterGeneration != nil
    }
}
