import LinkDomain
import ShortlinkCore

/// An error that knows its HTTP answer, in the spirit of Hummingbird's `HTTPResponseError`: every service
/// error conforms here, and `call` is the one place that turns any of them into problem+json.
/// The vocabulary of problem types is the same for every resource (`not-found`, `insufficient-scope`,
/// `service-unavailable`, `internal`, …). Server-side failures carry a detail for the log only.
protocol HTTPResponseError: Error {
    /// The problem to answer with.
    var problem: Problem { get }
}

extension Problem: HTTPResponseError {
    var problem: Problem { self }
}

extension Problem {
    /// A 500 whose cause goes to the log (with the request id), never to the client.
    static func `internal`(_ why: String) -> Problem {
        var p = internalError
        p.logDetail = why
        return p
    }

    /// 404 `not-found` with a detail naming what was not found.
    static func notFound(_ detail: String) -> Problem {
        Problem(slug: "not-found", title: "Not found", status: 404, detail: detail)
    }

    /// 400 `invalid-parameter`: a query parameter that is malformed or out of range, named in `errors`.
    static func invalidParameter(_ field: FieldError) -> Problem {
        Problem(slug: "invalid-parameter", title: "Invalid parameter", status: 400, detail: "\(field.field) \(field.message)",
                errors: [field])
    }

    /// 409 `conflict`.
    static func conflict(_ detail: String) -> Problem {
        Problem(slug: "conflict", title: "Conflict", status: 409, detail: detail)
    }
}

/// Runs a use case; any error it throws becomes its problem. The one mapper of the HTTP application.
@discardableResult
func call<T, E: HTTPResponseError>(_ body: () throws(E) -> T) throws(Problem) -> T {
    do { return try body() } catch { throw error.problem }
}

/// A storage failure met directly by a handler (audit reads, the key lookup).
extension StoreError: HTTPResponseError {
    var problem: Problem {
        switch self {
        case .unavailable: return .unavailable("the database")
        case .duplicate: return .conflict("the record exists already")
        case .failed(let why): return .internal("storage call failed: \(why)")
        }
    }
}

extension LinkServiceError: HTTPResponseError {
    var problem: Problem {
        switch self {
        case .validation(let v): return .validation(v)
        case .invalidParameter(let field): return .invalidParameter(field)
        case .notFound: return .linkNotFound
        case .forbidden(let scope): return .forbidden(scope: scope)
        case .planRefusal(let refusal): return .planRefusal(refusal)
        case .teamRole(let least): return .teamRoleRequired(least)
        case .aliasTaken(let alias): return .aliasTaken(alias)
        case .codeSpaceExhausted: return .unavailable("random code generation")
        case .unavailable: return .unavailable("the link database")
        case .internalError(let why): return .internal("link use case failed: \(why)")
        }
    }
}

extension AuthError: HTTPResponseError {
    var problem: Problem {
        switch self {
        case .validation(let v): return .validation(v)
        case .invalidLogin:
            return Problem(slug: "invalid-login", title: "Invalid login", status: 401, detail: "the email or the password is wrong")
        case .throttled(let seconds):
            return Problem(slug: "login-throttled", title: "Too many failed attempts", status: 429,
                           detail: "too many failed attempts; try again in \(seconds / 60) minutes",
                           headers: [("Retry-After", String(seconds))])
        case .invalidToken:
            return Problem(slug: "invalid-token", title: "Invalid token", status: 401, detail: "the token is unknown, already used or expired")
        case .invalidMailedToken:
            return Problem(slug: "invalid-token", title: "Invalid token", status: 400, detail: "the token is unknown, already used or expired")
        case .refreshReused:
            return Problem(slug: "refresh-token-reused", title: "Refresh token reused", status: 401,
                           detail: "this refresh token was already used; its session has been ended, sign in again")
        case .invalidCode, .invalidLoginCode:
            return Problem(slug: "invalid-code", title: "Invalid code", status: self == .invalidLoginCode ? 401 : 422,
                           detail: "the authentication code is wrong, expired or already used",
                           errors: [FieldError(field: "code", code: "code.invalid", message: "is wrong, expired or already used")])
        case .wrongPassword:
            return Problem(slug: "wrong-password", title: "Wrong password", status: 403, detail: "the current password is wrong")
        case .sessionRequired: return .sessionRequired("account settings")
        case .notFound(let why): return .notFound(why)
        case .conflict(let why): return .conflict(why)
        case .unavailable: return .unavailable("the account database")
        case .internalError(let why): return .internal("account operation failed: \(why)")
        }
    }
}

extension TeamError: HTTPResponseError {
    var problem: Problem {
        switch self {
        case .validation(let v): return .validation(v)
        case .notFound: return .notFound("no such team of yours")
        case .memberNotFound: return .notFound("no such member of this team")
        case .roleRequired(let least): return .teamRoleRequired(least)
        case .scopeRequired(let scope): return .forbidden(scope: scope)
        case .forbidden(let why): return Problem(slug: "forbidden", title: "Forbidden", status: 403, detail: why)
        case .planRefusal(let refusal): return .planRefusal(refusal)
        case .conflict(let why): return .conflict(why)
        case .invalidInvitation:
            return Problem(slug: "invalid-invitation", title: "Invalid invitation", status: 404,
                           detail: "the invitation is unknown, already used, revoked or expired")
        case .unavailable: return .unavailable("the team database")
        case .internalError(let why): return .internal("team operation failed: \(why)")
        }
    }
}

extension APIKeyError: HTTPResponseError {
    var problem: Problem {
        switch self {
        case .validation(let v): return .validation(v)
        case .scopeNotHeld(let scope): return .forbidden(scope: scope)
        case .notFound: return .notFound("no such active API key of yours")
        case .unavailable: return .unavailable("the account database")
        case .internalError(let why): return .internal("api key operation failed: \(why)")
        }
    }
}

extension SubscriptionError: HTTPResponseError {
    var problem: Problem {
        switch self {
        case .validation(let v): return .validation(v)
        case .paymentRequired(let plan):
            return Problem(slug: "payment-required", title: "Payment required", status: 402,
                           detail: "the \(plan) plan is granted by an administrator or after payment; start a trial with {\"trial\": true}")
        case .trialUsed:
            return Problem(slug: "trial-used", title: "Trial already used", status: 409, detail: "each account has one free trial")
        case .sessionRequired: return .sessionRequired("plan changes")
        case .unavailable: return .unavailable("the account database")
        case .internalError(let why): return .internal("subscription change failed: \(why)")
        }
    }
}

extension AdminError: HTTPResponseError {
    var problem: Problem {
        switch self {
        case .notAdmin: return .forbidden(scope: "admin")
        case .validation(let v): return .validation(v)
        case .notFound: return .notFound("no such user")
        case .unavailable: return .unavailable("the account database")
        case .internalError(let why): return .internal("admin request failed: \(why)")
        }
    }
}
