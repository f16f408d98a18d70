import Foundation
import LinkDomain
import Logging

/// TOTP second factor: enrol, confirm (recovery codes), disable.
extension AuthService {
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
}
