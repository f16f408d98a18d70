import Foundation
import LinkDomain
import Logging

/// Why an account operation was refused.
public enum AuthError: Error, Equatable, Sendable {
    case validation(ValidationError)
    /// Wrong email or password (never says which), or a disabled account.
    case invalidLogin
    /// Too many failed attempts for this account or address; retry after the seconds given.
    case throttled(retryAfter: Int)
    /// A session's token (access, refresh, or the 2FA step's) that is unknown, used or expired.
    case invalidToken
    /// A mailed one-time token (address verification, password reset) that is unknown, used or expired.
    case invalidMailedToken
    /// A refresh token was presented a second time: its whole session was revoked.
    case refreshReused
    /// A wrong or replayed 2FA code when changing settings.
    case invalidCode
    /// A wrong or replayed 2FA code at the second step of a sign-in (a failed login).
    case invalidLoginCode
    /// The current password given to confirm a change is wrong.
    case wrongPassword
    /// Account settings can only be changed from a signed-in session, not with an API key.
    case sessionRequired
    /// Nothing of the caller's by that id (e.g. a session that already ended).
    case notFound(String)
    /// The request does not fit the account's state (e.g. 2FA already on).
    case conflict(String)
    case unavailable(String)
    case internalError(String)
}

/// Tokens handed out at sign-in.
public struct SessionTokens: Sendable, Equatable {
    public var accessToken: String
    public var accessExpiresIn: Int
    public var refreshToken: String
    public var refreshExpiresIn: Int
}

/// What `login` answers: tokens, or a second step when 2FA is on.
public enum LoginResult: Sendable, Equatable {
    case signedIn(SessionTokens)
    /// Send `mfaToken` with a TOTP or recovery code to `/api/auth/login/2fa` within five minutes.
    case secondFactorRequired(mfaToken: String)
}

/// A started TOTP enrolment.
public struct TOTPEnrolment: Sendable, Equatable {
    /// Base32, for typing into an app by hand.
    public var secret: String
    /// `otpauth://totp/...`, for a QR code.
    public var uri: String
}

/// Registration, sign-in with rotating refresh tokens, email verification, password reset and change,
/// profile changes and TOTP second factor. Every failure path changes nothing.
public final class AuthService {
    /// Settings from the configuration.
    public struct Settings: Sendable {
        public var accessTTL: Int
        public var refreshTTL: Int
        public var failuresPerAccount: Int
        public var failuresPerIP: Int
        public var webURL: String
        public var issuer: String

        /// Creates the settings.
        public init(accessTTL: Int, refreshTTL: Int, failuresPerAccount: Int, failuresPerIP: Int, webURL: String, issuer: String) {
            self.accessTTL = accessTTL
            self.refreshTTL = refreshTTL
            self.failuresPerAccount = failuresPerAccount
            self.failuresPerIP = failuresPerIP
            self.webURL = webURL
            self.issuer = issuer
        }
    }

    /// Window of the failed-login counters.
    static let failureWindow = 900
    static let verifyTTL: TimeInterval = 48 * 3600
    static let resetTTL: TimeInterval = 3600
    static let mfaStepTTL: TimeInterval = 300
    static let recoveryCodeCount = 10

    private let store: AccountStore
    private let tokens: AccessTokens
    private let keys: ServerKeys
    private let hasher: PasswordHasher
    private let failures: FailureCounter
    private let mail: MailDispatch
    private let clock: Clock
    private let settings: Settings
    private let logger: Logger
    /// The argon2id hash (standard cost) of a random password nobody kept: verified when the email is unknown
    /// or has no password, so that every failed login takes as long as a wrong password.
    static let standardDecoy = "$argon2id$v=19$m=65536,t=3,p=1$snNjwHZO3pAHdjX8G1GS+A$nhYohjLZMex/B6GZ3tBBrQoJogxVEMdicgoBClzOEjs"
    /// The decoy for this hasher's cost (made once if the cost is not the standard one).
    private lazy var decoyHash: String = hasher.needsRehash(Self.standardDecoy)
        ? (hasher.hash(Secrets.hex(Secrets.randomBytes(16))) ?? Self.standardDecoy) : Self.standardDecoy

    /// Creates the service.
    public init(store: AccountStore, tokens: AccessTokens, keys: ServerKeys, hasher: PasswordHasher, failures: FailureCounter,
                mail: MailDispatch, clock: Clock, settings: Settings, logger: Logger) {
        self.store = store
        self.tokens = tokens
        self.keys = keys
        self.hasher = hasher
        self.failures = failures
        self.mail = mail
        self.clock = clock
        self.settings = settings
        self.logger = logger
    }

    // MARK: Registration and sign-in

    /// Creates an account and mails a verification link. When the email is taken, nothing is created and the
    /// owner of the address is told by mail instead: the answer is the same either way.
    public func register(email rawEmail: String, password: String, displayName: String, clientIP: String) throws(AuthError) {
        let email = EmailAddress.normalize(rawEmail)
        var errors: [FieldError] = []
        do { try EmailAddress.validate(email) } catch { errors += error.errors }
        do { try PasswordPolicy.validate(password, email: email) } catch { errors += error.errors }
        var name = ""
        do { name = try TextRule.optionalName.validate(displayName, field: "name") } catch { errors += error.errors }
        guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
        guard let hash = hasher.hash(password) else { throw .internalError("password hashing failed") }
        let now = clock.now
        let secret = Self.newSecret()
        let token = OneTimeToken(userID: 0, purpose: .verifyEmail, hash: Secrets.sha256(secret), email: email,
                                 expiresAt: now.addingTimeInterval(Self.verifyTTL))
        let audit = AuditEntry(occurredAt: now, actorUserID: nil, actorKeyID: nil, actorIP: clientIP, action: "user.register",
                               objectType: "user", objectID: "")
        do {
            let (_, outbox) = try store.register(email: email, displayName: name, passwordHash: hash, now: now,
                                                 verification: (token, verificationMail(to: email, secret: secret)), audit: audit)
            mail.sendQueued(id: outbox)
        } catch .duplicate {
            let notice = MailTemplates.signUpAttempt(to: email, webURL: settings.webURL)
            do { mail.sendQueued(id: try store.queue(notice, token: nil, audit: nil, now: now)) } catch { throw Self.map(error) }
        } catch { throw Self.map(error) }
    }

    /// Checks the password (argon2id) and starts a session, or asks for the second factor. Failed attempts
    /// are counted per account and per client address; over either limit, attempts are refused (429) without
    /// checking the password.
    public func login(email rawEmail: String, password: String, clientIP: String, userAgent: String) throws(AuthError) -> LoginResult {
        let email = EmailAddress.normalize(rawEmail)
        let (accountKey, ipKey) = Self.failureKeys(email: email, clientIP: clientIP)
        try checkThrottle(accountKey: accountKey, ipKey: ipKey)
        let user: UserAccount?
        do { user = try store.user(email: email) } catch { throw Self.map(error) }
        let stored = user?.passwordHash ?? decoyHash
        let matches = PasswordHasher.verify(password, against: stored) && user?.passwordHash != nil
        guard let user, matches, user.isActive else {
            recordFailure(accountKey: accountKey, ipKey: ipKey)
            let entry = AuditEntry(occurredAt: clock.now, actorUserID: user?.id, actorKeyID: nil, actorIP: clientIP,
                                   action: "auth.login_failed", objectType: "user", objectID: user?.publicID ?? "")
            if user != nil { try? store.record(entry) }
            throw .invalidLogin
        }
        failures.reset(accountKey)
        if hasher.needsRehash(user.passwordHash ?? ""), let upgraded = hasher.hash(password) {
            try? store.upgradePasswordHash(userID: user.id, hash: upgraded)
        }
        if user.hasTwoFactor {
            let secret = Self.newSecret()
            let now = clock.now
            do {
                try store.store(OneTimeToken(userID: user.id, purpose: .login2FA, hash: Secrets.sha256(secret), email: nil,
                                             expiresAt: now.addingTimeInterval(Self.mfaStepTTL)), now: now)
            } catch { throw Self.map(error) }
            return .secondFactorRequired(mfaToken: secret)
        }
        return .signedIn(try startSession(user, clientIP: clientIP, userAgent: userAgent, action: "auth.login"))
    }

    /// The second step of a 2FA login: a TOTP code or an unused recovery code. Wrong codes count as failed logins.
    public func completeLogin(mfaToken: String, code: String, clientIP: String, userAgent: String) throws(AuthError) -> SessionTokens {
        let hash = Secrets.sha256(mfaToken)
        let pending: (userID: Int64, email: String?)?
        do { pending = try store.peek(tokenHash: hash, purpose: .login2FA, now: clock.now) } catch { throw Self.map(error) }
        guard let pending else { throw .invalidToken }
        let user = try loadUser(pending.userID)
        let (accountKey, ipKey) = Self.failureKeys(email: user.email, clientIP: clientIP)
        try checkThrottle(accountKey: accountKey, ipKey: ipKey)
        guard user.isActive, try checkSecondFactor(user, code: code) else {
            recordFailure(accountKey: accountKey, ipKey: ipKey)
            throw .invalidLoginCode
        }
        guard try call({ () throws(StoreError) in try store.consume(tokenHash: hash, purpose: .login2FA, now: clock.now) }) != nil else {
            throw .invalidToken
        }
        failures.reset(accountKey)
        return try startSession(user, clientIP: clientIP, userAgent: userAgent, action: "auth.login")
    }

    /// Uses a refresh token once and returns a new pair; presenting a used token again revokes its session.
    public func refresh(_ refreshToken: String) throws(AuthError) -> SessionTokens {
        guard refreshToken.hasPrefix("slr_") else { throw .invalidToken }
        let now = clock.now
        let next = "slr_" + Self.newSecret()
        let outcome: RefreshOutcome
        do {
            outcome = try store.rotate(refreshHash: Secrets.sha256(refreshToken), newHash: Secrets.sha256(next), now: now,
                                       expiresAt: now.addingTimeInterval(TimeInterval(settings.refreshTTL)))
        } catch { throw Self.map(error) }
        switch outcome {
        case .invalid: throw .invalidToken
        case .reused(let userID, let sessionID):
            logger.warning("refresh token reused: session revoked", metadata: ["user": "\(userID)", "session": "\(sessionID)"])
            try? store.record(AuditEntry(occurredAt: now, actorUserID: userID, actorKeyID: nil, actorIP: "",
                                         action: "auth.refresh_reused", objectType: "session", objectID: sessionID))
            throw .refreshReused
        case .rotated(let userPublicID, let sessionID):
            return SessionTokens(accessToken: accessToken(userPublicID: userPublicID, sessionID: sessionID, now: now),
                                 accessExpiresIn: settings.accessTTL, refreshToken: next, refreshExpiresIn: settings.refreshTTL)
        }
    }

    /// Ends the session of a refresh token (or the caller's current session): its access tokens stop at once.
    public func logout(refreshToken: String?, principal: Principal?, clientIP: String) throws(AuthError) {
        let now = clock.now
        let ended = try call { () throws(StoreError) in
            try store.endSession(
                refreshHash: refreshToken.map { Secrets.sha256($0) }, sessionID: refreshToken == nil ? principal?.sessionID : nil,
                userID: refreshToken == nil ? principal?.userID : nil, now: now, reason: "logout",
                audit: { AuditEntry(occurredAt: now, actorUserID: $0, actorKeyID: nil, actorIP: clientIP, action: "auth.logout",
                                    objectType: "session", objectID: "") })
        }
        if ended == nil && refreshToken != nil { throw .invalidToken }
    }

    /// The principal behind an access token, or nil when its session ended or its user was disabled.
    public func principal(accessToken: String) throws(AuthError) -> Principal? {
        let claims: AccessClaims
        do { claims = try tokens.verify(accessToken, now: clock.now) } catch { throw .invalidToken }
        do { return try store.sessionPrincipal(sessionID: claims.sessionID, userPublicID: claims.subject) } catch { throw Self.map(error) }
    }

    // MARK: Email and password

    /// Verifies the address a mailed token was sent to.
    public func verifyEmail(token: String, clientIP: String) throws(AuthError) {
        let now = clock.now
        let found = try call { () throws(StoreError) in try store.consume(tokenHash: Secrets.sha256(token), purpose: .verifyEmail, now: now) }
        guard let found, let email = found.email else { throw .invalidMailedToken }
        let verified = try call { () throws(StoreError) in
            try store.markEmailVerified(
                userID: found.userID, email: email, now: now,
                audit: AuditEntry(occurredAt: now, actorUserID: found.userID, actorKeyID: nil, actorIP: clientIP,
                                  action: "user.email_verified", objectType: "user", objectID: "", details: ["email": email]))
        }
        if !verified { throw .invalidMailedToken }
    }

    /// Mails a new verification link to the caller's current address.
    public func resendVerification(_ principal: Principal) throws(AuthError) {
        let user = try loadUser(principal.userID)
        guard user.emailVerifiedAt == nil else { throw .conflict("the email address is already verified") }
        let now = clock.now
        let secret = Self.newSecret()
        let token = OneTimeToken(userID: user.id, purpose: .verifyEmail, hash: Secrets.sha256(secret), email: user.email,
                                 expiresAt: now.addingTimeInterval(Self.verifyTTL))
        do { mail.sendQueued(id: try store.queue(verificationMail(to: user.email, secret: secret), token: token, audit: nil, now: now)) }
        catch { throw Self.map(error) }
    }

    /// Mails a reset link when the address belongs to an active account; answers the same either way.
    public func requestPasswordReset(email rawEmail: String, clientIP: String) throws(AuthError) {
        let email = EmailAddress.normalize(rawEmail)
        do { try EmailAddress.validate(email) } catch { throw .validation(error) }
        // Each request costs a mail: count it like a failed login so that an address cannot be flooded.
        let accountKey = CacheKeys.resetRequests(emailHash: Secrets.sha256(email))
        if let n = failures.increment(accountKey, ttlSeconds: Self.failureWindow), n > settings.failuresPerAccount {
            throw .throttled(retryAfter: Self.failureWindow)
        }
        let user: UserAccount?
        do { user = try store.user(email: email) } catch { throw Self.map(error) }
        guard let user, user.isActive else { return }
        let now = clock.now
        let secret = Self.newSecret()
        let token = OneTimeToken(userID: user.id, purpose: .resetPassword, hash: Secrets.sha256(secret), email: nil,
                                 expiresAt: now.addingTimeInterval(Self.resetTTL))
        let message = MailTemplates.passwordReset(to: user.email, secret: secret, webURL: settings.webURL)
        let audit = AuditEntry(occurredAt: now, actorUserID: nil, actorKeyID: nil, actorIP: clientIP,
                               action: "auth.password_reset_requested", objectType: "user", objectID: user.publicID)
        do { mail.sendQueued(id: try store.queue(message, token: token, audit: audit, now: now)) } catch { throw Self.map(error) }
    }

    /// Sets a new password with a mailed reset token; every session of the account ends.
    public func resetPassword(token: String, newPassword: String, clientIP: String) throws(AuthError) {
        let now = clock.now
        let hash = Secrets.sha256(token)
        let pending: (userID: Int64, email: String?)?
        do { pending = try store.peek(tokenHash: hash, purpose: .resetPassword, now: now) } catch { throw Self.map(error) }
        guard let pending else { throw .invalidMailedToken }
        let user = try loadUser(pending.userID)
        let phc = try newPasswordHash(newPassword, email: user.email, field: "newPassword")
        guard try call({ () throws(StoreError) in try store.consume(tokenHash: hash, purpose: .resetPassword, now: now) }) != nil else {
            throw .invalidMailedToken
        }
        try call { () throws(StoreError) in
            try store.setPassword(userID: user.id, hash: phc, now: now, keepingSession: nil,
                                  audit: AuditEntry(occurredAt: now, actorUserID: user.id, actorKeyID: nil, actorIP: clientIP,
                                                    action: "auth.password_reset", objectType: "user", objectID: user.publicID))
        }
    }

    /// Sets a user's password on the operator's say (`shortlinkctl set-password`): by the product's rules
    /// for addresses and passwords, every session of the user ends and pending reset tokens are used up, as
    /// after a reset; the audit entry names the user by public id.
    public func setPasswordByOperator(email rawEmail: String, password: String) throws(AuthError) -> UserAccount {
        let email: String
        do { email = try EmailAddress.parse(rawEmail) } catch { throw .validation(error) }
        let found = try call { () throws(StoreError) in try store.user(email: email) }
        guard let user = found else { throw .notFound("no user with the email \(email)") }
        let phc = try newPasswordHash(password, email: user.email, field: "password")
        let now = clock.now
        try call { () throws(StoreError) in
            try store.setPassword(userID: user.id, hash: phc, now: now, keepingSession: nil,
                                  audit: AuditEntry(occurredAt: now, actorUserID: nil, actorKeyID: nil, actorIP: "",
                                                    action: "user.password.set", objectType: "user", objectID: user.publicID,
                                                    details: ["via": "shortlinkctl"]))
        }
        return user
    }

    /// Changes the caller's password after checking the current one; other sessions end.
    public func changePassword(current: String, new: String, by principal: Principal) throws(AuthError) {
        guard principal.sessionID != nil else { throw .sessionRequired }
        let user = try loadUser(principal.userID)
        guard let stored = user.passwordHash, PasswordHasher.verify(current, against: stored) else { throw .wrongPassword }
        let phc = try newPasswordHash(new, email: user.email, field: "newPassword")
        let now = clock.now
        do {
            try store.setPassword(userID: user.id, hash: phc, now: now, keepingSession: principal.sessionID,
                                  audit: .by(principal, at: now, "user.password_change", "user", user.publicID))
        } catch { throw Self.map(error) }
    }

    // MARK: Profile

    /// The caller's account.
    public func me(_ principal: Principal) throws(AuthError) -> UserAccount { try loadUser(principal.userID) }

    /// Changes the display name and/or the email (which needs the current password and a new verification).
    public func updateProfile(_ principal: Principal, displayName: String?, email rawEmail: String?,
                              currentPassword: String?) throws(AuthError) -> UserAccount {
        guard principal.sessionID != nil else { throw .sessionRequired }
        let user = try loadUser(principal.userID)
        var errors: [FieldError] = []
        var name: String?
        if let displayName {
            do { name = try TextRule.optionalName.validate(displayName, field: "name") } catch { errors += error.errors }
        }
        var email = rawEmail.map(EmailAddress.normalize)
        if email == user.email { email = nil }
        if let email {
            do { try EmailAddress.validate(email) } catch { errors += error.errors }
        }
        guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
        if email != nil {
            guard let stored = user.passwordHash, let given = currentPassword, PasswordHasher.verify(given, against: stored) else {
                throw .wrongPassword
            }
        }
        let now = clock.now
        var verification: (token: OneTimeToken, mail: OutgoingMail)?
        if let email {
            let secret = Self.newSecret()
            verification = (OneTimeToken(userID: user.id, purpose: .verifyEmail, hash: Secrets.sha256(secret), email: email,
                                         expiresAt: now.addingTimeInterval(Self.verifyTTL)),
                            verificationMail(to: email, secret: secret))
        }
        var details: [String: String] = [:]
        if let name { details["name"] = name }
        if let email { details["email"] = email }
        do {
            let outbox = try store.updateProfile(userID: user.id, displayName: name, email: email, now: now, verification: verification,
                                                 audit: .by(principal, at: now, "user.update", "user", user.publicID, details: details))
            if let outbox { mail.sendQueued(id: outbox) }
        } catch .duplicate {
            throw .validation(.field("email", "email.taken", "is already used by another account"))
        } catch { throw Self.map(error) }
        return try loadUser(user.id)
    }

    // MARK: Two-factor authentication

    /// Starts TOTP enrolment: a new secret, kept sealed until confirmed with a code.
    public func beginTOTP(_ principal: Principal) throws(AuthError) -> TOTPEnrolment {
        guard principal.sessionID != nil else { throw .sessionRequired }
        let user = try loadUser(principal.userID)
        guard !user.hasTwoFactor else { throw .conflict("two-factor authentication is already on; disable it first") }
        let secret = Secrets.randomBytes(20)
        do { try store.storePendingTOTP(userID: user.id, sealed: keys.seal(secret)) } catch { throw Self.map(error) }
        return TOTPEnrolment(secret: Base32.encode(secret),
                             uri: TOTP(secret: secret).provisioningURI(account: user.email, issuer: settings.issuer))
    }

    /// Confirms enrolment with a current code; returns the recovery codes, shown this once.
    public func confirmTOTP(_ principal: Principal, code: String) throws(AuthError) -> [String] {
        guard principal.sessionID != nil else { throw .sessionRequired }
        let user = try loadUser(principal.userID)
        guard !user.hasTwoFactor else { throw .conflict("two-factor authentication is already on") }
        guard let sealed = user.totpSecret, let secret = keys.open(sealed) else {
            throw .conflict("start the enrolment first (POST /api/me/2fa/setup)")
        }
        let now = clock.now
        guard let step = TOTP(secret: secret).matchingStep(code, at: Int64(now.timeIntervalSince1970)) else { throw .invalidCode }
        let codes = (0..<Self.recoveryCodeCount).map { _ in Self.recoveryCode() }
        do {
            try store.enableTOTP(userID: user.id, step: step, recoveryHashes: codes.map { Secrets.sha256(Self.canonicalRecovery($0)) },
                                 now: now, audit: .by(principal, at: now, "user.2fa_enable", "user", user.publicID))
        } catch { throw Self.map(error) }
        return codes
    }

    /// Turns 2FA off; needs the password and a current TOTP or recovery code.
    public func disableTOTP(_ principal: Principal, password: String, code: String) throws(AuthError) {
        guard principal.sessionID != nil else { throw .sessionRequired }
        let user = try loadUser(principal.userID)
        guard user.hasTwoFactor else { throw .conflict("two-factor authentication is off") }
        guard let stored = user.passwordHash, PasswordHasher.verify(password, against: stored) else { throw .wrongPassword }
        guard try checkSecondFactor(user, code: code) else { throw .invalidCode }
        let now = clock.now
        do { try store.disableTOTP(userID: user.id, now: now, audit: .by(principal, at: now, "user.2fa_disable", "user", user.publicID)) }
        catch { throw Self.map(error) }
    }

    // MARK: Sessions

    /// The caller's live sessions.
    public func sessions(_ principal: Principal) throws(AuthError) -> [SessionInfo] {
        do { return try store.sessions(userID: principal.userID, now: clock.now) } catch { throw Self.map(error) }
    }

    /// Ends one of the caller's sessions (a stolen laptop, a forgotten browser).
    public func endSession(_ publicID: String, by principal: Principal) throws(AuthError) {
        guard principal.sessionID != nil else { throw .sessionRequired }
        let now = clock.now
        let ended = try call { () throws(StoreError) in
            try store.endSession(refreshHash: nil, sessionID: publicID, userID: principal.userID, now: now, reason: "revoked",
                                 audit: { _ in .by(principal, at: now, "auth.session_revoke", "session", publicID) })
        }
        if ended == nil { throw .notFound("no such live session of yours") }
    }

    /// Ends every session of the caller but the current one ("sign out everywhere else"); returns how many.
    public func endOtherSessions(by principal: Principal) throws(AuthError) -> Int {
        guard let current = principal.sessionID else { throw .sessionRequired }
        let now = clock.now
        do {
            return try store.endSessions(userID: principal.userID, keeping: current, now: now, reason: "revoked",
                                         audit: .by(principal, at: now, "auth.sessions_revoke_others", "session", current))
        } catch { throw Self.map(error) }
    }

    /// Unused recovery codes of the caller.
    public func recoveryCodesLeft(_ principal: Principal) throws(AuthError) -> Int {
        do { return try store.recoveryCodesLeft(userID: principal.userID) } catch { throw Self.map(error) }
    }

    // MARK: Helpers

    private func startSession(_ user: UserAccount, clientIP: String, userAgent: String, action: String) throws(AuthError) -> SessionTokens {
        let now = clock.now
        let sessionID = Secrets.uuid()
        let refresh = "slr_" + Self.newSecret()
        do {
            try store.startSession(userID: user.id, sessionID: sessionID, refreshHash: Secrets.sha256(refresh), now: now,
                                   expiresAt: now.addingTimeInterval(TimeInterval(settings.refreshTTL)), clientIP: clientIP,
                                   userAgent: TextRule.clipped(userAgent, maxLength: 255),  // VARCHAR(255)
                                   audit: AuditEntry(occurredAt: now, actorUserID: user.id, actorKeyID: nil, actorIP: clientIP,
                                                     action: action, objectType: "session", objectID: sessionID))
        } catch { throw Self.map(error) }
        return SessionTokens(accessToken: accessToken(userPublicID: user.publicID, sessionID: sessionID, now: now),
                             accessExpiresIn: settings.accessTTL, refreshToken: refresh, refreshExpiresIn: settings.refreshTTL)
    }

    private func accessToken(userPublicID: String, sessionID: String, now: Date) -> String {
        tokens.sign(AccessClaims(subject: userPublicID, sessionID: sessionID, issuedAt: now,
                                 expiresAt: now.addingTimeInterval(TimeInterval(settings.accessTTL))))
    }

    /// A TOTP code (not replayed) or an unused recovery code.
    private func checkSecondFactor(_ user: UserAccount, code raw: String) throws(AuthError) -> Bool {
        let code = raw.trimmingCharacters(in: .whitespaces)
        do {
            if code.count == 6, code.allSatisfy(\.isNumber) {
                guard let sealed = user.totpSecret, let secret = keys.open(sealed),
                      let step = TOTP(secret: secret).matchingStep(code, at: Int64(clock.now.timeIntervalSince1970)) else { return false }
                return try store.acceptTOTPStep(userID: user.id, step: step)
            }
            return try store.useRecoveryCode(userID: user.id, hash: Secrets.sha256(Self.canonicalRecovery(code)), now: clock.now)
        } catch { throw Self.map(error) }
    }

    private func checkThrottle(accountKey: String, ipKey: String) throws(AuthError) {
        let account = failures.value(accountKey)
        let ip = failures.value(ipKey)
        if account == nil || ip == nil { logger.warning("login throttle counters unavailable: attempt allowed") }
        if (account ?? 0) >= settings.failuresPerAccount || (ip ?? 0) >= settings.failuresPerIP {
            throw .throttled(retryAfter: Self.failureWindow)
        }
    }

    /// The failed-login counters of an account (by a hash of its email, never the address itself) and of a
    /// client address.
    static func failureKeys(email: String, clientIP: String) -> (account: String, ip: String) {
        (CacheKeys.loginFailures(emailHash: Secrets.sha256(email)), CacheKeys.loginFailures(clientIP: clientIP))
    }

    private func recordFailure(accountKey: String, ipKey: String) {
        _ = failures.increment(accountKey, ttlSeconds: Self.failureWindow)
        _ = failures.increment(ipKey, ttlSeconds: Self.failureWindow)
    }

    private func newPasswordHash(_ password: String, email: String, field: String) throws(AuthError) -> String {
        do { try PasswordPolicy.validate(password, email: email) } catch {
            throw .validation(ValidationError(error.errors.map { FieldError(field: field, code: $0.code, message: $0.message) }))
        }
        guard let phc = hasher.hash(password) else { throw .internalError("password hashing failed") }
        return phc
    }

    private func loadUser(_ id: Int64) throws(AuthError) -> UserAccount {
        let user: UserAccount?
        do { user = try store.user(id: id) } catch { throw Self.map(error) }
        guard let user else { throw .invalidToken }
        return user
    }

    private func verificationMail(to email: String, secret: String) -> OutgoingMail {
        MailTemplates.verification(to: email, secret: secret, webURL: settings.webURL)
    }

    /// 32 random base62 characters (190 bits).
    static func newSecret() -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
        var random = SystemRandom()
        return String(decoding: (0..<32).map { _ in alphabet[Int(random.uniform(below: 62))] }, as: UTF8.self)
    }

    /// `xxxxx-xxxxx` from an alphabet without look-alikes (50 bits).
    static func recoveryCode() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789".utf8)
        var random = SystemRandom()
        let chars = (0..<10).map { _ in alphabet[Int(random.uniform(below: UInt32(alphabet.count)))] }
        return String(decoding: chars[0..<5], as: UTF8.self) + "-" + String(decoding: chars[5..<10], as: UTF8.self)
    }

    /// A recovery code as typed: lower case, without dashes or spaces.
    static func canonicalRecovery(_ code: String) -> String {
        code.lowercased().filter { $0 != "-" && $0 != " " }
    }

    /// Runs a store call, mapping its errors to the service's.
    @discardableResult
    private func call<T>(_ body: () throws(StoreError) -> T) throws(AuthError) -> T {
        do { return try body() } catch { throw Self.map(error) }
    }

    static func map(_ error: StoreError) -> AuthError {
        switch error {
        case .unavailable(let why): return .unavailable(why)
        case .duplicate: return .conflict("duplicate")
        case .failed(let why): return .internalError(why)
        }
    }
}
