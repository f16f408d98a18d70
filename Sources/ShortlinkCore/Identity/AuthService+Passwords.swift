import Foundation
import LinkDomain
import Logging

/// The mailed one-time tokens (address verification, password reset) and password changes.
extension AuthService {
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
}
