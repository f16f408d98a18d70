import Foundation
import LinkDomain
import Logging
import ShortlinkCore

/// Checks a session's access token (`AuthService` in production).
public protocol SessionVerifier: AnyObject {
    /// The principal of a valid access token whose session is live; nil when it is not.
    func principal(accessToken: String) throws(AuthError) -> Principal?
}

extension AuthService: SessionVerifier {}

/// Who is calling: the API key or session behind a request's credential.
public struct CallerIdentity {
    let keys: APIKeyStore
    let sessions: SessionVerifier

    /// Creates the identification over the key store and the session verifier.
    public init(keys: APIKeyStore, sessions: SessionVerifier) {
        self.keys = keys
        self.sessions = sessions
    }

    /// The principal behind the request's API key or access token; 401 when none or unknown, 503 when the
    /// store is down.
    func authenticate(_ request: HTTPRequest) throws(Problem) -> Principal {
        var presented: String?
        if let authorization = request.header("authorization") {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw .invalidCredentials }
            presented = parts[1].trimmingCharacters(in: .whitespaces)
        } else if let key = request.header("x-api-key") {
            presented = key.trimmingCharacters(in: .whitespaces)
        }
        guard let secret = presented else { throw .unauthenticated }
        if AccessTokens.looksLikeJWT(secret) { return try sessionPrincipal(secret) }
        guard APIKeySecret.looksLikeKey(secret) else { throw .invalidCredentials }
        let found = try call { () throws(StoreError) in try keys.principal(forKeyHash: Secrets.sha256(secret)) }
        guard let principal = found else { throw .invalidCredentials }
        return principal
    }

    /// The principal of a signed-in session: a valid access token whose session is live.
    func sessionPrincipal(_ token: String) throws(Problem) -> Principal {
        var refused = Problem.invalidCredentials
        refused.detail = "the access token is invalid, expired or its session has ended"
        let found: Principal?
        do { found = try sessions.principal(accessToken: token) } catch {
            if case .unavailable = error { throw .unavailable("the account database") }
            throw refused
        }
        guard let principal = found else { throw refused }
        return principal
    }
}

/// Rate limits in shared counters: a window per subject, fail open when the counters are down.
public struct RateLimiter {
    let counters: RateCounter
    let clock: Clock
    let anonymousPerMinute: Int
    let logger: Logger

    /// Creates the limiter over memcached's counters.
    public init(counters: RateCounter, clock: Clock, anonymousPerMinute: Int, logger: Logger) {
        self.counters = counters
        self.clock = clock
        self.anonymousPerMinute = anonymousPerMinute
        self.logger = logger
    }

    /// Charges one request of `class` to its subject; nil when the counters are unavailable (logged).
    func charge(_ rate: RateClass, _ principal: Principal?, address: String) -> RateLimitState? {
        switch rate {
        case .perCaller:
            if let principal {
                let subject = principal.apiKeyID.map { "key:\($0)" } ?? "user:\(principal.userID)"
                return principal.requestsPerMinute.flatMap { count(subject, limit: $0) }
            }
            return count("ip:\(address)", limit: anonymousPerMinute)
        }
    }

    /// Counts one request in the current window.
    func count(_ subject: String, limit: Int) -> RateLimitState? {
        let rule = RateWindow(limit: limit)
        let now = Int64(clock.now.timeIntervalSince1970)
        guard let n = counters.increment(CacheKeys.rate(subject: subject, window: rule.index(nowSeconds: now)),
                                         ttlSeconds: rule.windowSeconds + 5) else {
            logger.warning("rate limit counters unavailable: request allowed", metadata: ["subject": "\(subject)"])
            return nil
        }
        return rule.state(count: n, nowSeconds: now)
    }
}

/// `/api/…` and `/api/v1/…` (the same routes; v1 is the default version). In order: match the route,
/// identify the caller and charge the route's rate class (429 when over), 404 / 405 when no route, the
/// route's access (401 / 403), then its handler.
public struct APIRouter {
    let table: RouteTable
    let identity: CallerIdentity
    let limiter: RateLimiter
    let maxBody: Int

    /// The router over the routes of `resources`.
    public init(resources: APIResources, identity: CallerIdentity, limiter: RateLimiter, maxBody: Int) {
        self.init(resources.all, identity: identity, limiter: limiter, maxBody: maxBody)
    }

    /// A router over some resources only (the in-process tests build the ones they exercise).
    init(_ resources: [any APIResource], identity: CallerIdentity, limiter: RateLimiter, maxBody: Int) {
        table = RouteTable(routes: resources.flatMap { $0.bound })
        self.identity = identity
        self.limiter = limiter
        self.maxBody = maxBody
    }

    /// Answers an API request, or throws the problem to answer with (rate-limit headers included).
    func answer(_ request: HTTPRequest) throws(Problem) -> HTTPResponse {
        var rest = request.path.dropFirst("/api".count)
        if rest.hasPrefix("/v1/") || rest == "/v1" { rest = rest.dropFirst("/v1".count) }
        let path = Array(rest.split(separator: "/", omittingEmptySubsequences: false).dropFirst())  // leading ""
        let match = table.match(method: request.method, path: path)
        let rate: RateClass
        if case .found(let route, _) = match { rate = route.spec.rate } else { rate = .perCaller }
        let (principal, limitHeaders) = try identify(request, rate)
        do throws(Problem) {
            var response: HTTPResponse
            switch match {
            case .notFound: throw Problem.routeNotFound(request.path)
            case .methodNotAllowed(let allowed): throw Problem.methodNotAllowed(allowed)
            case .found(let route, let parameters):
                let admitted = try route.spec.access.admit(principal)
                response = try route.handle(RequestContext(request: request, parameters: parameters, principal: admitted,
                                                           maxBody: maxBody))
            }
            response.headers += limitHeaders
            return response
        } catch {
            var problem = error
            problem.headers += limitHeaders
            throw problem
        }
    }

    /// The caller and its rate-limit headers: a key's requests count against its plan's limit, requests
    /// without a key (and with a wrong one) against the client address's. 429 when over; a bad credential
    /// is refused even where none is needed.
    func identify(_ request: HTTPRequest, _ rate: RateClass) throws(Problem) -> (Principal?, [(String, String)]) {
        var principal: Principal?
        var failure: Problem?
        do { principal = try identity.authenticate(request) } catch { failure = error }
        principal?.clientAddress = request.remoteAddress
        let state = limiter.charge(rate, failure == nil ? principal : nil, address: request.remoteAddress)
        let headers = state?.headers ?? []
        if let state, state.isExceeded { throw Problem.tooManyRequests(state) }
        if let failure {
            // An invalid credential is refused; a missing one only where a route needs it.
            if failure.slug == Problem.unauthenticated.slug { return (nil, headers) }
            var refused = failure
            refused.headers += headers
            throw refused
        }
        return (principal, headers)
    }
}
