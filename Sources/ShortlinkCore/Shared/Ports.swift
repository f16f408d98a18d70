import Foundation
import LinkDomain

/// Why a storage call failed; callers switch on it.
public enum StoreError: Error, Sendable, Equatable {
    /// The server cannot be reached or went away; the request may succeed later (HTTP 503).
    case unavailable(String)
    /// A unique key already holds this value (e.g. the alias is taken).
    case duplicate
    /// Any other server-side failure (a bug or a schema mismatch; HTTP 500).
    case failed(String)
}

/// The source of the current time; passed in so that decisions stay testable.
public protocol Clock: Sendable {
    /// Now.
    var now: Date { get }
}

/// The operating system's clock.
public struct SystemClock: Clock {
    /// Creates the system clock.
    public init() {}
    /// Now, from the system.
    public var now: Date { Date() }
}

/// Who is calling the API, once a key or token was checked.
public struct Principal: Sendable, Equatable {
    /// The user the key belongs to.
    public var userID: Int64
    /// True for administrators: they see and change every link.
    public var isAdmin: Bool
    /// Scopes of the key (`links:read`, `links:write`, `analytics:read`, `admin`).
    public var scopes: Set<String>
    /// The key's row id, if authenticated by API key.
    public var apiKeyID: Int64?
    /// API requests per minute of the user's plan; nil = unlimited.
    public var requestsPerMinute: Int?
    /// The client's address as nginx saw it (for the audit log).
    public var clientAddress: String = ""
    /// The session's public id, when signed in with an access token (nil for API keys).
    public var sessionID: String?
    /// The user's plan in force, as read with the credential (saves a query per entitlement check).
    public var plan: Plan?

    /// Creates a principal.
    public init(userID: Int64, isAdmin: Bool, scopes: Set<String>, apiKeyID: Int64?, requestsPerMinute: Int? = nil) {
        self.userID = userID
        self.isAdmin = isAdmin
        self.scopes = scopes
        self.apiKeyID = apiKeyID
        self.requestsPerMinute = requestsPerMinute
    }

    /// True when the principal holds `scope` (or `admin`, which implies all).
    public func has(scope: String) -> Bool { scopes.contains(scope) || scopes.contains("admin") }
}

/// Counters shared by every worker and node (memcached), for rate limits.
public protocol RateCounter: AnyObject {
    /// Adds one to `key` (created with a lifetime of `ttlSeconds`); the new count, or nil when the counter
    /// store is unavailable (callers then fail open).
    func increment(_ key: String, ttlSeconds: Int) -> Int?
}
