/// A media type as RFC 9110 §8.3.1 writes it: `type/subtype` with parameters, names case-insensitive.
struct MediaType: Equatable {
    /// Lower-cased type (`application`, `text`, `*`).
    var type: String
    /// Lower-cased subtype (`json`, `html`, `*`).
    var subtype: String
    /// Parameters with lower-cased names; values unquoted, as given.
    var parameters: [(name: String, value: String)]

    static func == (a: MediaType, b: MediaType) -> Bool {
        a.type == b.type && a.subtype == b.subtype && a.parameters.elementsEqual(b.parameters, by: { $0 == $1 })
    }

    /// Parses one media type (or media range); nil when it does not follow the grammar.
    init?(parsing text: some StringProtocol) {
        var scanner = HeaderScanner(text)
        scanner.skipSpaces()
        guard let type = scanner.token(), scanner.take("/"), let subtype = scanner.token() else { return nil }
        self.type = type.lowercased()
        self.subtype = subtype.lowercased()
        parameters = []
        while true {
            scanner.skipSpaces()
            if scanner.isAtEnd { break }
            guard scanner.take(";") else { return nil }
            scanner.skipSpaces()
            if scanner.isAtEnd { break }  // a trailing ';' is tolerated, as RFC 9110's grammar allows
            guard let name = scanner.token(), scanner.take("="), let value = scanner.token() ?? scanner.quotedString() else {
                return nil
            }
            parameters.append((name.lowercased(), value))
        }
    }

    /// The value of parameter `name` (lower case), if present.
    func parameter(_ name: String) -> String? { parameters.first { $0.name == name }?.value }

    /// True for exactly `application/json`, with no parameter but an optional UTF-8 `charset` (RFC 8259 §8.1
    /// makes UTF-8 the only encoding of JSON between systems).
    var isJSON: Bool {
        guard type == "application", subtype == "json" else { return false }
        return parameters.allSatisfy { $0.name == "charset" && $0.value.lowercased() == "utf-8" }
    }
}

/// Content negotiation over an `Accept` header (RFC 9110 §12.5.1).
struct AcceptHeader {
    /// One media range with its weight.
    struct Range {
        var type: String
        var subtype: String
        var parameters: [(name: String, value: String)]
        var quality: Double

        /// How specific this range is for `offer`, or nil when it does not match it: 3 for a match with
        /// parameters, 2 for `type/subtype`, 1 for `type/*`, 0 for `*/*`.
        func specificity(for offer: MediaType) -> Int? {
            if type == "*" { return subtype == "*" ? 0 : nil }
            guard type == offer.type else { return nil }
            if subtype == "*" { return 1 }
            guard subtype == offer.subtype else { return nil }
            if parameters.isEmpty { return 2 }
            let matches = parameters.allSatisfy { p in
                offer.parameters.contains { $0.name == p.name && $0.value.lowercased() == p.value.lowercased() }
            }
            return matches ? 3 : nil
        }
    }

    /// The ranges in the order given; empty when the header is absent or could not be parsed (then
    /// everything is acceptable).
    let ranges: [Range]

    /// Parses the header's value; a member that does not parse makes the whole header count as absent.
    init(_ value: String?) {
        guard let value, !value.allSatisfy({ $0 == " " || $0 == "\t" }) else { ranges = []; return }
        var out: [Range] = []
        for member in value.split(separator: ",") where !member.allSatisfy({ $0 == " " || $0 == "\t" }) {
            guard let media = MediaType(parsing: member), !(media.type == "*" && media.subtype != "*") else { ranges = []; return }
            var quality = 1.0
            var parameters: [(name: String, value: String)] = []
            var isAcceptParameter = false
            for p in media.parameters {
                if p.name == "q" {
                    guard let q = AcceptHeader.qvalue(p.value) else { ranges = []; return }
                    quality = q
                    isAcceptParameter = true
                } else if !isAcceptParameter {
                    parameters.append(p)  // parameters after q are accept-extensions, not media type parameters
                }
            }
            out.append(Range(type: media.type, subtype: media.subtype, parameters: parameters, quality: quality))
        }
        ranges = out
    }

    /// RFC 9110 §12.4.2: `0(.ddd)?` or `1(.000)?`.
    static func qvalue(_ text: String) -> Double? {
        let chars = Array(text.utf8)
        guard let first = chars.first, first == UInt8(ascii: "0") || first == UInt8(ascii: "1") else { return nil }
        if chars.count == 1 { return Double(first - UInt8(ascii: "0")) }
        guard chars[1] == UInt8(ascii: "."), chars.count <= 5,
              chars.dropFirst(2).allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        guard let q = Double(text), q <= 1 else { return nil }
        return q
    }

    /// The weight the client gives `offer`: that of the most specific range matching it; 0 when none does.
    func quality(of offer: MediaType) -> Double {
        if ranges.isEmpty { return 1 }
        var best: (specificity: Int, quality: Double)?
        for range in ranges {
            guard let s = range.specificity(for: offer) else { continue }
            if best == nil || s > best!.specificity { best = (s, range.quality) }
        }
        return best?.quality ?? 0
    }

    /// The offer the client prefers: the highest weight above 0, earlier offers winning ties; nil when the
    /// client accepts none of them.
    func preferred(_ offers: [MediaType]) -> MediaType? {
        var chosen: (offer: MediaType, quality: Double)?
        for offer in offers {
            let q = quality(of: offer)
            if q > 0, chosen == nil || q > chosen!.quality { chosen = (offer, q) }
        }
        return chosen?.offer
    }
}

/// Reads RFC 9110 header syntax: tokens, quoted strings, separators.
struct HeaderScanner {
    private let chars: [UInt8]
    private var index = 0

    init(_ text: some StringProtocol) { chars = Array(text.utf8) }

    var isAtEnd: Bool { index >= chars.count }

    mutating func skipSpaces() {
        while index < chars.count, chars[index] == 0x20 || chars[index] == 0x09 { index += 1 }
    }

    mutating func take(_ c: Character) -> Bool {
        guard index < chars.count, chars[index] == c.asciiValue else { return false }
        index += 1
        return true
    }

    /// RFC 9110 §5.6.2 `token`.
    mutating func token() -> String? {
        let start = index
        while index < chars.count, Self.isTokenChar(chars[index]) { index += 1 }
        return index > start ? String(decoding: chars[start..<index], as: UTF8.self) : nil
    }

    /// RFC 9110 §5.6.4 `quoted-string`, unquoted.
    mutating func quotedString() -> String? {
        guard index < chars.count, chars[index] == UInt8(ascii: "\"") else { return nil }
        var i = index + 1
        var out: [UInt8] = []
        while i < chars.count {
            let c = chars[i]
            if c == UInt8(ascii: "\"") {
                index = i + 1
                return String(decoding: out, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") {
                i += 1
                guard i < chars.count else { return nil }
                out.append(chars[i])
            } else if c == 0x09 || (c >= 0x20 && c != 0x7F) {
                out.append(c)
            } else {
                return nil
            }
            i += 1
        }
        return nil
    }

    private static let tokenPunctuation = Set("!#$%&'*+-.^_`|~".utf8)

    static func isTokenChar(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return tokenPunctuation.contains(c)
        }
    }
}
