import LinkDomain
import ShortlinkTestSupport
import Testing
@testable import ShortlinkCore

@Suite struct LocalLinkCacheTests {
    let a = LinkSnapshot(id: 1, redirectType: .found, isActive: true, expiresAtMillis: nil, longURL: "https://a.example/")
    let b = LinkSnapshot(id: 1, redirectType: .temporaryRedirect, isActive: true, expiresAtMillis: nil, longURL: "https://b.example/")

    final class Time { var ms: Int64 = 0 }

    func make(capacity: Int = 100) -> (LocalLinkCache, InMemoryLinkCache, ManualFeed, Time) {
        let shared = InMemoryLinkCache()
        let feed = ManualFeed()
        let time = Time()
        let cache = LocalLinkCache(shared: shared, feed: feed, capacity: capacity, syncMillis: 100, maxAgeMillis: 60_000,
                                   monotonicMillis: { time.ms })
        return (cache, shared, feed, time)
    }

    @Test func repeatedLookupsAreServedLocally() {
        let (cache, shared, _, _) = make()
        shared.entries["x"] = a
        for _ in 0..<10 { #expect(cache.lookup(domainID: 1, code: "x") == .hit(a)) }
        #expect(shared.lookups == 1)
    }

    @Test func aWriteOnThisNodeIsSeenByTheNextLookupOfAnotherWorker() {
        let (mine, shared, feed, _) = make()
        let other = LocalLinkCache(shared: shared, feed: feed, capacity: 100, syncMillis: 100, monotonicMillis: { 0 })
        shared.entries["x"] = a
        #expect(other.lookup(domainID: 1, code: "x") == .hit(a))
        #expect(mine.store(b, domainID: 1, code: "x"))
        #expect(other.lookup(domainID: 1, code: "x") == .hit(b))
    }

    @Test func aWriteOnAnotherNodeIsSeenAfterTheSyncInterval() {
        let (cache, shared, feed, time) = make()
        shared.entries["x"] = a
        #expect(cache.lookup(domainID: 1, code: "x") == .hit(a))
        shared.entries["x"] = b
        feed.cluster = "2"  // another node announced
        time.ms = 50
        #expect(cache.lookup(domainID: 1, code: "x") == .hit(a))  // within the window
        time.ms = 100
        #expect(cache.lookup(domainID: 1, code: "x") == .hit(b))
        #expect(feed.clusterReads == 2)
    }

    @Test func noLocalCachingWhileTheClusterGenerationIsUnreadable() {
        let (cache, shared, feed, time) = make()
        shared.entries["x"] = a
        _ = cache.lookup(domainID: 1, code: "x")
        feed.cluster = nil
        time.ms = 200
        _ = cache.lookup(domainID: 1, code: "x")
        _ = cache.lookup(domainID: 1, code: "x")
        #expect(shared.lookups == 3)
        #expect(cache.count == 0)
    }

    @Test func fillsDoNotAnnounceButWritesDo() {
        let (cache, _, feed, _) = make()
        cache.fill(a, domainID: 1, code: "x")
        cache.fill(nil, domainID: 1, code: "y")
        #expect(feed.node == 0)
        #expect(cache.lookup(domainID: 1, code: "x") == .hit(a))
        #expect(cache.lookup(domainID: 1, code: "y") == .negative)
        #expect(cache.storeNegative(domainID: 1, code: "x"))
        #expect(cache.remove(domainID: 1, code: "y"))
        #expect(feed.node == 2)
        #expect(cache.lookup(domainID: 1, code: "x") == .negative)
        #expect(cache.lookup(domainID: 1, code: "y") == .miss)
    }

    @Test func entriesExpireAndCapacityIsBounded() {
        let (cache, shared, feed, time) = make(capacity: 3)
        for code in ["a", "b", "c", "d"] { shared.entries[code] = a; _ = cache.lookup(domainID: 1, code: code) }
        #expect(cache.count <= 3)
        shared.lookups = 0
        feed.cluster = "1"
        time.ms = 60_000
        _ = cache.lookup(domainID: 1, code: "d")
        #expect(shared.lookups == 1)
    }

    @Test func capacityZeroTurnsItOffButStillAnnounces() {
        let (cache, shared, feed, _) = make(capacity: 0)
        shared.entries["x"] = a
        _ = cache.lookup(domainID: 1, code: "x")
        _ = cache.lookup(domainID: 1, code: "x")
        #expect(shared.lookups == 2)
        _ = cache.store(b, domainID: 1, code: "x")
        #expect(feed.node == 1)
    }
}
