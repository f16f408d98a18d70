import Foundation
import LinkDomain
import QRCode
import ShortlinkCore

/// `/me…`: the caller's profile, password, sessions and second factor. Changes only from a session.
public struct AccountRoutes: APIResource {
    let auth: AuthService

    /// The account handlers over `auth`.
    public init(auth: AuthService) { self.auth = auth }

    static let settings = "account settings"

    public static var routes: [Route<AccountRoutes>] {
        [
            Route("GET", "/me", "me", .caller, me),
            Route("PATCH", "/me", "updateMe", .session(settings), updateMe),
            Route("POST", "/me/password", "changePassword", .session(settings), changePassword),
            Route("GET", "/me/sessions", "listSessions", .caller, sessions),
            Route("DELETE", "/me/sessions", "endOtherSessions", .session(settings), endOtherSessions),
            Route("DELETE", "/me/sessions/{id}", "endSession", .session(settings), endSession),
            Route("GET", "/me/2fa", "twoFactorStatus", .caller, twoFactorStatus),
            Route("POST", "/me/2fa/setup", "twoFactorSetup", .session(settings), twoFactorSetup),
            Route("POST", "/me/2fa/confirm", "twoFactorConfirm", .session(settings), twoFactorConfirm),
            Route("POST", "/me/2fa/disable", "twoFactorDisable", .session(settings), twoFactorDisable),
        ]
    }

    func me(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        return try .json(200, MeBody(user: try call { () throws(AuthError) in try auth.me(caller) }, via: caller))
    }

    func updateMe(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let (name, email, current) = try c.fields { body, errors in
            (body.string("name", errors: &errors).valueOrNil,
             body.string("email", errors: &errors).valueOrNil,
             body.string("currentPassword", errors: &errors).valueOrNil)
        }
        let user = try call { () throws(AuthError) in
            try auth.updateProfile(caller, displayName: name, email: email, currentPassword: current)
        }
        return try .json(200, MeBody(user: user, via: caller))
    }

    func changePassword(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let (current, new) = try c.fields { body, errors in
            (body.required("currentPassword", &errors),
             body.required("newPassword", &errors))
        }
        try call { () throws(AuthError) in try auth.changePassword(current: current, new: new, by: caller) }
        return .noContent
    }

    func sessions(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let list = try call { () throws(AuthError) in try auth.sessions(caller) }
        return try .json(200, ["items": list.map { SessionBody($0, current: $0.publicID == caller.sessionID) }])
    }

    func endOtherSessions(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        return try .json(200, ["ended": try call { () throws(AuthError) in try auth.endOtherSessions(by: caller) }])
    }

    func endSession(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        try call { () throws(AuthError) in try auth.endSession(c.parameter("id"), by: caller) }
        return .noContent
    }

    func twoFactorStatus(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let user = try call { () throws(AuthError) in try auth.me(caller) }
        let left = try call { () throws(AuthError) in try auth.recoveryCodesLeft(caller) }
        return try .json(200, TwoFactorStatusBody(enabled: user.hasTwoFactor, recoveryCodesLeft: user.hasTwoFactor ? left : 0))
    }

    func twoFactorSetup(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let enrolment = try call { () throws(AuthError) in try auth.beginTOTP(caller) }
        guard let svg = QRCode.svg(enrolment.uri) else { throw .internal("QR code rendering failed") }
        return try .json(200, TOTPSetupBody(secret: enrolment.secret, otpauthUri: enrolment.uri, qrSvg: svg))
    }

    func twoFactorConfirm(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let code = try c.fields { body, errors in body.required("code", &errors) }
        return try .json(200, ["recoveryCodes": try call { () throws(AuthError) in try auth.confirmTOTP(caller, code: code) }])
    }

    func twoFactorDisable(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let (password, code) = try c.fields { body, errors in
            (body.required("password", &errors),
             body.required("code", &errors))
        }
        try call { () throws(AuthError) in try auth.disableTOTP(caller, password: password, code: code) }
        return .noContent
    }
}

/// One live session.
struct SessionBody: Encodable {
    let id: String
    let createdAt: String
    let expiresAt: String
    let clientIp: String
    let userAgent: String
    let current: Bool

    init(_ s: SessionInfo, current: Bool) {
        id = s.publicID
        createdAt = Timestamp.format(s.createdAt)
        expiresAt = Timestamp.format(s.expiresAt)
        clientIp = s.clientIP
        userAgent = s.userAgent
        self.current = current
    }
}

struct TwoFactorStatusBody: Encodable {
    let enabled: Bool
    let recoveryCodesLeft: Int
}

struct TOTPSetupBody: Encodable {
    let secret: String
    let otpauthUri: String
    let qrSvg: String
}

/// The caller's account.
struct MeBody: Encodable {
    let user: UserAccount
    let via: Principal

    enum Keys: String, CodingKey { case id, email, name, role, emailVerified, twoFactorEnabled, createdAt, authenticatedWith }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(user.publicID, forKey: .id)
        try c.encode(user.email, forKey: .email)
        try c.encode(user.displayName, forKey: .name)
        try c.encode(user.role, forKey: .role)
        try c.encode(user.emailVerifiedAt != nil, forKey: .emailVerified)
        try c.encode(user.hasTwoFactor, forKey: .twoFactorEnabled)
        try c.encode(Timestamp.format(user.createdAt), forKey: .createdAt)
        try c.encode(via.sessionID != nil ? "session" : "api_key", forKey: .authenticatedWith)
    }
}
