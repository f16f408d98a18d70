/// The minimal, cacheable view of a link that the redirect decision needs.
///
/// Encoded for memcached as one line of text: `1|<id>|<status>|<active>|<expiresMillis or empty>|<url>`.
/// The URL is last, so it may contain `|`.
public struct LinkSnapshot: Sendable, Equatable {
    /// Database row id, recorded with each click.
    public var id: Int64
    /// The redirect status.
    public var redirectType: RedirectType
    /// False when paused.
    public var isActive: Bool
    /// Expiry in milliseconds since the Unix epoch (UTC), if any.
    public var expiresAtMillis: Int64?
    /// The destination.
    public var longURL: String

    /// Creates a snapshot.
    public init(id: Int64, redirectType: RedirectType, isActive: Bool, expiresAtMillis: Int64?, longURL: String) {
        self.id = id
        self.redirectType = redirectType
        self.isActive = isActive
        self.expiresAtMillis = expiresAtMillis
        self.longURL = longURL
    }

    /// The cache encoding of this snapshot.
    public var encoded: String {
        "1|\(id)|\(redirectType.rawValue)|\(isActive ? 1 : 0)|\(expiresAtMillis.map(String.init) ?? "")|\(longURL)"
    }

    /// Decodes a cache entry; nil when the text is not a version-1 entry (treated as a cache miss).
    public init?(encoded text: Substring) {
        var fields: [Substring] = []
        fields.reserveCapacity(6)
        var rest = text[...]
        for _ in 0..<5 {
            guard let bar = rest.firstIndex(of: "|") else { return nil }
            fields.append(rest[..<bar])
            rest = rest[rest.index(after: bar)...]
        }
        fields.append(rest)
        guard fields[0] == "1",
              let id = Int64(fields[1]),
              let status = Int(fields[2]), let type = RedirectType(rawValue: status),
              fields[3] == "0" || fields[3] == "1",
              !fields[5].isEmpty
        else { return nil }
        let expires: Int64?
        if fields[4].isEmpty { expires = nil } else {
            guard let value = Int64(fields[4]) else { return nil }
            expires = value
        }
        self.init(id: id, redirectType: type, isActive: fields[3] == "1", expiresAtMillis: expires,
                  longURL: String(fields[5]))
    }
}
