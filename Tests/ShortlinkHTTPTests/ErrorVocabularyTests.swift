import LinkDomain
import ShortlinkCore
import Testing
@testable import ShortlinkHTTP

/// Every service error knows its answer, and the same kind of failure answers the same way on every resource.
@Suite struct ErrorVocabularyTests {
    @Test func aMissingScopeIsInsufficientScopeEverywhere() {
        let problems: [Problem] = [LinkServiceError.forbidden("links:write").problem, TeamError.scopeRequired("links:write").problem,
                                   APIKeyError.scopeNotHeld("links:write").problem, AdminError.notAdmin.problem]
        for p in problems {
            #expect(p.slug == "insufficient-scope" && p.status == 403, "\(p)")
        }
    }

    @Test func anUnreachableStoreIs503WithRetryAfterEverywhere() {
        let problems: [Problem] = [LinkServiceError.unavailable("x").problem, AuthError.unavailable("x").problem,
                                   TeamError.unavailable("x").problem, APIKeyError.unavailable("x").problem,
                                   SubscriptionError.unavailable("x").problem, AdminError.unavailable("x").problem,
                                   StoreError.unavailable("x").problem]
        for p in problems {
            #expect(p.slug == "service-unavailable" && p.status == 503, "\(p)")
            #expect(p.headers.contains { $0.0 == "Retry-After" }, "\(p)")
        }
    }

    @Test func anInternalFailureIsLoggedNeverSent() {
        let secret = "SELECT password_hash FROM users"
        let problems: [Problem] = [LinkServiceError.internalError(secret).problem, AuthError.internalError(secret).problem,
                                   TeamError.internalError(secret).problem, APIKeyError.internalError(secret).problem,
                                   SubscriptionError.internalError(secret).problem, AdminError.internalError(secret).problem,
                                   StoreError.failed(secret).problem]
        for p in problems {
            #expect(p.slug == "internal" && p.status == 500, "\(p)")
            #expect(p.logDetail?.contains(secret) == true)
            let body = String(decoding: p.response().body, as: UTF8.self)
            #expect(!body.contains(secret), "\(body)")
        }
    }

    @Test func notFoundIsOneTypeWhateverWasNotFound() {
        let problems: [Problem] = [LinkServiceError.notFound.problem, TeamError.notFound.problem, TeamError.memberNotFound.problem,
                                   APIKeyError.notFound.problem, AdminError.notFound.problem, AuthError.notFound("x").problem]
        for p in problems { #expect(p.slug == "not-found" && p.status == 404, "\(p)") }
    }

    @Test func tokensAnswerByWhereTheyComeFrom() {
        #expect(AuthError.invalidToken.problem.status == 401)
        #expect(AuthError.invalidMailedToken.problem.status == 400)
        #expect(AuthError.invalidLoginCode.problem.status == 401)
        #expect(AuthError.invalidCode.problem.status == 422)
        #expect(AuthError.invalidMailedToken.problem.slug == AuthError.invalidToken.problem.slug)
    }

    @Test func requestIDsAreSixteenHexDigitsAndDiffer() {
        let ids = (0..<100).map { _ in ShortlinkApp.newRequestID() }
        #expect(Set(ids).count == 100)
        #expect(ids.allSatisfy { $0.count == 16 && $0.allSatisfy(\.isHexDigit) })
    }
}
