import Foundation
import LinkDomain
import ShortlinkCore

extension ShortlinkApp {
    /// Routes `/api/...` and `/api/v1/...` (the same handlers; v1 is the default version), after the caller
    /// was identified and counted against its rate limit.
    func api(_ request: HTTPRequest) throws(Problem) -> HTTPResponse {
        let (principal, limitHeaders) = try identify(request)
        do {
            var response = try route(request, principal)
            response.headers += limitHeaders
            return response
        } catch {
            var problem = error
            problem.headers += limitHeaders
            throw problem
        }
    }

    func route(_ request: HTTPRequest, _ principal: Principal?) throws(Problem) -> HTTPResponse {
        var rest = request.path.dropFirst("/api".count)
        if rest.hasPrefix("/v1/") || rest == "/v1" { rest = rest.dropFirst("/v1".count) }
        let parts = rest.split(separator: "/", omittingEmptySubsequences: false).dropFirst()  // leading ""
        let method = request.method == "HEAD" ? "GET" : request.method
        switch Array(parts) {
        case ["health"]:
            guard method == "GET" else { throw .methodNotAllowed(["GET", "HEAD"]) }
            return healthResponse()
        case let p where p.first == "auth":
            return try authRoute(Array(p.dropFirst()), method, request, principal)
        case let p where p.first == "me":
            return try meRoute(Array(p.dropFirst()), method, request, try required(principal))
        case let p where p.first == "teams":
            return try teamsRoute(Array(p.dropFirst()), method, request, try required(principal))
        case ["invitations", "accept"]:
            guard method == "POST" else { throw .methodNotAllowed(["POST"]) }
            return try acceptInvitation(request, try required(principal))
        case ["keys"]:
            let caller = try required(principal)
            switch method {
            case "GET": return try keyResponse(200) { () throws(APIKeyError) in
                APIKeyList(items: try apiKeys.list(by: caller).map { APIKeyBody(info: $0, secret: nil) })
            }
            case "POST": return try createKey(request, caller)
            default: throw .methodNotAllowed(["GET", "HEAD", "POST"])
            }
        case let p where p.count == 2 && p[0] == "keys" && !p[1].isEmpty:
            let caller = try required(principal)
            guard method == "DELETE" else { throw .methodNotAllowed(["DELETE"]) }
            let id = String(p[1])
            try call { () throws(APIKeyError) in try apiKeys.revoke(publicID: id, by: caller) }
            return HTTPResponse(status: 204)
        case ["subscriptions"]:
            let caller = try required(principal)
            switch method {
            case "GET": return try subscriptionResponse(200) { () throws(SubscriptionError) in try subscriptions.current(for: caller) }
            case "POST": return try changeSubscription(request, caller)
            case "PATCH": return try patchSubscription(request, caller)
            default: throw .methodNotAllowed(["GET", "HEAD", "POST", "PATCH"])
            }
        case let p where p.first == "admin":
            return try admin(Array(p.dropFirst()), method, request, try required(principal))
        case ["audit"]:
            guard method == "GET" else { throw .methodNotAllowed(["GET", "HEAD"]) }
            return try auditLog(request, try required(principal))
        case ["urls"]:
            guard method == "POST" else { throw .methodNotAllowed(["POST"]) }
            return try createLink(request, try required(principal))
        case let p where p.count == 2 && p[0] == "urls" && !p[1].isEmpty:
            let alias = String(p[1])
            switch method {
            case "GET": return try readLink(alias, try required(principal))
            case "PATCH": return try updateLink(alias, request, try required(principal))
            case "DELETE": return try deleteLink(alias, try required(principal))
            default: throw .methodNotAllowed(["GET", "HEAD", "PATCH", "DELETE"])
            }
        default:
            throw .routeNotFound(request.path)
        }
    }

    /// The caller and its rate-limit headers: a key's requests count against its plan's limit, requests
    /// without a key (and with a wrong one) against the client address's. 429 when over.
    func identify(_ request: HTTPRequest) throws(Problem) -> (Principal?, [(String, String)]) {
        var principal: Principal?
        var failure: Problem?
        do { principal = try authenticate(request) } catch { failure = error }
        principal?.clientAddress = request.remoteAddress
        let state: RateLimitState?
        if let principal, failure == nil {
            let subject = principal.apiKeyID.map { "key:\($0)" } ?? "user:\(principal.userID)"
            state = principal.requestsPerMinute.flatMap { count(subject, limit: $0) }
        } else {
            state = count("ip:\(request.remoteAddress)", limit: anonymousPerMinute)
        }
        let headers = state?.headers ?? []
        if let state, state.isExceeded { throw Problem.tooManyRequests(state) }
        if let failure {
            // An invalid key is refused; a missing one only where a route needs it.
            if failure.slug == Problem.unauthenticated.slug { return (nil, headers) }
            var refused = failure
            refused.headers += headers
            throw refused
        }
        return (principal, headers)
    }

    /// Counts one request in the current window; nil when the counters are unavailable (fail open, logged).
    func count(_ subject: String, limit: Int) -> RateLimitState? {
        let rule = RateWindow(limit: limit)
        let now = Int64(clock.now.timeIntervalSince1970)
        guard let n = rates.increment(CacheKeys.rate(subject: subject, window: rule.index(nowSeconds: now)), ttlSeconds: rule.windowSeconds + 5) else {
            logger.warning("rate limit counters unavailable: request allowed", metadata: ["subject": "\(subject)"])
            return nil
        }
        return rule.state(count: n, nowSeconds: now)
    }

    func required(_ principal: Principal?) throws(Problem) -> Principal {
        guard let principal else { throw .unauthenticated }
        return principal
    }

    // MARK: Handlers

    func createLink(_ request: HTTPRequest, _ principal: Principal) throws(Problem) -> HTTPResponse {
        let body = try jsonBody(request)
        var errors: [FieldError] = []
        let longURL = body.string("longUrl", errors: &errors)
        // The optional members are nullable: null means "none", as the spec says.
        let alias = body.string("customAlias", nullable: true, errors: &errors)
        let expiry = body.string("expirationDate", nullable: true, errors: &errors)
        let type = body.int("redirectType", nullable: true, errors: &errors)
        let team = body.string("teamId", nullable: true, errors: &errors)
        guard case .value(let url) = longURL else {
            if longURL == .absent, !errors.contains(where: { $0.field == "longUrl" }) {
                errors.insert(FieldError(field: "longUrl", code: "url.required", message: "is required"), at: 0)
            }
            throw .validation(ValidationError(errors))
        }
        guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
        let input = CreateLinkRequest(longURL: url, customAlias: alias.valueOrNil, expirationDate: expiry.valueOrNil,
                                      redirectType: type.valueOrNil, teamID: team.valueOrNil)
        let link = try call { () throws(LinkServiceError) in try links.create(input, by: principal) }
        return try json(201, LinkBody(link: link, baseURL: baseURL),
                        headers: [("Location", "/api/v1/urls/\(link.code)")])
    }

    func readLink(_ alias: String, _ principal: Principal) throws(Problem) -> HTTPResponse {
        let link = try call { () throws(LinkServiceError) in try links.get(code: alias, by: principal) }
        return try json(200, LinkBody(link: link, baseURL: baseURL))
    }

    func updateLink(_ alias: String, _ request: HTTPRequest, _ principal: Principal) throws(Problem) -> HTTPResponse {
        let body = try jsonBody(request)
        var errors: [FieldError] = []
        var patch = UpdateLinkRequest()
        patch.longURL = body.string("longUrl", errors: &errors)
        patch.expirationDate = body.string("expirationDate", nullable: true, errors: &errors)  // null removes it
        patch.isActive = body.bool("isActive", errors: &errors)
        patch.redirectType = body.int("redirectType", errors: &errors)
        if errors.isEmpty, patch.isEmpty {
            errors.append(FieldError(field: "longUrl", code: "patch.empty",
                                     message: "give at least one of longUrl, expirationDate, isActive, redirectType"))
        }
        guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
        let link = try call { () throws(LinkServiceError) in try links.update(code: alias, patch, by: principal) }
        return try json(200, LinkBody(link: link, baseURL: baseURL))
    }

    func deleteLink(_ alias: String, _ principal: Principal) throws(Problem) -> HTTPResponse {
        try call { () throws(LinkServiceError) in try links.delete(code: alias, by: principal) }
        return HTTPResponse(status: 204)
    }

    func healthResponse() -> HTTPResponse {
        let db = health.isDatabaseUp()
        let cache = health.isCacheUp()
        let status = db ? (cache ? "ok" : "degraded") : "unavailable"
        let body = "{\"cache\":\"\(cache ? "up" : "down")\",\"database\":\"\(db ? "up" : "down")\",\"status\":\"\(status)\"}"
        return HTTPResponse(status: db ? 200 : 503, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
    }

    // MARK: Plumbing

    /// The principal behind the request's API key or access token; 401 when none or unknown, 503 when the
    /// store is down.
    func authenticate(_ request: HTTPRequest) throws(Problem) -> Principal {
        var presented: String?
        if let auth = request.header("authorization") {
            let parts = auth.split(separator: " ", maxSplits: 1)
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
        do { found = try auth.principal(accessToken: token) } catch {
            if case .unavailable = error { throw .unavailable("the account database") }
            throw refused
        }
        guard let principal = found else { throw refused }
        return principal
    }

    /// The request body as a JSON object: 415 unless `application/json` (UTF-8), 413 when too large, 400
    /// when malformed.
    func jsonBody(_ request: HTTPRequest) throws(Problem) -> JSONObject {
        guard let type = MediaType(parsing: request.header("content-type") ?? ""), type.isJSON else {
            throw .unsupportedMediaType
        }
        if let length = request.contentLength, length > maxBody { throw .tooLarge(maxBody) }
        guard let bytes = request.readBody(maxBody) else { throw .tooLarge(maxBody) }
        return try JSONObject(parsing: bytes)
    }

    func json<T: Encodable>(_ status: Int, _ value: T, headers: [(String, String)] = []) throws(Problem) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { throw .internal("encoding \(T.self) failed") }
        return HTTPResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(data))
    }
}

extension PatchField {
    /// The value, or nil when absent or null.
    var valueOrNil: Value? {
        if case .value(let v) = self { return v }
        return nil
    }
}
