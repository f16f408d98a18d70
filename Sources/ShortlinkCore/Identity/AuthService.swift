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
/// profile changes and TOTP second factor. Every failure path changes nothing. The use cases live in one
/// extension a topic (`AuthService+SignIn.swift`, `+Passwords`, `+Profile`, `+TwoFactor`, `+Sessions`); this file
/// holds the state and the helpers they share.
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

    let store: AccountStore
    let tokens: AccessTokens
    let keys: ServerKeys
    let hasher: PasswordHasher
    let failures: FailureCounter
    let mail: MailDispatch
    let clock: Clock
    let settings: Settings
    let logger: Logger
    /// The argon2id hash (standard cost) of a random password nobody kept: verified when the email is unknown
    /// or has no password, so that every failed login takes as long as a wrong password.
    static let standardDecoy = "$argon2id$v=19$m=65536,t=3,p=1$snNjwHZO3pAHdjX8G1GS+A$nhYohjLZMex/B6GZ3tBBrQoJogxVEMdicgoBClzOEjs"
    /// The decoy for this hasher's cost (made once if the cost is not the standard one).
    lazy var decoyHash: String = hasher.needsRehash(Self.standardDecoy)
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

    // MARK: Helpers

    func startSession(_ user: UserAccount, clientIP: String, userAgent: String, action: String) throws(AuthError) -> SessionTokens {
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

    func accessToken(userPublicID: String, sessionID: String, now: Date) -> String {
        tokens.sign(AccessClaims(subject: userPublicID, sessionID: sessionID, issuedAt: now,
                                 expiresAt: now.addingTimeInterval(TimeInterval(settings.accessTTL))))
    }

    /// A TOTP code (not replayed) or an unused recovery code.
    func checkSecondFactor(_ user: UserAccount, code raw: String) throws(AuthError) -> Bool {
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

    func checkThrottle(accountKey: String, ipKey: String) throws(AuthError) {
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

    func recordFailure(accountKey: String, ipKey: String) {
        _ = failures.increment(accountKey, ttlSeconds: Self.failureWindow)
        _ = failures.increment(ipKey, ttlSeconds: Self.failureWindow)
    }

    func newPasswordHash(_ password: String, email: String, field: String) throws(AuthError) -> String {
        do { try PasswordPolicy.validate(password, email: email) } catch {
            throw .validation(ValidationError(error.errors.map { FieldError(field: field, code: $0.code, message: $0.message) }))
        }
        guard let phc = hasher.hash(password) else { throw .internalError("password hashing failed") }
        return phc
    }

    func loadUser(_ id: Int64) throws(AuthError) -> UserAccount {
        let user: UserAccount?
        do { user = try store.user(id: id) } catch { throw Self.map(error) }
        guard let user else { throw .invalidToken }
        return user
    }

    func verificationMail(to email: String, secret: String) -> OutgoingMail {
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
    func call<T>(_ body: () throws(StoreError) -> T) throws(AuthError) -> T {
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
