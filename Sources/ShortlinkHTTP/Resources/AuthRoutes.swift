import Foundation
import LinkDomain
import ShortlinkCore

/// `/auth/…`: registration, sign-in (with the second factor), token refresh, sign-out, email verification,
/// password reset.
public struct AuthRoutes: APIResource {
    let auth: AuthService

    /// The sign-in handlers over `auth`.
    public init(auth: AuthService) { self.auth = auth }

    public static var routes: [Route<AuthRoutes>] {
        [
            Route("POST", "/auth/register", "register", .anyone, register),
            Route("POST", "/auth/login", "login", .anyone, login),
            Route("POST", "/auth/login/2fa", "loginSecondFactor", .anyone, loginSecondFactor),
            Route("POST", "/auth/refresh", "refresh", .anyone, refresh),
            Route("POST", "/auth/logout", "logout", .anyone, logout),
            Route("POST", "/auth/verify-email", "verifyEmail", .anyone, verifyEmail),
            Route("POST", "/auth/verify-email/resend", "resendVerification", .caller, resendVerification),
            Route("POST", "/auth/password-reset/request", "requestPasswordReset", .anyone, requestPasswordReset),
            Route("POST", "/auth/password-reset", "resetPassword", .anyone, resetPassword),
        ]
    }

    func register(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let (email, password, name) = try c.fields { body, errors in
            (body.required("email", &errors),
             body.required("password", &errors),
             body.string("name", errors: &errors).valueOrNil ?? "")
        }
        try call { () throws(AuthError) in try auth.register(email: email, password: password, displayName: name, clientIP: c.clientIP) }
        return try .json(202, ["status": "pending", "detail": "check your mailbox for a link to confirm the address, then sign in"])
    }

    func login(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let (email, password) = try c.fields { body, errors in
            (body.required("email", &errors),
             body.required("password", &errors))
        }
        let result = try call { () throws(AuthError) in
            try auth.login(email: email, password: password, clientIP: c.clientIP, userAgent: c.request.header("user-agent") ?? "")
        }
        switch result {
        case .signedIn(let tokens): return try .json(200, TokenBody(tokens))
        case .secondFactorRequired(let token): return try .json(200, MFARequiredBody(mfaRequired: true, mfaToken: token, expiresIn: 300))
        }
    }

    func loginSecondFactor(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let (token, code) = try c.fields { body, errors in
            (body.required("mfaToken", &errors),
             body.required("code", &errors))
        }
        let tokens = try call { () throws(AuthError) in
            try auth.completeLogin(mfaToken: token, code: code, clientIP: c.clientIP, userAgent: c.request.header("user-agent") ?? "")
        }
        return try .json(200, TokenBody(tokens))
    }

    func refresh(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let token = try c.fields { body, errors in body.required("refreshToken", &errors) }
        return try .json(200, TokenBody(try call { () throws(AuthError) in try auth.refresh(token) }))
    }

    /// Ends the session of the refresh token in the body, or the caller's own session.
    func logout(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        var token: String?
        if c.request.contentLength ?? 0 > 0 {
            let body = try c.jsonBody()
            var errors: [FieldError] = []
            token = body.string("refreshToken", errors: &errors).valueOrNil
            try validate(errors)
        }
        guard token != nil || c.principal?.sessionID != nil else {
            throw .validation(.field("refreshToken", "token.required", "is required unless signed in with an access token"))
        }
        try call { () throws(AuthError) in try auth.logout(refreshToken: token, principal: c.principal, clientIP: c.clientIP) }
        return .noContent
    }

    func verifyEmail(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let token = try c.fields { body, errors in body.required("token", &errors) }
        try call { () throws(AuthError) in try auth.verifyEmail(token: token, clientIP: c.clientIP) }
        return .noContent
    }

    func resendVerification(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        try call { () throws(AuthError) in try auth.resendVerification(caller) }
        return try .json(202, ["status": "sent"])
    }

    func requestPasswordReset(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let email = try c.fields { body, errors in body.required("email", &errors) }
        try call { () throws(AuthError) in try auth.requestPasswordReset(email: email, clientIP: c.clientIP) }
        return try .json(202, ["status": "sent", "detail": "if the address has an account, a reset link is on its way"])
    }

    func resetPassword(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let (token, password) = try c.fields { body, errors in
            (body.required("token", &errors),
             body.required("newPassword", &errors))
        }
        try call { () throws(AuthError) in try auth.resetPassword(token: token, newPassword: password, clientIP: c.clientIP) }
        return .noContent
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

struct MFARequiredBody: Encodable {
    let mfaRequired: Bool
    let mfaToken: String
    let expiresIn: Int
}
