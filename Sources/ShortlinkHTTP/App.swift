import Foundation
import LinkDomain
import Logging
import ShortlinkCore

/// The HTTP application: routes a request to the redirect or to an API handler and turns every failure
/// into a problem+json (or a small HTML page for browsers on the redirect path).
public final class ShortlinkApp {
    let links: LinkService
    let clock: Clock
    let api: APIRouter
    let baseURL: String
    let logger: Logger

    /// The application: the short-link host over `links`, the API over `api`.
    public init(links: LinkService, clock: Clock, api: APIRouter, baseURL: String, logger: Logger) {
        self.links = links
        self.clock = clock
        self.api = api
        self.baseURL = baseURL
        self.logger = logger
    }

    /// Answers one request. After the answer is sent, `afterResponse` (if set) records the click.
    public func handle(_ request: HTTPRequest) -> (HTTPResponse, ClickRecord?) {
        let path = request.path
        if path.hasPrefix("/api/") || path == "/api" {
            let requestID = Self.newRequestID()
            var response: HTTPResponse
            do { response = try api.answer(request) } catch {
                var problem = error
                if problem.status >= 500 {
                    // The one place where server-side failures are logged, with what went wrong (never sent)
                    // and the request id the client sees.
                    logger.error("api request failed", metadata: [
                        "status": "\(problem.status)", "path": "\(path)", "request_id": "\(requestID)",
                        "error": "\(problem.logDetail ?? problem.detail)",
                    ])
                    problem.extensions["requestId"] = requestID
                }
                response = problem.response()
            }
            response.headers.append(("Cache-Control", "no-store"))
            response.headers.append(("X-Request-Id", requestID))
            if request.method == "HEAD" { response.omitBody = true }
            return (response, nil)
        }
        // The product's own paths are answered by the product, never looked up as short links: no link can
        // stand in for a page that the product serves, mails or has announced.
        if ProductPaths.isProductPath(path[...]) { return (productPage(request), nil) }
        return redirect(request)
    }

    /// 16 hex digits from the system's CSPRNG: names one API request in its answer and in the log.
    static func newRequestID() -> String {
        var generator = SystemRandomNumberGenerator()
        let n = generator.next() as UInt64
        let hex = String(n, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// A product path that has no page (yet): 404 from the product, negotiated like every error page.
    func productPage(_ request: HTTPRequest) -> HTTPResponse {
        page(for: .notFound("there is no page at this address"), request)
    }

    // MARK: The redirect

    /// The short-link host: the facts of the visit, the lookup, then `RedirectEngine` decides the whole
    /// answer (status, headers, whether it is a click) and this only renders it.
    func redirect(_ request: HTTPRequest) -> (HTTPResponse, ClickRecord?) {
        let visit = Visit(method: request.method, nowMillis: Timestamp.millis(clock.now), clientAddress: request.remoteAddress,
                          userAgent: request.header("user-agent") ?? "", referrer: request.header("referer") ?? "",
                          acceptLanguage: request.header("accept-language") ?? "", query: request.query,
                          doNotTrack: request.header("dnt") == "1")
        if let refused = RedirectEngine.refusal(visit) { return (render(refused, request), nil) }
        if request.path == "/" {
            // The bare domain: an orphan visit (someone typed or cut a short link).
            return (landingPage(isHead: visit.isHead), visit.isHead ? nil : record(.orphanVisit, code: "", status: 200, visit))
        }
        let code = request.path.dropFirst()  // the leading "/"
        // Only plausible codes are looked up, and only they are kept as orphan visits when unknown (a scanner's
        // paths are answered, not recorded).
        guard AliasRules.isPlausibleCode(code.utf8) else {
            var answer = RedirectEngine.answer(nil, visit)
            answer.record = nil
            return (render(answer, request), nil)
        }
        let snapshot: LinkSnapshot?
        do { snapshot = try links.resolve(code: String(code)) } catch {
            logger.error("redirect lookup failed", metadata: ["error": "\(error)"])
            return (page(for: .unavailable("the link database"), request), nil)
        }
        let answer = RedirectEngine.answer(snapshot, visit)
        return (render(answer, request), answer.record.map { record($0, code: String(code), status: answer.status, visit, location: answer.location) })
    }

    /// The spool record of a visit the engine decided to record.
    func record(_ what: RedirectAnswer.Recording, code: String, status: Int, _ visit: Visit, location: String? = nil) -> ClickRecord {
        let linkID: Int64
        switch what {
        case .click(let id): linkID = id
        case .orphanVisit: linkID = 0
        }
        return ClickRecord(timeMillis: visit.nowMillis, linkID: linkID, domainID: links.domainID, code: code, status: status,
                           ip: visit.clientAddress, userAgent: visit.userAgent, referer: visit.referrer, query: visit.query,
                           location: location ?? "", doNotTrack: visit.doNotTrack, viaQR: visit.isQRScan)
    }

    /// The response for an engine's answer: a redirect as decided, a page as the client negotiates it.
    func render(_ answer: RedirectAnswer, _ request: HTTPRequest) -> HTTPResponse {
        var response: HTTPResponse
        switch answer.kind {
        case .redirect:
            // The hot path: one small array.
            response = HTTPResponse(status: answer.status, headers: [("Location", answer.location ?? ""),
                                                                     ("Cache-Control", answer.cacheControl ?? "no-store")])
            if let robots = answer.robots { response.headers.append(("X-Robots-Tag", robots)) }
        case .methodNotAllowed:
            var problem = Problem.methodNotAllowed(RedirectEngine.allowedMethods)
            problem.headers = answer.headers.map { ($0.name, $0.value) }
            response = problem.response()
        case .page(.notFound):
            response = negotiatedPage(.linkNotFound, request, headers: answer.headers.map { ($0.name, $0.value) })
        case .page(.gone(let reason)):
            response = negotiatedPage(.gone(reason), request, headers: answer.headers.map { ($0.name, $0.value) })
        }
        response.omitBody = answer.omitBody
        return response
    }

    /// What a browser pointed at the bare short domain sees.
    func landingPage(isHead: Bool) -> HTTPResponse {
        let html = """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>shortlink</title>\
        <meta name="viewport" content="width=device-width,initial-scale=1">\
        <style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}\
        code{background:#f3f3f3;padding:0 .2em}</style></head><body><h1>shortlink</h1>\
        <p>This host serves short links: <code>\(baseURL)/&lt;alias&gt;</code>.</p>\
        <p>Create them with the JSON API at <code>/api/v1/urls</code> (HTTPS, API key); \
        <a href="/api/v1/health">health</a>.</p></body></html>

        """
        var response = HTTPResponse(status: 200, headers: [("Content-Type", "text/html; charset=utf-8"),
                                                           ("Cache-Control", "public, max-age=300")], body: Array(html.utf8))
        response.omitBody = isHead
        return response
    }

    /// A problem as JSON for API clients, or as a small HTML page for browsers; never cached.
    func page(for problem: Problem, _ request: HTTPRequest) -> HTTPResponse {
        negotiatedPage(problem, request, headers: [("Cache-Control", "no-store")])
    }

    /// `problem` as problem+json or as a small HTML page, as the `Accept` header weighs them, with `headers`.
    func negotiatedPage(_ problem: Problem, _ request: HTTPRequest, headers: [(String, String)]) -> HTTPResponse {
        var response: HTTPResponse
        if Self.prefersJSON(request.header("accept")) {
            response = problem.response()
        } else {
            let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(problem.status) \(problem.title)</title>\
            <meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">\
            <style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}</style>\
            </head><body><h1>\(problem.title)</h1><p>\(problem.detail.capitalizedFirst).</p></body></html>

            """
            response = HTTPResponse(status: problem.status,
                                    headers: [("Content-Type", "text/html; charset=utf-8")] + problem.headers,
                                    body: Array(html.utf8))
        }
        response.headers += headers
        if request.method == "HEAD" { response.omitBody = true }
        return response
    }
}

extension ShortlinkApp {
    static let htmlType = MediaType(parsing: "text/html")!
    static let problemTypes = [MediaType(parsing: "application/problem+json")!, MediaType(parsing: "application/json")!]

    /// True when the `Accept` header weighs JSON (problem+json or plain JSON) above HTML (RFC 9110 §12.5.1);
    /// HTML wins ties and answers clients that accept neither.
    static func prefersJSON(_ accept: String?) -> Bool {
        let header = AcceptHeader(accept)
        let json = problemTypes.map(header.quality(of:)).max() ?? 0
        return json > header.quality(of: htmlType)
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
