/// The facts about one visit to a short link that the redirect may use. Everything the coming rules
/// (targeting, A/B tests, schedules, limits, access) will decide on comes in here, never from a global.
public struct Visit: Sendable, Equatable {
    /// `GET`, `HEAD`, …
    public var method: String
    /// When, in ms since the Unix epoch.
    public var nowMillis: Int64
    /// The client's address as nginx saw it.
    public var clientAddress: String
    /// `User-Agent`, empty when absent.
    public var userAgent: String
    /// `Referer`, empty when absent.
    public var referrer: String
    /// `Accept-Language`, empty when absent.
    public var acceptLanguage: String
    /// The raw query string.
    public var query: String
    /// True when the visitor sent `DNT: 1` (the ingester also honours `dnt=1` in the query): the visit is
    /// counted, nothing personal kept.
    public var doNotTrack: Bool

    /// Creates a visit.
    public init(method: String, nowMillis: Int64, clientAddress: String = "", userAgent: String = "", referrer: String = "",
                acceptLanguage: String = "", query: String = "", doNotTrack: Bool = false) {
        self.doNotTrack = doNotTrack
        self.method = method
        self.nowMillis = nowMillis
        self.clientAddress = clientAddress
        self.userAgent = userAgent
        self.referrer = referrer
        self.acceptLanguage = acceptLanguage
        self.query = query
    }

    /// True for HEAD: answered like GET, without a body, and not a click.
    public var isHead: Bool { method == "HEAD" }

    /// True when the visit came from the link's QR code, whose URL carries the parameter `qr=1`.
    public var isQRScan: Bool {
        !query.isEmpty && query.utf8.split(separator: UInt8(ascii: "&")).contains { $0.elementsEqual("qr=1".utf8) }
    }
}

/// What the short-link host answers for one visit: a pure function of the link and the visit.
public struct RedirectAnswer: Sendable, Equatable {
    /// A page instead of a redirect.
    public enum Page: Sendable, Equatable {
        /// 404: no such link.
        case notFound
        /// 410: the link exists but no longer redirects.
        case gone(RedirectDecision.GoneReason)
    }

    /// What kind of answer.
    public enum Kind: Sendable, Equatable {
        /// Send the visitor on: `Location` is in `headers`.
        case redirect
        /// Show a page (HTML or problem+json, as the client negotiates).
        case page(Page)
        /// 405 with `Allow`.
        case methodNotAllowed
    }

    /// The status code.
    public var status: Int
    /// The kind of answer.
    public var kind: Kind
    /// `Location`, for a redirect.
    public var location: String?
    /// `Cache-Control`, when the answer sets one.
    public var cacheControl: String?
    /// `Allow`, for a 405.
    public var allow: String?
    /// `X-Robots-Tag`: `noindex` unless the link opts in to indexing (search engines then list the short URL).
    public var robots: String? = nil
    /// True for HEAD: headers only.
    public var omitBody: Bool
    /// What to record of this visit: a click of a link (a GET that redirects), an orphan visit (a GET of a
    /// code no link holds: broken links in the wild), or nothing (HEAD probes, pages of existing links, 405).
    public var record: Recording?

    /// What is recorded of a visit.
    public enum Recording: Sendable, Equatable {
        case click(linkID: Int64)
        case orphanVisit
    }

    /// The link whose click this visit is, if it is one.
    public var clickOf: Int64? {
        if case .click(let id) = record { return id }
        return nil
    }

    /// The header fields, in order (kept as fields above so that the hot path allocates no array for them).
    public var headers: [HeaderField] {
        var out: [HeaderField] = []
        if let location { out.append(.init("Location", location)) }
        if let cacheControl { out.append(.init("Cache-Control", cacheControl)) }
        if let allow { out.append(.init("Allow", allow)) }
        if let robots { out.append(.init("X-Robots-Tag", robots)) }
        return out
    }

    /// One header field.
    public struct HeaderField: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }
}

/// The redirect engine: decides the whole answer (status, headers, whether a click is recorded) from the
/// link and the facts of the visit, with no I/O, clock or randomness of its own.
public enum RedirectEngine {
    /// The methods a short link answers.
    public static let allowedMethods = ["GET", "HEAD"]

    /// Refuses a visit before any lookup: 405 for a method other than GET and HEAD; nil when the visit may
    /// proceed.
    public static func refusal(_ visit: Visit) -> RedirectAnswer? {
        guard !allowedMethods.contains(visit.method) else { return nil }
        return RedirectAnswer(status: 405, kind: .methodNotAllowed, location: nil, cacheControl: nil,
                              allow: allowedMethods.joined(separator: ", "), omitBody: false, record: nil)
    }

    /// The answer for `link` (nil when there is none) and `visit`.
    ///
    /// Temporary redirects (302, 307) are not cached by browsers (`private, no-cache`), so every click reaches
    /// us and is counted; permanent ones (301, 308) may be cached by the browser for 90 seconds only, so that
    /// an edit or a pause still takes effect soon. Pages are never cached. HEAD is answered like GET but is a
    /// probe (link checkers, unfurlers), not a click. Search engines are told not to index a short URL
    /// (`X-Robots-Tag: noindex`) unless its link opts in, nor any page.
    public static func answer(_ link: LinkSnapshot?, _ visit: Visit) -> RedirectAnswer {
        if let refused = refusal(visit) { return refused }
        switch RedirectDecision.decide(link, nowMillis: visit.nowMillis) {
        case .notFound:
            return page(.notFound, 404, visit)
        case .gone(let reason):
            return page(.gone(reason), 410, visit)
        case .redirect(let type, let location, let linkID):
            let permanent = type == .movedPermanently || type == .permanentRedirect
            let target = URLRewriter.location(location, visitorQuery: visit.query, rules: link?.rewrite)
            return RedirectAnswer(status: type.rawValue, kind: .redirect, location: target,
                                  cacheControl: permanent ? "private, max-age=90" : "private, no-cache", allow: nil,
                                  robots: link?.allowsIndexing == true ? nil : "noindex",
                                  omitBody: visit.isHead, record: visit.isHead ? nil : .click(linkID: linkID))
        }
    }

    private static func page(_ page: RedirectAnswer.Page, _ status: Int, _ visit: Visit) -> RedirectAnswer {
        RedirectAnswer(status: status, kind: .page(page), location: nil, cacheControl: "no-store", allow: nil, robots: "noindex",
                       omitBody: visit.isHead, record: page == .notFound && !visit.isHead ? .orphanVisit : nil)
    }
}
