/// The minimal, cacheable view of a link that the redirect engine needs: what memcached and each worker's
/// local cache hold.
///
/// The cached text is versioned, so that the form can grow (rules, limits, rewriting) without breaking the
/// entries a previous version wrote, and without a flag day in a rolling upgrade:
///
/// - version 2 (written now): `2|<id>|<status>|<flags>|<expiresMillis or empty>|<extensions>|<url>`. `flags` is
///   a decimal bit set (bit 0: active; bit 1: search engines may index the short URL). A reader ignores bits
///   it does not know. `extensions` is empty or `name=value` pairs joined by `,`; names are
///   `[a-z0-9-]`, values are percent-encoded (no `|`, `,`, `=` or `%` left bare). A reader ignores an extension
///   it does not know, unless its name starts with `!`: such an extension changes what the link does (a
///   password, a click limit), so a reader that does not know it treats the entry as a miss and asks the
///   database, and never serves a link it does not fully understand.
/// - version 1 (still read): `1|<id>|<status>|<active 0/1>|<expiresMillis or empty>|<url>`.
///
/// A version a reader does not know is a miss. The URL is last, so it may contain `|`.
public struct LinkSnapshot: Sendable, Equatable {
    /// Database row id, recorded with each click.
    public var id: Int64
    /// The redirect status.
    public var redirectType: RedirectType
    /// False when paused.
    public var isActive: Bool
    /// Expiry in milliseconds since the Unix epoch (UTC), if any.
    public var expiresAtMillis: Int64?
    /// The link opted in to being indexed by search engines (otherwise `X-Robots-Tag: noindex`).
    public var allowsIndexing: Bool
    /// How the destination is rewritten per visit; nil: the default (the visitor's query passed on). Cached as
    /// the critical extension `!rewrite`, so a worker that cannot rewrite never serves such a link from cache.
    public var rewrite: RewriteRules?
    /// The destination.
    public var longURL: String
    /// Extensions this version carries but does not interpret, kept in order so an entry re-encodes as read.
    public var extensions: [(name: String, value: String)] = []

    /// The version `encoded` writes.
    public static let currentVersion = 2

    /// Creates a snapshot.
    public init(id: Int64, redirectType: RedirectType, isActive: Bool, expiresAtMillis: Int64?, longURL: String,
                allowsIndexing: Bool = false, rewrite: RewriteRules? = nil) {
        self.allowsIndexing = allowsIndexing
        self.rewrite = rewrite
        self.id = id
        self.redirectType = redirectType
        self.isActive = isActive
        self.expiresAtMillis = expiresAtMillis
        self.longURL = longURL
    }

    /// Equal in every field, extensions included.
    public static func == (a: LinkSnapshot, b: LinkSnapshot) -> Bool {
        a.id == b.id && a.redirectType == b.redirectType && a.isActive == b.isActive && a.expiresAtMillis == b.expiresAtMillis
            && a.allowsIndexing == b.allowsIndexing && a.rewrite == b.rewrite
            && a.longURL == b.longURL && a.extensions.elementsEqual(b.extensions, by: { $0 == $1 })
    }

    /// The cache encoding of this snapshot (version 2).
    public var encoded: String {
        let flags = (isActive ? 1 : 0) | (allowsIndexing ? 2 : 0)
        let known = rewrite.map { [(name: "!rewrite", value: $0.encoded)] } ?? []
        let ext = (known + extensions).map { "\($0.name)=\(Self.escape($0.value))" }.joined(separator: ",")
        return "2|\(id)|\(redirectType.rawValue)|\(flags)|\(expiresAtMillis.map(String.init) ?? "")|\(ext)|\(longURL)"
    }

    /// Decodes a cache entry of version 1 or 2; nil (a cache miss) for anything else, for a malformed entry, and
    /// for an entry with a critical extension (`!name`) this version does not know.
    public init?(encoded text: Substring) {
        guard let bar = text.firstIndex(of: "|") else { return nil }
        switch text[..<bar] {
        case "1": self.init(version1: text[text.index(after: bar)...])
        case "2": self.init(version2: text[text.index(after: bar)...])
        default: return nil
        }
    }

    private init?(version1 text: Substring) {
        guard let f = Self.split(text, count: 5),
              let id = Int64(f[0]), let type = Int(f[1]).flatMap(RedirectType.init(rawValue:)),
              f[2] == "0" || f[2] == "1", !f[4].isEmpty, case .valid(let expires) = Self.expiry(f[3])
        else { return nil }
        self.init(id: id, redirectType: type, isActive: f[2] == "1", expiresAtMillis: expires, longURL: String(f[4]))
    }

    private init?(version2 text: Substring) {
        guard let f = Self.split(text, count: 6),
              let id = Int64(f[0]), let type = Int(f[1]).flatMap(RedirectType.init(rawValue:)),
              let flags = UInt64(f[2]), !f[5].isEmpty, case .valid(let expires) = Self.expiry(f[3])
        else { return nil }
        self.init(id: id, redirectType: type, isActive: flags & 1 == 1, expiresAtMillis: expires, longURL: String(f[5]),
                  allowsIndexing: flags & 2 == 2)
        if !f[4].isEmpty {
            for pair in f[4].split(separator: ",", omittingEmptySubsequences: false) {
                guard let eq = pair.firstIndex(of: "="), let value = Self.unescape(pair[pair.index(after: eq)...]) else { return nil }
                let name = pair[..<eq]
                let critical = name.first == "!"
                let bare = critical ? name.dropFirst() : name
                guard !bare.isEmpty, bare.utf8.allSatisfy(Self.isNameByte) else { return nil }
                // The one critical extension this version understands; any other is a miss.
                if name == "!rewrite" {
                    guard rewrite == nil, let rules = RewriteRules(encoded: value) else { return nil }
                    rewrite = rules
                    continue
                }
                if critical { return nil }
                extensions.append((String(name), value))
            }
        }
    }

    /// The first `count - 1` `|`-separated fields and the rest (which may hold `|`); nil when fewer.
    private static func split(_ text: Substring, count: Int) -> [Substring]? {
        var fields: [Substring] = []
        fields.reserveCapacity(count)
        var rest = text
        for _ in 1..<count {
            guard let bar = rest.firstIndex(of: "|") else { return nil }
            fields.append(rest[..<bar])
            rest = rest[rest.index(after: bar)...]
        }
        fields.append(rest)
        return fields
    }

    private enum Expiry { case valid(Int64?), invalid }

    /// The expiry field: empty (none) or decimal milliseconds.
    private static func expiry(_ field: Substring) -> Expiry {
        if field.isEmpty { return .valid(nil) }
        return Int64(field).map { .valid($0) } ?? .invalid
    }

    private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-")
    }

    /// Percent-encodes the bytes that would break the entry's framing.
    static func escape(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "%", "|", ",", "=", "\r", "\n": out += "%" + String(scalar.value, radix: 16, uppercase: true).leftPadded(2)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Reverses `escape`; nil on a bad escape.
    static func unescape(_ text: Substring) -> String? {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var i = text.utf8.startIndex
        let utf8 = text.utf8
        while i < utf8.endIndex {
            let b = utf8[i]
            if b == UInt8(ascii: "%") {
                let h = utf8.index(after: i)
                guard h < utf8.endIndex, utf8.index(after: h) < utf8.endIndex,
                      let v = UInt8(String(decoding: utf8[h...utf8.index(after: h)], as: UTF8.self), radix: 16) else { return nil }
                bytes.append(v)
                i = utf8.index(h, offsetBy: 2)
            } else {
                bytes.append(b)
                i = utf8.index(after: i)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
