import Foundation
import Logging

/// The expiry job (`shortlink-expire`, every five minutes): deactivates links whose expiry has passed and
/// purges their cache entries, so that the next request on every worker answers 410 from the database's
/// word; drops the click partitions older than the longest analytics retention of any plan (and of the
/// operator's cap). Idempotent; `dryRun` changes nothing; two overlapping runs never both act.
public final class ExpiryService {
    private let store: MaintenanceStore
    private let lock: JobLock
    private let plans: PlanStore
    private let cache: LinkCache
    private let logger: Logger
    private let retentionCapDays: Int?

    /// The lock's name.
    public static let lockName = "shortlink-expire"

    /// Creates the job; `cache` is a link cache whose changes reach every worker (memcached with the change
    /// feed); `retentionCapDays`: the operator's limit on raw clicks (nil: the plans decide alone).
    public init(store: MaintenanceStore, lock: JobLock, plans: PlanStore, cache: LinkCache, logger: Logger, retentionCapDays: Int? = nil) {
        self.store = store
        self.lock = lock
        self.plans = plans
        self.cache = cache
        self.logger = logger
        self.retentionCapDays = retentionCapDays
    }

    /// What a run did (or, dry, would do).
    public struct Report: Sendable, Equatable {
        /// False when another run held the lock: this one did nothing.
        public var ran = true
        public var dryRun: Bool
        public var deactivated: [ExpiredLink] = []
        /// Days of raw clicks kept (nil: without limit, so no partition is dropped).
        public var retentionDays: Int?
        public var droppedPartitions: [String] = []
    }

    /// One run as of `now`.
    public func run(now: Date, dryRun: Bool, batch: Int = 1000) throws(StoreError) -> Report {
        var report = Report(dryRun: dryRun)
        guard try lock.tryLock(Self.lockName) else {
            report.ran = false
            return report
        }
        defer { lock.unlock(Self.lockName) }

        // Links, a batch at a time, until none is left (each batch is its own transaction).
        while true {
            let due = try store.linksPastExpiry(now: now, limit: batch)
            if dryRun {
                report.deactivated = due
                break
            }
            guard !due.isEmpty else { break }
            let done = try store.deactivate(due, now: now)
            for link in done { cache.remove(domainID: link.domainID, code: link.code) }
            report.deactivated += done
            if due.count < batch { break }
            if done.isEmpty { break }  // every due link changed under this run: the next run looks again
        }

        // Partitions entirely older than the longest retention.
        report.retentionDays = try retentionDays()
        if let days = report.retentionDays {
            let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
            let old = try store.clickPartitions().filter { $0.lessThan <= cutoff }.map(\.name)
            if !old.isEmpty && !dryRun { try store.dropClickPartitions(old) }
            report.droppedPartitions = old
        }
        if !dryRun && (!report.deactivated.isEmpty || !report.droppedPartitions.isEmpty) {
            logger.info("expiry run", metadata: ["links_deactivated": "\(report.deactivated.count)",
                                                 "partitions_dropped": "\(report.droppedPartitions.joined(separator: ","))"])
        }
        return report
    }

    /// The longest analytics retention of any plan, capped by the operator; nil when unlimited.
    func retentionDays() throws(StoreError) -> Int? {
        let catalog = try plans.catalog()
        let planDays: Int?
        if catalog.isEmpty || catalog.contains(where: { $0.analyticsRetentionDays == nil }) {
            planDays = nil
        } else {
            planDays = catalog.compactMap(\.analyticsRetentionDays).max()
        }
        switch (planDays, retentionCapDays) {
        case (nil, nil): return nil
        case (let p?, nil): return p
        case (nil, let c?): return c
        case (let p?, let c?): return min(p, c)
        }
    }
}
