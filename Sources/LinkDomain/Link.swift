import Foundation

/// How a short link answers: the HTTP status of its redirect.
public enum RedirectType: Int, Sendable, CaseIterable, Codable {
    case movedPermanently = 301
    case found = 302
    case temporaryRedirect = 307
    case permanentRedirect = 308

    /// The default for new links: 302, so browsers do not cache the answer and every click is counted.
    public static let `default`: RedirectType = .found

    /// The reason phrase for the status line.
    public var reasonPhrase: String {
        switch self {
        case .movedPermanently: return "Moved Permanently"
        case .found: return "Found"
        case .temporaryRedirect: return "Temporary Redirect"
        case .permanentRedirect: return "Permanent Redirect"
        }
    }
}

/// A stored short link, as the API and the store see it.
public struct Link: Sendable, Equatable {
    /// Database row id (internal; never shown to API clients).
    public var id: Int64
    /// Public identifier (UUID) shown as `id` in the API.
    public var publicID: String
    /// The domain the code lives on.
    public var domainID: Int64
    /// The case-sensitive short code (the alias).
    public var code: String
    /// Where the link sends visitors.
    public var longURL: String
    /// The status code of the redirect.
    public var redirectType: RedirectType
    /// False when the owner paused the link: it answers 410.
    public var isActive: Bool
    /// After this instant the link answers 410.
    public var expiresAt: Date?
    /// The user who owns the link.
    public var ownerUserID: Int64?
    /// When the link was created.
    public var createdAt: Date
    /// When the link was last changed.
    public var updatedAt: Date
    /// The team that owns the link (its members' roles decide who may see and change it), if any.
    public var teamID: Int64?
    /// The team's public id, for the API.
    public var teamPublicID: String?
    /// The owner lets search engines index the short URL (otherwise it answers `X-Robots-Tag: noindex`).
    public var allowIndexing: Bool
    /// How the destination is rewritten per visit (UTM builder, query parameters); nil: the default.
    public var rewrite: RewriteRules?

    /// Creates a link value.
    public init(id: Int64, publicID: String, domainID: Int64, code: String, longURL: String,
                redirectType: RedirectType, isActive: Bool, expiresAt: Date?, ownerUserID: Int64?,
                createdAt: Date, updatedAt: Date, teamID: Int64? = nil, teamPublicID: String? = nil, allowIndexing: Bool = false,
                rewrite: RewriteRules? = nil) {
        self.allowIndexing = allowIndexing
        self.rewrite = rewrite
        self.teamID = teamID
        self.teamPublicID = teamPublicID
        self.id = id
        self.publicID = publicID
        self.domainID = domainID
        self.code = code
        self.longURL = longURL
        self.redirectType = redirectType
        self.isActive = isActive
        self.expiresAt = expiresAt
        self.ownerUserID = ownerUserID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The part of the link the redirect needs, as cached.
    public var snapshot: LinkSnapshot {
        LinkSnapshot(id: id, redirectType: redirectType, isActive: isActive,
                     expiresAtMillis: expiresAt.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) },
                     longURL: longURL, allowsIndexing: allowIndexing, rewrite: rewrite)
    }
}
