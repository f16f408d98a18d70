import CMemcached
import Foundation
import LinkDomain
import Logging
import ShortlinkCore

/// One libmemcached client (one or more servers, ketama-distributed), reconnecting by itself: after a
/// failure a server is retried after `retryTimeout` seconds, and calls in between fail fast.
public final class MemcachedClient {
    private let mc: UnsafeMutablePointer<memcached_st>
    private let logger: Logger
    private var lastFailureLog: Date = .distantPast

    /// Connects to `servers`: `host:port[,host:port…]` or a unix socket path.
    public init(servers: String, logger: Logger) throws {
        guard let mc = memcached_create(nil) else { throw CacheSetupError("memcached_create failed") }
        self.mc = mc
        self.logger = logger
        func set(_ behavior: memcached_behavior_t, _ value: UInt64) {
            _ = memcached_behavior_set(mc, behavior, value)
        }
        set(MEMCACHED_BEHAVIOR_TCP_NODELAY, 1)
        set(MEMCACHED_BEHAVIOR_NO_BLOCK, 1)
        set(MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, 200)  // ms
        set(MEMCACHED_BEHAVIOR_POLL_TIMEOUT, 300)  // ms
        set(MEMCACHED_BEHAVIOR_RCV_TIMEOUT, 300_000)  // µs
        set(MEMCACHED_BEHAVIOR_SND_TIMEOUT, 300_000)  // µs
        set(MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, 1)  // s before a failed server is tried again
        set(MEMCACHED_BEHAVIOR_DISTRIBUTION, UInt64(MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA.rawValue))
        if servers.hasPrefix("/") {
            let rc = memcached_server_add_unix_socket(mc, servers)
            guard rc == MEMCACHED_SUCCESS else { throw CacheSetupError("bad memcached socket \(servers)") }
        } else {
            for entry in servers.split(separator: ",") {
                let parts = entry.trimmingCharacters(in: .whitespaces).split(separator: ":")
                guard parts.count == 2, let port = UInt16(parts[1]) else {
                    throw CacheSetupError("bad memcached server '\(entry)': expected host:port")
                }
                let rc = memcached_server_add(mc, String(parts[0]), in_port_t(port))
                guard rc == MEMCACHED_SUCCESS else { throw CacheSetupError("cannot add memcached server \(entry)") }
            }
        }
    }

    deinit { memcached_free(mc) }

    /// The outcome of a get.
    public enum GetResult {
        case value([UInt8])
        case notFound
        case failed
    }

    /// Reads `key`.
    public func get(_ key: String) -> GetResult {
        var length = 0
        var flags: UInt32 = 0
        var rc = MEMCACHED_SUCCESS
        let value = key.withCString { k in memcached_get(mc, k, strlen(k), &length, &flags, &rc) }
        if let value {
            defer { free(value) }
            return .value(Array(UnsafeRawBufferPointer(start: value, count: length)))
        }
        if rc == MEMCACHED_NOTFOUND { return .notFound }
        if rc == MEMCACHED_SUCCESS { return .value([]) }
        noteFailure(rc, op: "get")
        return .failed
    }

    /// Writes `key` for `ttl` seconds.
    @discardableResult
    public func set(_ key: String, _ value: [UInt8], ttl: Int) -> Bool {
        let rc = store(key, value, ttl: ttl, with: memcached_set)
        if rc == MEMCACHED_SUCCESS { return true }
        noteFailure(rc, op: "set")
        return false
    }

    /// The outcome of a conditional write.
    public enum AddResult {
        case stored
        case exists
        case failed
    }

    /// Writes `key` only if it is absent.
    @discardableResult
    public func add(_ key: String, _ value: [UInt8], ttl: Int) -> AddResult {
        let rc = store(key, value, ttl: ttl, with: memcached_add)
        if rc == MEMCACHED_SUCCESS { return .stored }
        if rc == MEMCACHED_NOTSTORED || rc == MEMCACHED_DATA_EXISTS { return .exists }
        noteFailure(rc, op: "add")
        return .failed
    }

    /// Adds one to the counter at `key`, creating it at 1 (living `ttl` seconds) when absent; the new value,
    /// or nil when memcached failed.
    @discardableResult
    public func increment(_ key: String, ttl: Int = 0) -> UInt64? {
        for _ in 0..<3 {
            var value: UInt64 = 0
            let rc = key.withCString { k in memcached_increment(mc, k, strlen(k), 1, &value) }
            if rc == MEMCACHED_SUCCESS { return value }
            guard rc == MEMCACHED_NOTFOUND else {
                noteFailure(rc, op: "incr")
                return nil
            }
            switch add(key, Array("1".utf8), ttl: ttl) {
            case .stored: return 1
            case .exists: continue  // another writer created it: increment that
            case .failed: return nil
            }
        }
        return nil
    }

    /// Runs a storage command (`memcached_set`, `memcached_add`) for `key`.
    private func store(
        _ key: String, _ value: [UInt8], ttl: Int,
        with command: (UnsafeMutablePointer<memcached_st>?, UnsafePointer<CChar>?, Int, UnsafePointer<CChar>?, Int, time_t, UInt32) -> memcached_return_t
    ) -> memcached_return_t {
        key.withCString { k in
            value.withUnsafeBufferPointer { v in
                v.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(value.count, 1)) { p in
                    command(mc, k, strlen(k), p, value.count, time_t(ttl), 0)
                }
            }
        }
    }

    /// Deletes `key`; true when deleted or absent.
    @discardableResult
    public func delete(_ key: String) -> Bool {
        let rc = key.withCString { k in memcached_delete(mc, k, strlen(k), 0) }
        if rc == MEMCACHED_SUCCESS || rc == MEMCACHED_NOTFOUND { return true }
        noteFailure(rc, op: "delete")
        return false
    }

    /// Logs a failure at most once a second per process, so a dead memcached does not flood the journal.
    private func noteFailure(_ rc: memcached_return_t, op: String) {
        let now = Date()
        guard now.timeIntervalSince(lastFailureLog) >= 1 else { return }
        lastFailureLog = now
        logger.warning("memcached call failed", metadata: ["op": "\(op)", "error": "\(String(cString: memcached_strerror(mc, rc)))"])
    }
}

/// The client could not be configured.
public struct CacheSetupError: Error, CustomStringConvertible {
    /// What was wrong.
    public var description: String
    init(_ d: String) { description = d }
}

/// `LinkCache` on memcached: keys `sl1:l:<domain>:<code>`, values `LinkSnapshot.encoded` or `-` for a known miss.
public final class MemcachedLinkCache: LinkCache {
    private let client: MemcachedClient
    private let ttl: Int
    private let negativeTTL: Int
    private static let negativeMarker: [UInt8] = [UInt8(ascii: "-")]

    /// Creates the cache over a client.
    public init(client: MemcachedClient, ttl: Int, negativeTTL: Int) {
        self.client = client
        self.ttl = ttl
        self.negativeTTL = negativeTTL
    }

    @inline(__always)
    static func key(_ domainID: Int64, _ code: String) -> String { CacheKeys.link(domainID: domainID, code: code) }

    /// Reads a code's entry; an undecodable entry counts as a miss.
    public func lookup(domainID: Int64, code: String) -> CacheLookup {
        switch client.get(Self.key(domainID, code)) {
        case .failed: return .unavailable
        case .notFound: return .miss
        case .value(let bytes):
            if bytes == Self.negativeMarker { return .negative }
            let text = String(decoding: bytes, as: UTF8.self)
            guard let snapshot = LinkSnapshot(encoded: text[...]) else { return .miss }
            return .hit(snapshot)
        }
    }

    /// A read-through fill: `add`, so it never overwrites an entry a write has just set.
    public func fill(_ snapshot: LinkSnapshot?, domainID: Int64, code: String) {
        if let snapshot {
            client.add(Self.key(domainID, code), Array(snapshot.encoded.utf8), ttl: ttl)
        } else {
            client.add(Self.key(domainID, code), Self.negativeMarker, ttl: negativeTTL)
        }
    }

    /// Stores a snapshot.
    public func store(_ snapshot: LinkSnapshot, domainID: Int64, code: String) -> Bool {
        client.set(Self.key(domainID, code), Array(snapshot.encoded.utf8), ttl: ttl)
    }

    /// Stores the negative marker.
    public func storeNegative(domainID: Int64, code: String) -> Bool {
        client.set(Self.key(domainID, code), Self.negativeMarker, ttl: negativeTTL)
    }

    /// Deletes the entry.
    public func remove(domainID: Int64, code: String) -> Bool {
        client.delete(Self.key(domainID, code))
    }
}

/// `LinkChangeFeed` over a node-wide shared-memory counter and a cluster-wide memcached counter
/// (`sl1:gen`). A missing key reads as its own generation (`none`), so a restarted memcached also
/// empties every local cache.
public final class MemcachedChangeFeed: LinkChangeFeed {
    private let client: MemcachedClient
    private let loadNode: () -> UInt64
    private let bumpNode: () -> Void
    static let key = CacheKeys.changeGeneration

    /// Creates the feed; `loadNode`/`bumpNode` read and bump the node's shared counter.
    public init(client: MemcachedClient, loadNode: @escaping () -> UInt64, bumpNode: @escaping () -> Void) {
        self.client = client
        self.loadNode = loadNode
        self.bumpNode = bumpNode
    }

    /// The node's counter.
    public var nodeGeneration: UInt64 { loadNode() }

    /// The cluster counter, `none` when absent, nil when memcached cannot be read.
    public func clusterGeneration() -> String? {
        switch client.get(Self.key) {
        case .value(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .notFound: return "none"
        case .failed: return nil
        }
    }

    /// Bumps both counters (the node's first: it cannot fail).
    public func announce() {
        bumpNode()
        client.increment(Self.key)
    }
}

/// `RateCounter` on memcached.
public final class MemcachedRateCounter: RateCounter, FailureCounter {
    private let client: MemcachedClient

    /// Creates the counter over a client.
    public init(client: MemcachedClient) { self.client = client }

    /// Increments a window counter.
    public func increment(_ key: String, ttlSeconds: Int) -> Int? {
        client.increment(key, ttl: ttlSeconds).map { Int(clamping: $0) }
    }

    /// The count under `key`: 0 when absent, nil when memcached cannot be asked.
    public func value(_ key: String) -> Int? {
        switch client.get(key) {
        case .value(let bytes): return Int(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)) ?? 0
        case .notFound: return 0
        case .failed: return nil
        }
    }

    /// Forgets the count.
    public func reset(_ key: String) { _ = client.delete(key) }
}
