import Foundation

/// One audit record: who did what to which object, from where, when.
public struct AuditEntry: Sendable, Equatable {
    /// Row id (0 before it is stored).
    public var id: Int64
    public var occurredAt: Date
    public var actorUserID: Int64?
    public var actorKeyID: Int64?
    public var actorIP: String
    /// Dotted verb, e.g. `link.create`, `link.update`, `link.delete`, `key.create`, `plan.change`.
    public var action: String
    /// `link`, `api_key`, `subscription`…
    public var objectType: String
    /// The object's public id or code.
    public var objectID: String
    public var teamID: Int64?
    /// What changed, as flat key/value pairs (stored as JSON).
    public var details: [String: String]
    /// On reads: the public ids (and the actor's email) the API shows instead of row ids.
    public var actorUserPublicID: String?
    public var actorEmail: String?
    public var actorKeyPublicID: String?
    public var teamPublicID: String?

    /// Creates an entry.
    public init(id: Int64 = 0, occurredAt: Date, actorUserID: Int64?, actorKeyID: Int64?, actorIP: String, action: String,
                objectType: String, objectID: String, teamID: Int64? = nil, details: [String: String] = [:]) {
        self.id = id
        self.occurredAt = occurredAt
        self.actorUserID = actorUserID
        self.actorKeyID = actorKeyID
        self.actorIP = actorIP
        self.action = action
        self.objectType = objectType
        self.objectID = objectID
        self.teamID = teamID
        self.details = details
    }

    /// An entry for an action by `principal`.
    public static func by(_ principal: Principal, at: Date, _ action: String, _ objectType: String, _ objectID: String,
                          details: [String: String] = [:]) -> AuditEntry {
        AuditEntry(occurredAt: at, actorUserID: principal.userID, actorKeyID: principal.apiKeyID,
                   actorIP: principal.clientAddress, action: action, objectType: objectType, objectID: objectID,
                   details: details)
    }
}

/// Reads the audit log, newest first, by cursor.
public protocol AuditLog: AnyObject {
    /// Up to `limit` entries older than `beforeID` (all when nil), newest first.
    func entries(beforeID: Int64?, limit: Int) throws(StoreError) -> [AuditEntry]
    /// Up to `limit` entries of team `teamID` older than `beforeID`, newest first.
    func entries(teamID: Int64, beforeID: Int64?, limit: Int) throws(StoreError) -> [AuditEntry]
    /// Appends an entry on its own (for changes made outside a link transaction, e.g. by shortlinkctl).
    func record(_ entry: AuditEntry) throws(StoreError)
}
