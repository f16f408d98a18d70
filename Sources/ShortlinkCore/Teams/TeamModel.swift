import Foundation
import LinkDomain

/// A team as the code refers to it.
public struct TeamRef: Sendable, Equatable {
    public var id: Int64
    public var publicID: String
    public var name: String
    public var ownerUserID: Int64
    public var createdAt: Date

    /// Creates a reference.
    public init(id: Int64, publicID: String, name: String, ownerUserID: Int64, createdAt: Date) {
        self.id = id
        self.publicID = publicID
        self.name = name
        self.ownerUserID = ownerUserID
        self.createdAt = createdAt
    }
}

/// One member of a team.
public struct TeamMember: Sendable, Equatable {
    public var userPublicID: String
    public var email: String
    public var name: String
    public var role: TeamRole
    public var isOwner: Bool
    public var joinedAt: Date

    /// Creates a member value.
    public init(userPublicID: String, email: String, name: String, role: TeamRole, isOwner: Bool, joinedAt: Date) {
        self.userPublicID = userPublicID
        self.email = email
        self.name = name
        self.role = role
        self.isOwner = isOwner
        self.joinedAt = joinedAt
    }
}

/// A pending invitation.
public struct TeamInvitation: Sendable, Equatable {
    public var publicID: String
    public var email: String
    public var role: TeamRole
    public var createdAt: Date
    public var expiresAt: Date

    /// Creates an invitation value.
    public init(publicID: String, email: String, role: TeamRole, createdAt: Date, expiresAt: Date) {
        self.publicID = publicID
        self.email = email
        self.role = role
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// What accepting an invitation did.
public enum InvitationOutcome: Sendable, Equatable {
    case joined(TeamRef, TeamRole)
    /// Unknown, used, revoked or expired.
    case invalid
    /// The invitation was sent to another address than the caller's.
    case otherEmail
    case alreadyMember
}

/// Which team a user belongs to, and how (read on every team-link request).
public protocol TeamDirectory: AnyObject {
    /// The team with `publicID` and the user's role in it (nil role: not a member); nil when no such team.
    func team(publicID: String, userID: Int64) throws(StoreError) -> (TeamRef, TeamRole?)?
    /// The user's role in team `teamID`, or nil when not a member.
    func role(teamID: Int64, userID: Int64) throws(StoreError) -> TeamRole?
    /// The owner of team `teamID` (whose plan governs it), or nil when there is no such team.
    func owner(teamID: Int64) throws(StoreError) -> Int64?
}

/// Teams, members and invitations (MariaDB). Each write is one transaction with its audit entry.
public protocol TeamStore: TeamDirectory {
    func create(name: String, ownerUserID: Int64, now: Date, audit: AuditEntry) throws(StoreError) -> TeamRef
    /// The user's teams with their role and the member count.
    func teams(ofUser userID: Int64) throws(StoreError) -> [(TeamRef, TeamRole, Int)]
    func members(teamID: Int64) throws(StoreError) -> [TeamMember]
    func invitations(teamID: Int64, now: Date) throws(StoreError) -> [TeamInvitation]
    func rename(teamID: Int64, name: String, now: Date, audit: AuditEntry) throws(StoreError)
    /// Members plus pending invitations.
    func seatsTaken(teamID: Int64, now: Date) throws(StoreError) -> Int
    /// Stores an invitation with its mail; returns it and the outbox id.
    func invite(teamID: Int64, email: String, role: TeamRole, tokenHash: [UInt8], invitedBy: Int64, now: Date, expiresAt: Date,
                mail: OutgoingMail, audit: AuditEntry) throws(StoreError) -> (TeamInvitation, Int64)
    func revokeInvitation(teamID: Int64, publicID: String, now: Date, audit: AuditEntry) throws(StoreError) -> Bool
    /// The team of a live invitation, or nil.
    func invitationTeam(tokenHash: [UInt8], now: Date) throws(StoreError) -> TeamRef?
    func accept(tokenHash: [UInt8], userID: Int64, email: String, now: Date, audit: AuditEntry) throws(StoreError) -> InvitationOutcome
    func setRole(teamID: Int64, userID: Int64, role: TeamRole, audit: AuditEntry) throws(StoreError) -> Bool
    func removeMember(teamID: Int64, userID: Int64, audit: AuditEntry) throws(StoreError) -> Bool
    /// Makes member `userID` the owner (and an admin).
    func transfer(teamID: Int64, to userID: Int64, now: Date, audit: AuditEntry) throws(StoreError) -> Bool
    /// Deletes the team; its links go to the owner personally.
    func delete(teamID: Int64, audit: AuditEntry) throws(StoreError)
    /// The row id of the user with `publicID`.
    func userID(publicID: String) throws(StoreError) -> Int64?
}

/// Why a team operation was refused.
public enum TeamError: Error, Equatable, Sendable {
    case validation(ValidationError)
    /// No such team visible to the caller (non-members are told the same as for a missing team).
    case notFound
    /// The member named in the path is not a member of the team.
    case memberNotFound
    /// The caller's role does not allow it; the least role that does (nil: only the owner).
    case roleRequired(TeamRole?)
    /// The API key lacks this scope.
    case scopeRequired(String)
    /// Refused for the reason given (e.g. an invitation sent to another address).
    case forbidden(String)
    case planRefusal(Entitlements.Refusal)
    case conflict(String)
    case invalidInvitation
    case unavailable(String)
    case internalError(String)
}

/// A team with what the caller may see of it.
public struct TeamView: Sendable, Equatable {
    public var team: TeamRef
    public var role: TeamRole?
    public var isOwner: Bool
    public var members: [TeamMember]
    public var invitations: [TeamInvitation]
    public var memberCount: Int
}
