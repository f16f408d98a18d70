import Foundation
import LinkDomain
import Logging

/// The caller's account: read it, change the name or the address (re-verified).
extension AuthService {
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
}
