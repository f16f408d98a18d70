import Foundation
import LinkDomain
import Logging

/// Registration and sign-in: sign-up, password sign-in with the second factor, token refresh, sign-out, and the
/// principal of an access token.
extension AuthService {
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
}
