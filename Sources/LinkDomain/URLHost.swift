/// A URL's host in the one spelling that resolves the same as every other spelling of it, as a browser
/// reads it (WHATWG URL Standard, "host parsing"): percent-decoded, lower case, without the trailing dot of
/// a fully qualified name; an IPv4 address written as a decimal, octal or hexadecimal number or with fewer
/// than four parts (`2130706433`, `0x7f.1`, `0177.0.0.1`) is the same dotted quad; an IPv6 address is its
/// eight groups, and one that embeds an IPv4 address (`::ffff:127.0.0.1`, `::127.0.0.1`, `64:ff9b::7f00:1`)
/// is that IPv4 address.
public enum URLHost: Hashable, Sendable, CustomStringConvertible {
    /// A domain name, lower case, no trailing dot.
    case name(String)
    /// An IPv4 address as a 32-bit number.
    case ipv4(UInt32)
    /// An IPv6 address as eight 16-bit groups (never one that embeds IPv4: that is `.ipv4`).
    case ipv6([UInt16])

    /// Parses a host as it stands in a URL's authority (`[…]` around IPv6 optional); nil when a browser
    /// would refuse it (an invalid address, a forbidden character, a name that ends in a number but is not
    /// an IPv4 address).
    public init?(parsing raw: String) {
        var text = raw
        if text.hasPrefix("[") {
            guard text.hasSuffix("]") else { return nil }
            text = String(text.dropFirst().dropLast())
        }
        if text.contains(":") {  // IPv6, bracketed or bare (as some URL libraries hand it over)
            guard let groups = URLHost.parseIPv6(text) else { return nil }
            self = URLHost.fromIPv6(groups)
            return
        }
        guard raw == text, let decoded = text.removingPercentEncoding, !decoded.isEmpty else { return nil }
        // ASCII only: a name in another script comes in its `xn--` (IDNA) form, which the caller makes with
        // UTS #46 mapping (`DestinationURL.asciiHost`), so that no look-alike spelling (fullwidth letters,
        // circled letters) can stand for one of ours unnoticed.
        guard decoded.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        let lower = decoded.lowercased()
        let forbidden = Set("#%/:<>?@[\\]^|".utf8)
        guard !lower.utf8.contains(where: forbidden.contains) else { return nil }
        var labels = lower.split(separator: ".", omittingEmptySubsequences: false)
        if labels.count > 1, labels.last == "" { labels.removeLast() }
        if let last = labels.last, URLHost.isNumberLike(last) {
            guard let address = URLHost.parseIPv4(labels) else { return nil }
            self = .ipv4(address)
            return
        }
        guard !labels.contains(where: \.isEmpty) else { return nil }
        self = .name(labels.joined(separator: "."))
    }

    /// True for the loopback and unspecified addresses and for `localhost` and its subdomains (RFC 6761
    /// §6.3): hosts that mean "this machine" wherever the link is opened.
    public var isThisMachine: Bool {
        switch self {
        case .name(let n): return n == "localhost" || n.hasSuffix(".localhost")
        case .ipv4(let a): return a >> 24 == 127 || a == 0
        case .ipv6(let g): return g == [0, 0, 0, 0, 0, 0, 0, 1] || g == [0, 0, 0, 0, 0, 0, 0, 0]
        }
    }

    /// The canonical spelling: a lower-case name, a dotted quad, or an IPv6 address in full form.
    public var description: String {
        switch self {
        case .name(let n): return n
        case .ipv4(let a): return "\(a >> 24).\(a >> 16 & 255).\(a >> 8 & 255).\(a & 255)"
        case .ipv6(let g): return "[" + g.map { String($0, radix: 16) }.joined(separator: ":") + "]"
        }
    }

    /// An IPv6 address that embeds an IPv4 one (mapped `::ffff:0:0/96`, compatible `::/96` but for `::`
    /// and `::1`, NAT64 `64:ff9b::/96`) is that IPv4 address.
    static func fromIPv6(_ g: [UInt16]) -> URLHost {
        let v4 = UInt32(g[6]) << 16 | UInt32(g[7])
        let first5Zero = g[0...4].allSatisfy { $0 == 0 }
        if first5Zero && g[5] == 0xFFFF { return .ipv4(v4) }
        if first5Zero && g[5] == 0 && v4 > 1 { return .ipv4(v4) }
        if g[0] == 0x64 && g[1] == 0xFF9B && g[2...5].allSatisfy({ $0 == 0 }) { return .ipv4(v4) }
        return .ipv6(g)
    }

    /// WHATWG "ends in a number": the last label is all decimal digits or `0x` followed by hex digits.
    static func isNumberLike(_ label: Substring) -> Bool {
        if !label.isEmpty, label.allSatisfy(\.isASCIIDigit) { return true }
        guard label.hasPrefix("0x") else { return false }
        return label.dropFirst(2).allSatisfy(\.isHexDigit)
    }

    /// WHATWG IPv4 parser: one to four parts, each decimal, octal (leading 0) or hex (`0x`); all but the
    /// last at most 255, the last filling the remaining bytes.
    static func parseIPv4(_ parts: [Substring]) -> UInt32? {
        guard (1...4).contains(parts.count) else { return nil }
        var numbers: [UInt64] = []
        for part in parts {
            guard let n = parseIPv4Number(part) else { return nil }
            numbers.append(n)
        }
        for n in numbers.dropLast() where n > 255 { return nil }
        let last = numbers.last!
        guard last < UInt64(1) << (8 * UInt64(5 - numbers.count)) else { return nil }
        var address = last
        for (i, n) in numbers.dropLast().enumerated() { address += n << (8 * UInt64(3 - i)) }
        return UInt32(address)
    }

    static func parseIPv4Number(_ part: Substring) -> UInt64? {
        guard !part.isEmpty else { return nil }
        var digits = part
        var radix = 10
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            digits = digits.dropFirst(2)
            radix = 16
            if digits.isEmpty { return 0 }
        } else if digits.count > 1, digits.hasPrefix("0") {
            digits = digits.dropFirst()
            radix = 8
        }
        guard digits.count <= 32 else { return nil }  // far beyond any address: refuse rather than overflow
        return UInt64(digits, radix: radix)
    }

    /// RFC 4291 §2.2 text forms, with `::` and a trailing dotted quad; no zone index.
    static func parseIPv6(_ text: String) -> [UInt16]? {
        guard !text.isEmpty, !text.contains("%") else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            let pieces = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, piece) in pieces.enumerated() {
                if i == pieces.count - 1, piece.contains(".") {
                    guard let v4 = parseDottedQuad(piece) else { return nil }
                    out.append(UInt16(v4 >> 16))
                    out.append(UInt16(v4 & 0xFFFF))
                } else {
                    guard (1...4).contains(piece.count), let v = UInt16(piece, radix: 16) else { return nil }
                    out.append(v)
                }
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 8 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count <= 7 else { return nil }
        return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
    }

    /// A strict dotted quad (inside IPv6 only decimal parts are allowed).
    static func parseDottedQuad(_ s: Substring) -> UInt32? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard (1...3).contains(p.count), p.allSatisfy(\.isASCIIDigit), let n = UInt32(p), n <= 255,
                  !(p.count > 1 && p.hasPrefix("0")) else { return nil }
            v = v << 8 | n
        }
        return v
    }
}

extension Character {
    /// `0`…`9` only (not every Unicode digit).
    var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
