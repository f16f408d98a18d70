import Foundation

/// What a link does to its destination's query string on each visit (001 `utm_builder` and `query_params`).
public struct RewriteRules: Sendable, Equatable {
    /// The UTM builder: values for `utm_source`, `utm_medium`, `utm_campaign`, `utm_term`, `utm_content`.
    public var utm: [(name: String, value: String)]
    /// True: the builder's values replace those the URL already has; false: an existing value is kept.
    public var overrideUTM: Bool
    /// The visitor's own query string is passed on (parameters the destination already names keep the
    /// destination's value).
    public var passVisitorQuery: Bool
    /// Parameters added to every visit (replacing any of the same name).
    public var inject: [(name: String, value: String)]
    /// Parameters removed, by exact name or by a glob (`*` any run, `?` one character): `utm_*`, `fbclid`.
    public var remove: [String]

    /// Creates rules; the defaults change nothing but pass the visitor's query on.
    public init(utm: [(name: String, value: String)] = [], overrideUTM: Bool = false, passVisitorQuery: Bool = true,
                inject: [(name: String, value: String)] = [], remove: [String] = []) {
        self.utm = utm
        self.overrideUTM = overrideUTM
        self.passVisitorQuery = passVisitorQuery
        self.inject = inject
        self.remove = remove
    }

    public static func == (a: RewriteRules, b: RewriteRules) -> Bool {
        a.overrideUTM == b.overrideUTM && a.passVisitorQuery == b.passVisitorQuery && a.remove == b.remove
            && a.utm.elementsEqual(b.utm, by: { $0 == $1 }) && a.inject.elementsEqual(b.inject, by: { $0 == $1 })
    }

    /// The UTM parameters the builder may set.
    public static let utmNames = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"]

    /// True for the rules of a link that set nothing: the visitor's query passed on, nothing else.
    public var isDefault: Bool { self == RewriteRules() }

    /// Limits on what a link may ask for.
    public static let maxParameters = 20, maxNameLength = 64, maxValueLength = 512

    /// The rules' own errors, by field (`utmBuilder`, `queryParams.inject`, `queryParams.remove`).
    public func validate() throws(ValidationError) {
        var errors: [FieldError] = []
        for (name, value) in utm {
            if !Self.utmNames.contains(name) {
                errors.append(FieldError(field: "utmBuilder.params", code: "utm.name", message: "\(name) is not one of source, medium, campaign, term, content"))
            }
            if value.unicodeScalars.count > Self.maxValueLength {
                errors.append(FieldError(field: "utmBuilder.params", code: "utm.length", message: "a value is longer than \(Self.maxValueLength) characters"))
            }
        }
        if inject.count > Self.maxParameters {
            errors.append(FieldError(field: "queryParams.inject", code: "inject.count", message: "at most \(Self.maxParameters) parameters"))
        }
        for (name, value) in inject {
            // Lengths in code points, as JSON Schema counts them.
            if name.isEmpty || name.unicodeScalars.count > Self.maxNameLength
                || name.unicodeScalars.contains(where: { $0 == "&" || $0 == "=" || $0 == "#" || $0.properties.isWhitespace }) {
                errors.append(FieldError(field: "queryParams.inject", code: "inject.name",
                                         message: "a name must be 1 to \(Self.maxNameLength) characters without &, =, # or spaces"))
            } else if value.unicodeScalars.count > Self.maxValueLength {
                errors.append(FieldError(field: "queryParams.inject", code: "inject.length", message: "a value is longer than \(Self.maxValueLength) characters"))
            }
        }
        if remove.count > Self.maxParameters {
            errors.append(FieldError(field: "queryParams.remove", code: "remove.count", message: "at most \(Self.maxParameters) names or globs"))
        }
        for pattern in remove where !Self.isGlob(pattern) {
            errors.append(FieldError(field: "queryParams.remove", code: "remove.glob",
                                     message: "\(pattern.prefix(80)) is not a name or glob: 1 to \(Self.maxNameLength) of letters, digits, - . _ ~ [ ] and the wildcards * and ?"))
        }
        if !errors.isEmpty { throw ValidationError(errors) }
    }

    /// A parameter name, or a glob of one: letters, digits, `-._~[]`, and the wildcards `*` and `?`.
    public static func isGlob(_ s: String) -> Bool {
        !s.isEmpty && s.unicodeScalars.count <= maxNameLength && s.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-._~[]*?".unicodeScalars.contains($0)
        }
    }

    /// The stored and cached form: compact JSON (`u` builder pairs, `o` override, `p` pass-through, `i`
    /// injected pairs, `r` removals).
    public var encoded: String {
        let stored = Stored(u: utm.map { [$0.name, $0.value] }, o: overrideUTM, p: passVisitorQuery, i: inject.map { [$0.name, $0.value] },
                            r: remove)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(stored)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Reads `encoded`; nil when it is not that form.
    public init?(encoded text: String) {
        guard let s = try? JSONDecoder().decode(Stored.self, from: Data(text.utf8)),
              s.u.allSatisfy({ $0.count == 2 }), s.i.allSatisfy({ $0.count == 2 }) else { return nil }
        self.init(utm: s.u.map { ($0[0], $0[1]) }, overrideUTM: s.o, passVisitorQuery: s.p, inject: s.i.map { ($0[0], $0[1]) }, remove: s.r)
    }

    private struct Stored: Codable {
        var u: [[String]]
        var o: Bool
        var p: Bool
        var i: [[String]]
        var r: [String]
    }
}

/// Rewrites a destination URL for one visit, as a pure function of the URL, the visitor's query string and the
/// link's rules.
///
/// Only the query changes: scheme, authority (IDN hosts, IPv6 literals, ports) and path are kept byte for byte,
/// and so is the fragment (everything after the first `#`, `?` included). Parameters keep their order and
/// their encoding as written (an encoded `/`, a `+`, an empty value, a name without `=`); repeated names keep
/// every occurrence. Names are compared decoded (`utm%5Fsource` is `utm_source`). Order of the steps: the
/// destination's parameters, then the visitor's (names the destination has are skipped); removals; the UTM
/// builder; the injected parameters. Values the rules add are percent-encoded (RFC 3986 unreserved characters
/// stay as they are).
public enum URLRewriter {
    /// One `name=value` pair as written, with its decoded name.
    struct Pair: Equatable {
        var raw: String
        var name: String
    }

    /// Parameters of the short URL that are shortlink's own (`qr=1` marks a QR scan, `dnt=1` asks not to be
    /// tracked): never passed on.
    public static let ownParameters: Set<String> = ["qr", "dnt"]

    /// The destination of one visit: `destination` as it is when there is nothing to do (no query, and no
    /// rules: nil stands for the default ones), else `rewrite`.
    public static func location(_ destination: String, visitorQuery: String, rules: RewriteRules?) -> String {
        if visitorQuery.isEmpty && rules == nil { return destination }
        return rewrite(destination, visitorQuery: visitorQuery, rules: rules ?? RewriteRules())
    }

    public static func rewrite(_ destination: String, visitorQuery: String, rules: RewriteRules) -> String {
        // Split off the fragment first: a `?` after `#` belongs to the fragment.
        var rest = Substring(destination)
        var fragment: Substring?
        if let hash = rest.firstIndex(of: "#") {
            fragment = rest[hash...]
            rest = rest[..<hash]
        }
        var base = rest
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            base = rest[..<mark]
            query = rest[rest.index(after: mark)...]
        }
        var pairs = parse(query)
        if rules.passVisitorQuery {
            let own = Set(pairs.map(\.name))
            pairs += parse(Substring(visible(visitorQuery))).filter { !own.contains($0.name) && !ownParameters.contains($0.name) }
        }
        if !rules.remove.isEmpty {
            pairs.removeAll { pair in rules.remove.contains { glob($0, matches: pair.name) } }
        }
        for (name, value) in rules.utm where !value.isEmpty {
            if pairs.contains(where: { $0.name == name }) {
                guard rules.overrideUTM else { continue }
                set(&pairs, name, value)
            } else {
                pairs.append(Pair(raw: encode(name) + "=" + encode(value), name: name))
            }
        }
        for (name, value) in rules.inject { set(&pairs, name, value) }
        var out = String(base)
        if !pairs.isEmpty { out += "?" + pairs.map(\.raw).joined(separator: "&") }
        if let fragment { out += fragment }
        return out
    }

    /// The pairs of a query string as written; empty pieces (`a=1&&b=2`) are dropped.
    static func parse(_ query: Substring) -> [Pair] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { piece in
            let name = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
            return Pair(raw: String(piece), name: decode(name))
        }
    }

    /// The visitor's query with every byte outside visible ASCII (controls, spaces, `#`, raw UTF-8)
    /// percent-encoded, so that what a client sent can only ever be query text in the `Location` we answer.
    static func visible(_ query: String) -> String {
        guard query.utf8.contains(where: { $0 < 0x21 || $0 > 0x7E || $0 == UInt8(ascii: "#") }) else { return query }
        var out = ""
        for b in query.utf8 {
            if b < 0x21 || b > 0x7E || b == UInt8(ascii: "#") {
                out += percent(b)
            } else {
                out.unicodeScalars.append(Unicode.Scalar(b))
            }
        }
        return out
    }

    /// `%XX` of one byte.
    static func percent(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return String(decoding: [UInt8(ascii: "%"), digits[Int(b >> 4)], digits[Int(b & 15)]], as: UTF8.self)
    }

    /// Replaces the first pair named `name` (dropping any later ones), or appends one.
    static func set(_ pairs: inout [Pair], _ name: String, _ value: String) {
        let pair = Pair(raw: encode(name) + "=" + encode(value), name: name)
        if let first = pairs.firstIndex(where: { $0.name == name }) {
            pairs[first] = pair
            var i = pairs.index(after: first)
            while i < pairs.endIndex {
                if pairs[i].name == name { pairs.remove(at: i) } else { i += 1 }
            }
        } else {
            pairs.append(pair)
        }
    }

    /// A query component decoded: `+` as a space, `%XX` as bytes; malformed escapes stay as written.
    static func decode(_ s: Substring) -> String {
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else if b == UInt8(ascii: "%"), it.count >= 2, let hi = hex(it[it.startIndex]), let lo = hex(it[it.startIndex + 1]) {
                bytes.append(hi << 4 | lo)
                it = it.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: return b - 48
        case 65...70: return b - 55
        case 97...102: return b - 87
        default: return nil
        }
    }

    /// Percent-encodes all but RFC 3986's unreserved characters.
    static func encode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case 48...57, 65...90, 97...122, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += percent(b)
            }
        }
        return out
    }

    /// `*` matches any run of characters, `?` one; everything else itself (no other syntax).
    public static func glob(_ pattern: String, matches name: String) -> Bool {
        let p = Array(pattern), n = Array(name)
        var pi = 0, ni = 0, star = -1, mark = 0
        while ni < n.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == n[ni]) {
                pi += 1; ni += 1
            } else if pi < p.count && p[pi] == "*" {
                star = pi; mark = ni; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; ni = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
