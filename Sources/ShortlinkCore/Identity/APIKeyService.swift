import Foundation
import LinkDomain

/// An API key as its owner sees it (never the secret, except once at creation).
public struct APIKeyInfo: Sendable, Equatable {
    public var publicID: String
    public var name: String
    /// The first characters of the secret, to tell keys apart (`slk_AbCd1234`).
    public var prefix: String
    public var scopes: [String]
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    /// Creates a key description.
    public init(publicID: String, name: String, prefix: String, scopes: [String], createdAt: Date, lastUsedAt: Date?,
                revokedAt: Date?) {
        self.publicID = publicID
        self.name = name
        self.prefix = prefix
        self.scopes = scopes
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }
}

/// Stored API keys of users.
public protocol APIKeyAdmin: AnyObject {
    /// The user's keys, newest first.
    func keys(ofUser userID: Int64) throws(StoreError) -> [APIKeyInfo]
    /// The id of the user with `email` (normalised), creating it without a password and with `role` if absent.
    func ensureUser(email: String, role: String, now: Date) throws(StoreError) -> Int64
    /// Stores a key (only the SHA-256 of `secret`) and its audit entry in one transaction.
    func create(userID: Int64, name: String, secret: String, scopes: [String], now: Date, audit: AuditEntry) throws(StoreError) -> APIKeyInfo
    /// Revokes the user's key `publicID`; false when the user has no such active key.
    func revoke(publicID: String, userID: Int64, now: Date, audit: AuditEntry) throws(StoreError) -> Bool
}

/// Why a key operation was refused.
public enum APIKeyError: Error, Equatable, Sendable {
    case validation(ValidationError)
    /// The caller may not hand out a scope it does not hold.
    case scopeNotHeld(String)
    case notFound
    case unavailable(String)
    case internalError(String)
}

/// Create, list and revoke one's own API keys. A key can only carry scopes its creator holds.
public final class APIKeyService {
    private let store: APIKeyAdmin
    private let clock: Clock

    /// Creates the service.
    public init(store: APIKeyAdmin, clock: Clock) {
        self.store = store
        self.clock = clock
    }

    /// A new key for the caller; the returned secret is shown once.
    public func create(name: String, scopes: [String], by principal: Principal) throws(APIKeyError) -> (APIKeyInfo, String) {
        var errors: [FieldError] = []
        var trimmed = ""
        do { trimmed = try TextRule.name.validate(name, field: "name") } catch { errors += error.errors }
        let unknown = scopes.filter { !APIKeySecret.knownScopes.contains($0) }
        if scopes.isEmpty || !unknown.isEmpty {
            errors.append(FieldError(field: "scopes", code: "scopes.invalid",
                                     message: "must be among \(APIKeySecret.knownScopes.sorted().joined(separator: ", "))"))
        }
        guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
        if let missing = scopes.first(where: { !principal.has(scope: $0) || ($0 == "admin" && !principal.isAdmin) }) {
            throw .scopeNotHeld(missing)
        }
        let now = clock.now
        let secret = APIKeySecret.generate()
        let list = Array(Set(scopes)).sorted()
        do {
            let info = try store.create(userID: principal.userID, name: trimmed, secret: secret, scopes: list, now: now,
                                        audit: .by(principal, at: now, "key.create", "api_key", "",
                                                   details: ["name": trimmed, "scopes": list.joined(separator: " "),
                                                             "prefix": APIKeySecret.displayPrefix(of: secret)]))
            return (info, secret)
        } catch { throw Self.map(error) }
    }

    /// A new key for the user with `email` on the operator's say (`shortlinkctl create-key`, `create-admin`):
    /// the user is created without a password if absent; the same rules for the address, the name and the
    /// scopes as the API. The returned secret is shown once.
    public func issueByOperator(email rawEmail: String, role: String, name: String, scopes: [String]) throws(APIKeyError) -> (APIKeyInfo, String) {
        var errors: [FieldError] = []
        var email = ""
        do { email = try EmailAddress.parse(rawEmail) } catch { errors += error.errors }
        var trimmed = ""
        do { trimmed = try TextRule.name.validate(name, field: "name") } catch { errors += error.errors }
        if scopes.isEmpty || scopes.contains(where: { !APIKeySecret.knownScopes.contains($0) }) {
            errors.append(FieldError(field: "scopes", code: "scopes.invalid",
                                     message: "must be among \(APIKeySecret.knownScopes.sorted().joined(separator: ", "))"))
        }
        if role != "user" && role != "admin" { errors.append(FieldError(field: "role", code: "role.invalid", message: "must be user or admin")) }
        guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
        // The operator may give any scope: `admin` on a key of a non-administrator stays inert, since
        // administration needs both the scope and the account's role.
        let now = clock.now
        let secret = APIKeySecret.generate()
        let list = Array(Set(scopes)).sorted()
        do {
            let userID = try store.ensureUser(email: email, role: role, now: now)
            let info = try store.create(userID: userID, name: trimmed, secret: secret, scopes: list, now: now,
                                        audit: AuditEntry(occurredAt: now, actorUserID: nil, actorKeyID: nil, actorIP: "",
                                                          action: "key.create", objectType: "api_key", objectID: "",
                                                          details: ["name": trimmed, "scopes": list.joined(separator: " "),
                                                                    "prefix": APIKeySecret.displayPrefix(of: secret),
                                                                    "via": "shortlinkctl"]))
            return (info, secret)
        } catch { throw Self.map(error) }
    }

    /// The caller's keys.
    public func list(by principal: Principal) throws(APIKeyError) -> [APIKeyInfo] {
        do { return try store.keys(ofUser: principal.userID) } catch { throw Self.map(error) }
    }

    /// Revokes one of the caller's keys (it stops working on the next request).
    public func revoke(publicID: String, by principal: Principal) throws(APIKeyError) {
        let now = clock.now
        do {
            let done = try store.revoke(publicID: publicID, userID: principal.userID, now: now,
                                        audit: .by(principal, at: now, "key.revoke", "api_key", publicID))
            if !done { throw APIKeyError.notFound }
        } catch let error as APIKeyError {
            throw error
        } catch let error as StoreError {
            throw Self.map(error)
        } catch {
            throw .internalError("\(error)")
        }
    }

    private static func map(_ error: StoreError) -> APIKeyError {
        switch error {
        case .unavailable(let why): return .unavailable(why)
        case .duplicate: return .internalError("duplicate key hash")
        case .failed(let why): return .internalError(why)
        }
    }
}
