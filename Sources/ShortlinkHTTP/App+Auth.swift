import Foundation
import LinkDomain
import QRCode
import ShortlinkCore

extension ShortlinkApp {
    /// `/api/auth/...`: registration, sign-in, token refresh, sign-out, email verification, password reset.
    func authRoute(_ parts: [Substring], _ method: String, _ request: HTTPRequest, _ principal: Principal?) throws(Problem) -> HTTPResponse {
        guard method == "POST" else { throw .methodNotAllowed(["POST"]) }
        let ip = request.remoteAddress
        switch parts.map(String.init) {
        case ["register"]:
            let body = try jsonBody(request)
            var errors: [FieldError] = []
            let email = try requiredString(body, "email", &errors)
            let password = try requiredString(body, "password", &errors)
            let name = body.string("name", errors: &errors).valueOrNil ?? ""
            guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
            try call { () throws(AuthError) in try auth.register(email: email, password: password, displayName: name, clientIP: ip) }
            return try json(202, ["status": "pending", "detail": "check your mailbox for a link to confirm the address, then sign in"])
        case ["login"]:
            let body = try jsonBody(request)
            var errors: [FieldError] = []
            let email = try requiredString(body, "email", &errors)
            let password = try requiredString(body, "password", &errors)
            guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
            let result = try call { () throws(AuthError) in
                try auth.login(email: email, password: password, clientIP: ip, userAgent: request.header("user-agent") ?? "")
            }
            switch result {
            case .signedIn(let tokens): return try json(200, TokenBody(tokens))
            case .secondFactorRequired(let token):
                return try json(200, MFARequiredBody(mfaRequired: true, mfaToken: token, expiresIn: 300))
            }
        case ["login", "2fa"]:
            let body = try jsonBody(request)
            var errors: [FieldError] = []
            let token = try requiredString(body, "mfaToken", &errors)
            let code = try requiredString(body, "code", &errors)
            guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
            let tokens = try call { () throws(AuthError) in
                try auth.completeLogin(mfaToken: token, code: code, clientIP: ip, userAgent: request.header("user-agent") ?? "")
            }
            return try json(200, TokenBody(tokens))
        case ["refresh"]:
            let body = try jsonBody(request)
            var errors: [FieldError] = []
            let token = try requiredString(body, "refreshToken", &errors)
            guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
            let tokens = try call { () throws(AuthError) in try auth.refresh(token) }
            return try json(200, TokenBody(tokens))
        case ["logout"]:
            var token: String?
            if request.contentLength ?? 0 > 0 {
                let body = try jsonBody(request)
                var errors: [FieldError] = []
                token = body.string("refreshToken", errors: &errors).valueOrNil
                guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
            }
            guard token != nil || principal?.sessionID != nil else {
                throw .validation(.field("refreshToken", "token.required", "is required unless signed in with an access token"))
            }
            try call { () throws(AuthError) in try auth.logout(refreshToken: token, principal: principal, clientIP: ip) }
            return HTTPResponse(status: 204)
        case ["verify-email"]:
            let body = try jsonBody(request)
            var errors: [FieldError] = []
            let token = try requiredString(body, "token", &errors)
            guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
            try call { () throws(AuthError) in try auth.verifyEmail(token: token, clientIP: ip) }
            return HTTPResponse(status: 204)
        case ["verify-email", "resend"]:
            let caller = try required(principal)
            try call { () throws(AuthError) in try auth.resendVerification(caller) }
            return try json(202, ["status": "sent"])
        case ["password-reset", "request"]:
            let body = try jsonBody(request)
            var errors: [FieldError] = []
            let email = try requiredString(body, "email", &errors)
            guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
            try call { () throws(AuthError) in try auth.requestPasswordReset(email: email, clientIP: ip) }
            return try json(202, ["status": "sent", "detail": "if the address has an account, a reset link is on its way"])
        case ["password-reset"]:
            let body = try jsonBody(request)
            var errors: [FieldError] = []
            let token = try requiredString(body, "token", &errors)
            let password = try requiredString(body, "newPassword", &errors)
            guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
            try call { () throws(AuthError) in try auth.resetPassword(token: token, newPassword: password, clientIP: ip) }
            return HTTPResponse(status: 204)
        default:
            throw .routeNotFound(request.path)
        }
    }

    /// `/api/me...`: the caller's profile, password and second factor.
    func meRoute(_ parts: [Substring], _ method: String, _ request: HTTPRequest, _ caller: Principal) throws(Problem) -> HTTPResponse {
        switch parts.map(String.init) {
        case []:
            switch method {
            case "GET":
                let user = try call { () throws(AuthError) in try auth.me(caller) }
                return try json(200, MeBody(user: user, via: caller))
            case "PATCH":
                let body = try jsonBody(request)
                var errors: [FieldError] = []
                let name = body.string("name", errors: &errors).valueOrNil
                let email = body.string("email", errors: &errors).valueOrNil
                let current = body.string("currentPassword", errors: &errors).valueOrNil
                guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
                let user = try call { () throws(AuthError) in
                    try auth.updateProfile(caller, displayName: name, email: email, currentPassword: current)
                }
                return try json(200, MeBody(user: user, via: caller))
            default: throw .methodNotAllowed(["GET", "HEAD", "PATCH"])
            }
        case ["password"]:
            guard method == "POST" else { throw .methodNotAllowed(["POST"]) }
            let body = try jsonBody(request)
            var errors: [FieldError] = []
            let current = try requiredString(body, "currentPassword", &errors)
            let new = try requiredString(body, "newPassword", &errors)
            guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
            try call { () throws(AuthError) in try auth.changePassword(current: current, new: new, by: caller) }
            return HTTPResponse(status: 204)
        case ["sessions"]:
            switch method {
            case "GET":
                let list = try call { () throws(AuthError) in try auth.sessions(caller) }
                return try json(200, ["items": list.map { SessionBody($0, current: $0.publicID == caller.sessionID) }])
            case "DELETE":
                let ended = try call { () throws(AuthError) in try auth.endOtherSessions(by: caller) }
                return try json(200, ["ended": ended])
            default: throw .methodNotAllowed(["GET", "HEAD", "DELETE"])
            }
        case let p where p.count == 2 && p[0] == "sessions":
            guard method == "DELETE" else { throw .methodNotAllowed(["DELETE"]) }
            try call { () throws(AuthError) in try auth.endSession(p[1], by: caller) }
            return HTTPResponse(status: 204)
        case ["2fa"]:
            guard method == "GET" else { throw .methodNotAllowed(["GET", "HEAD"]) }
            let user = try call { () throws(AuthError) in try auth.me(caller) }
            let left = try call { () throws(AuthError) in try auth.recoveryCodesLeft(caller) }
            return try json(200, TwoFactorStatusBody(enabled: user.hasTwoFactor, recoveryCodesLeft: user.hasTwoFactor ? left : 0))
        case ["2fa", "setup"]:
            guard method == "POST" else { throw .methodNotAllowed(["POST"]) }
            let enrolment = try call { () throws(AuthError) in try auth.beginTOTP(caller) }
            guard let svg = QRCode.svg(enrolment.uri) else { throw .internal("QR code rendering failed") }
            return try json(200, TOTPSetupBody(secret: enrolment.secret, otpauthUri: enrolment.uri, qrSvg: svg))
        case ["2fa", "confirm"]:
            guard method == "POST" else { throw .methodNotAllowed(["POST"]) }
            let body = try jsonBody(request)
            var errors: [FieldError] = []
            let code = try requiredString(body, "code", &errors)
            guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
            let codes = try call { () throws(AuthError) in try auth.confirmTOTP(caller, code: code) }
            return try json(200, ["recoveryCodes": codes])
        case ["2fa", "disable"]:
            guard method == "POST" else { throw .methodNotAllowed(["POST"]) }
            let body = try jsonBody(request)
            var errors: [FieldError] = []
            let password = try requiredString(body, "password", &errors)
            let code = try requiredString(body, "code", &errors)
            guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
            try call { () throws(AuthError) in try auth.disableTOTP(caller, password: password, code: code) }
            return HTTPResponse(status: 204)
        default:
            throw .routeNotFound(request.path)
        }
    }

    /// A string member that must be present and non-empty (a field error otherwise).
    func requiredString(_ body: JSONObject, _ key: String, _ errors: inout [FieldError]) throws(Problem) -> String {
        let value = body.string(key, errors: &errors)
        guard case .value(let s) = value, !s.isEmpty else {
            if !errors.contains(where: { $0.field == key }) {
                errors.append(FieldError(field: key, code: "\(key).required", message: "is required"))
            }
            return ""
        }
        return s
    }

}

/// Tokens issued at sign-in and refresh.
struct TokenBody: Encodable {
    let accessToken: String
    let tokenType = "Bearer"
    let expiresIn: Int
    let refreshToken: String
    let refreshExpiresIn: Int

    init(_ t: SessionTokens) {
        accessToken = t.accessToken
        expiresIn = t.accessExpiresIn
        refreshToken = t.refreshToken
        refreshExpiresIn = t.refreshExpiresIn
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

struct MFARequiredBody: Encodable {
    let mfaRequired: Bool
    let mfaToken: String
    let expiresIn: Int
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
