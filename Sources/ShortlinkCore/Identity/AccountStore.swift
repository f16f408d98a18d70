import Foundation
import LinkDomain

/// A user account as sign-in sees it.
public struct UserAccount: Sendable, Equatable {
    public var id: Int64
    public var publicID: String
    public var email: String
    public var displayName: String
    /// The argon2id PHC string; nil for accounts made without a password (e.g. by `shortlinkctl create-key`).
    public var passwordHash: String?
    /// `user` or `admin`.
    public var role: String
    public var isActive: Bool
    public var emailVerifiedAt: Date?
    /// The TOTP secret, sealed (`ServerKeys.seal`); set at enrolment, before confirmation.
    public var totpSecret: [UInt8]?
    public var totpEnabledAt: Date?
    public var createdAt: Date

    /// Creates an account value.
    public init(id: Int64, publicID: String, email: String, displayName: String, passwordHash: String?, role: String,
                isActive: Bool, emailVerifiedAt: Date?, totpSecret: [UInt8]?, totpEnabledAt: Date?, createdAt: Date) {
        self.id = id
        self.publicID = publicID
        self.email = email
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.role = role
        self.isActive = isActive
        self.emailVerifiedAt = emailVerifiedAt
        self.totpSecret = totpSecret
        self.totpEnabledAt = totpEnabledAt
        self.createdAt = createdAt
    }

    /// True when the second factor is on.
    public var hasTwoFactor: Bool { totpEnabledAt != nil }
}

/// What a one-time token is for.
public enum TokenPurpose: String, Sendable {
    case verifyEmail = "verify_email"
    case resetPassword = "reset_password"
    case login2FA = "login_2fa"
}

/// A one-time token to store: only its SHA-256 is kept.
public struct OneTimeToken: Sendable, Equatable {
    public var userID: Int64
    public var purpose: TokenPurpose
    public var hash: [UInt8]
    /// For email verification: the address confirmed.
    public var email: String?
    public var expiresAt: Date

    /// Creates a token record.
    public init(userID: Int64, purpose: TokenPurpose, hash: [UInt8], email: String?, expiresAt: Date) {
        self.userID = userID
        self.purpose = purpose
        self.hash = hash
        self.email = email
        self.expiresAt = expiresAt
    }
}

/// A live sign-in, as its user sees it.
public struct SessionInfo: Sendable, Equatable {
    public var publicID: String
    public var createdAt: Date
    public var expiresAt: Date
    public var clientIP: String
    public var userAgent: String

    /// Creates a session value.
    public init(publicID: String, createdAt: Date, expiresAt: Date, clientIP: String, userAgent: String) {
        self.publicID = publicID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.clientIP = clientIP
        self.userAgent = userAgent
    }
}

/// What presenting a refresh token did.
public enum RefreshOutcome: Sendable, Equatable {
    /// It was valid and unused: it is now used and `newHash` is its successor in the same session.
    case rotated(userPublicID: String, sessionID: String)
    /// It had been used already: the whole session (the token family) is now revoked.
    case reused(userID: Int64, sessionID: String)
    /// Unknown, expired, or its session ended.
    case invalid
}

/// Accounts, sessions, one-time tokens and 2FA state (MariaDB in production). Each method is one transaction.
public protocol AccountStore: AnyObject {
    func user(email: String) throws(StoreError) -> UserAccount?
    func user(id: Int64) throws(StoreError) -> UserAccount?
    /// Inserts a user (`.duplicate` when the email is taken) with its verification token, mail and audit
    /// entry; returns the account and the outbox id of the mail.
    func register(email: String, displayName: String, passwordHash: String, now: Date,
                  verification: (token: OneTimeToken, mail: OutgoingMail), audit: AuditEntry) throws(StoreError) -> (UserAccount, Int64)
    /// Queues a mail, with the token it carries and an audit entry when given; returns the outbox id.
    func queue(_ mail: OutgoingMail, token: OneTimeToken?, audit: AuditEntry?, now: Date) throws(StoreError) -> Int64
    /// Stores a one-time token that is not mailed (the 2FA login step).
    func store(_ token: OneTimeToken, now: Date) throws(StoreError)
    /// The user and email of a live, unused token, without using it.
    func peek(tokenHash: [UInt8], purpose: TokenPurpose, now: Date) throws(StoreError) -> (userID: Int64, email: String?)?
    /// Marks a live, unused token used; its user and email, or nil when it was not live (a second use).
    func consume(tokenHash: [UInt8], purpose: TokenPurpose, now: Date) throws(StoreError) -> (userID: Int64, email: String?)?

    /// Starts a session with its first refresh token.
    func startSession(userID: Int64, sessionID: String, refreshHash: [UInt8], now: Date, expiresAt: Date, clientIP: String,
                      userAgent: String, audit: AuditEntry) throws(StoreError)
    /// Uses a refresh token once, storing its successor; revokes the session when the token was used before.
    func rotate(refreshHash: [UInt8], newHash: [UInt8], now: Date, expiresAt: Date) throws(StoreError) -> RefreshOutcome
    /// Ends the session of a refresh token (or `sessionID` of `userID`); the user id, or nil when none was live.
    func endSession(refreshHash: [UInt8]?, sessionID: String?, userID: Int64?, now: Date, reason: String,
                    audit: (Int64) -> AuditEntry) throws(StoreError) -> Int64?
    /// The user's live sessions, newest first.
    func sessions(userID: Int64, now: Date) throws(StoreError) -> [SessionInfo]
    /// Ends every live session of the user but `keeping`; returns how many ended.
    func endSessions(userID: Int64, keeping: String?, now: Date, reason: String, audit: AuditEntry) throws(StoreError) -> Int
    /// The principal of a live session of an active user.
    func sessionPrincipal(sessionID: String, userPublicID: String) throws(StoreError) -> Principal?

    /// Sets the password hash and ends every session but `keepingSession`.
    func setPassword(userID: Int64, hash: String, now: Date, keepingSession: String?, audit: AuditEntry) throws(StoreError)
    /// Re-hashes a password at login (cost raised), without ending sessions or auditing.
    func upgradePasswordHash(userID: Int64, hash: String) throws(StoreError)
    /// Changes name and/or email (a new email is unverified until its token is used); returns the outbox id
    /// of the verification mail, if any. `.duplicate` when the email is taken.
    func updateProfile(userID: Int64, displayName: String?, email: String?, now: Date,
                       verification: (token: OneTimeToken, mail: OutgoingMail)?, audit: AuditEntry) throws(StoreError) -> Int64?
    /// Marks `email` verified if it is still the user's address.
    func markEmailVerified(userID: Int64, email: String, now: Date, audit: AuditEntry) throws(StoreError) -> Bool

    /// Stores a sealed TOTP secret awaiting confirmation (replacing any earlier unconfirmed one).
    func storePendingTOTP(userID: Int64, sealed: [UInt8]) throws(StoreError)
    /// Turns 2FA on with the step used to confirm it and the hashes of fresh recovery codes.
    func enableTOTP(userID: Int64, step: Int64, recoveryHashes: [[UInt8]], now: Date, audit: AuditEntry) throws(StoreError)
    /// Turns 2FA off and forgets the secret and recovery codes.
    func disableTOTP(userID: Int64, now: Date, audit: AuditEntry) throws(StoreError)
    /// Records `step` as used; false when it (or a later one) was used already (a replayed code).
    func acceptTOTPStep(userID: Int64, step: Int64) throws(StoreError) -> Bool
    /// Uses an unused recovery code; false when there is none with this hash.
    func useRecoveryCode(userID: Int64, hash: [UInt8], now: Date) throws(StoreError) -> Bool
    /// Unused recovery codes left.
    func recoveryCodesLeft(userID: Int64) throws(StoreError) -> Int

    /// Appends an audit entry on its own.
    func record(_ entry: AuditEntry) throws(StoreError)
}

/// Sends queued mail after the transaction that queued it committed.
public protocol MailDispatch: AnyObject {
    /// Tries to deliver outbox entry `id` now; on failure it stays queued for `shortlinkctl send-mail`.
    func sendQueued(id: Int64)
}

/// Counters of failed logins (memcached), shared by every worker and node.
public protocol FailureCounter: AnyObject {
    /// The count under `key`; 0 when absent, nil when the counters are unavailable.
    func value(_ key: String) -> Int?
    /// Adds one (created with a lifetime of `ttlSeconds`).
    func increment(_ key: String, ttlSeconds: Int) -> Int?
    /// Forgets the count.
    func reset(_ key: String)
}
