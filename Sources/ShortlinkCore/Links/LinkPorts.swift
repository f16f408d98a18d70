import Foundation
import LinkDomain

/// A new link, before the store gives it a row id.
public struct NewLink: Sendable, Equatable {
    public var publicID: String
    public var domainID: Int64
    public var code: String
    public var longURL: String
    public var redirectType: RedirectType
    public var expiresAt: Date?
    public var ownerUserID: Int64?
    public var createdAt: Date
    /// The owning team, if the link is created for one.
    public var team: (id: Int64, publicID: String)?
    /// Search engines may index the short URL.
    public var allowIndexing: Bool
    /// The destination's rewriting (nil: the default).
    public var rewrite: RewriteRules?

    /// Equal field by field.
    public static func == (a: NewLink, b: NewLink) -> Bool {
        a.publicID == b.publicID && a.domainID == b.domainID && a.code == b.code && a.longURL == b.longURL
            && a.redirectType == b.redirectType && a.expiresAt == b.expiresAt && a.ownerUserID == b.ownerUserID
            && a.createdAt == b.createdAt && a.team?.id == b.team?.id && a.allowIndexing == b.allowIndexing && a.rewrite == b.rewrite
    }

    /// Creates a new-link value.
    public init(publicID: String, domainID: Int64, code: String, longURL: String, redirectType: RedirectType,
                expiresAt: Date?, ownerUserID: Int64?, createdAt: Date, team: (id: Int64, publicID: String)? = nil,
                allowIndexing: Bool = false, rewrite: RewriteRules? = nil) {
        self.team = team
        self.allowIndexing = allowIndexing
        self.rewrite = rewrite
        self.publicID = publicID
        self.domainID = domainID
        self.code = code
        self.longURL = longURL
        self.redirectType = redirectType
        self.expiresAt = expiresAt
        self.ownerUserID = ownerUserID
        self.createdAt = createdAt
    }
}

/// The system of record for links (MariaDB in production).
///
/// Contract: every method either completes or throws; a thrown `.unavailable` leaves nothing half-written.
public protocol LinkStore: AnyObject {
    /// The redirect view of a link, or nil when there is none. The redirect's cache-miss path.
    func snapshot(domainID: Int64, code: String) throws(StoreError) -> LinkSnapshot?
    /// The whole link, or nil.
    func link(domainID: Int64, code: String) throws(StoreError) -> Link?
    /// Inserts, with its audit entry in the same transaction; throws `.duplicate` when the code is taken.
    func insert(_ link: NewLink, audit: AuditEntry) throws(StoreError) -> Link
    /// Writes every mutable field of `link` (destination, type, active, expiry, updatedAt), and the audit entry.
    func update(_ link: Link, audit: AuditEntry) throws(StoreError)
    /// Deletes the link with row id `id`, and writes the audit entry.
    func delete(id: Int64, audit: AuditEntry) throws(StoreError)
}

/// The result of a cache read.
public enum CacheLookup: Sendable, Equatable {
    /// The cache holds the link.
    case hit(LinkSnapshot)
    /// The cache remembers that there is no such link.
    case negative
    /// Nothing cached.
    case miss
    /// The cache could not be asked; go to the store.
    case unavailable
}

/// The redirect cache (memcached in production). Failures never throw: a cache is optional.
public protocol LinkCache: AnyObject {
    /// Reads the entry for a code.
    func lookup(domainID: Int64, code: String) -> CacheLookup
    /// Remembers what a database read found (nil: no such link), unless the entry was written meanwhile:
    /// a fill never overwrites a newer write.
    func fill(_ snapshot: LinkSnapshot?, domainID: Int64, code: String)
    /// Stores the snapshot after a write; false when the cache could not be written.
    @discardableResult func store(_ snapshot: LinkSnapshot, domainID: Int64, code: String) -> Bool
    /// Remembers for a short while that the code does not exist.
    @discardableResult func storeNegative(domainID: Int64, code: String) -> Bool
    /// Forgets the entry; false when the cache could not be written.
    @discardableResult func remove(domainID: Int64, code: String) -> Bool
}
