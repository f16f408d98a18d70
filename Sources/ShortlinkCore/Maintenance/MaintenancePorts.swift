import Foundation

/// A link whose expiry has passed while it is still active.
public struct ExpiredLink: Sendable, Equatable {
    public var id: Int64
    public var domainID: Int64
    public var code: String
    public var expiresAt: Date
    /// The team that owns it, if any (for the audit entry).
    public var teamID: Int64?

    /// Creates a description.
    public init(id: Int64, domainID: Int64, code: String, expiresAt: Date, teamID: Int64? = nil) {
        self.id = id
        self.teamID = teamID
        self.domainID = domainID
        self.code = code
        self.expiresAt = expiresAt
    }
}

/// A monthly partition of the raw clicks.
public struct ClickPartition: Sendable, Equatable {
    /// Its name (`p202611`, `p_before`).
    public var name: String
    /// Every click in it is older than this.
    public var lessThan: Date

    /// Creates a description.
    public init(name: String, lessThan: Date) {
        self.name = name
        self.lessThan = lessThan
    }
}

/// What the expiry job reads and changes.
public protocol MaintenanceStore: AnyObject {
    /// Active links whose expiry is at or before `now`, oldest expiry first, at most `limit`.
    func linksPastExpiry(now: Date, limit: Int) throws(StoreError) -> [ExpiredLink]
    /// Marks those links inactive, each with an audit entry (`link.expire`), in one transaction; a link
    /// changed meanwhile (reactivated, its expiry moved) is left alone. Returns the links deactivated.
    func deactivate(_ links: [ExpiredLink], now: Date) throws(StoreError) -> [ExpiredLink]
    /// The partitions of `clicks` with a bound (not the last, open one), oldest first.
    func clickPartitions() throws(StoreError) -> [ClickPartition]
    /// Drops whole partitions of `clicks` (never row by row).
    func dropClickPartitions(_ names: [String]) throws(StoreError)
}

/// A lock held by one process at a time across the installation (a MariaDB named lock in production): two
/// overlapping runs of a job never both act.
public protocol JobLock: AnyObject {
    /// Takes the lock without waiting; false when another holds it.
    func tryLock(_ name: String) throws(StoreError) -> Bool
    /// Releases it (also released when the process or its connection ends).
    func unlock(_ name: String)
}
