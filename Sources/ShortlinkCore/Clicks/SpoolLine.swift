/// The click spool's line format: one line per visit, tab-separated, fields escaped (`\\`, `\t`, `\n`, `\r`).
/// Written by every worker (`SpoolWriter`), read by the ingester.
///
/// - Version 2 (written now): `2 <ms> <link id> <domain id> <code> <status> <ip> <user agent> <referer> <query>
///   <location> <flags>`. `flags` is a set of letters: `d` the visitor sent `DNT: 1`, `q` a QR-code scan; a
///   reader ignores letters it does not know. Link id 0 is an orphan
///   visit (its code may be empty: the bare domain).
/// - Version 1 (still read): `1 <ms> <link id> <domain id> <code> <status> <ip> <user agent> <referer>`.
public enum SpoolLine {
    /// One record as a version-2 line (with its newline). Text fields are cut to their columns' sizes, on a
    /// character boundary: user agent 1,024 bytes, referrer and location 2,048, query 1,024.
    public static func encode(_ c: ClickRecord) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + c.userAgent.utf8.count + c.referer.utf8.count + c.query.utf8.count + c.location.utf8.count)
        func field(_ s: String, max: Int = .max) {
            out.append(9)
            var bytes = s.utf8[...]
            if bytes.count > max {
                // Cut before the scalar that would cross the limit (never inside one).
                var cut = bytes.index(bytes.startIndex, offsetBy: max)
                while cut > bytes.startIndex && bytes[cut] & 0xC0 == 0x80 { cut = bytes.index(before: cut) }
                bytes = bytes[..<cut]
            }
            for b in bytes {
                switch b {
                case 9: out.append(92); out.append(UInt8(ascii: "t"))
                case 10: out.append(92); out.append(UInt8(ascii: "n"))
                case 13: out.append(92); out.append(UInt8(ascii: "r"))
                case 92: out.append(92); out.append(92)
                default: out.append(b)
                }
            }
        }
        out.append(UInt8(ascii: "2"))
        field(String(c.timeMillis))
        field(String(c.linkID))
        field(String(c.domainID))
        field(c.code)
        field(String(c.status))
        field(c.ip)
        field(c.userAgent, max: 1024)
        field(c.referer, max: 2048)
        field(c.query, max: 1024)
        field(c.location, max: 2048)
        field((c.doNotTrack ? "d" : "") + (c.viaQR ? "q" : ""))
        out.append(10)
        return out
    }

    /// Decodes one line of version 1 or 2 (without its newline); nil when malformed (unknown version, wrong
    /// field count, a number that is not one, invalid UTF-8, an empty code for a link).
    public static func decode(_ line: ArraySlice<UInt8>) -> ClickRecord? {
        var fields: [String] = []
        fields.reserveCapacity(12)
        var current: [UInt8] = []
        var escaping = false
        for b in line {
            if escaping {
                switch b {
                case UInt8(ascii: "t"): current.append(9)
                case UInt8(ascii: "n"): current.append(10)
                case UInt8(ascii: "r"): current.append(13)
                default: current.append(b)
                }
                escaping = false
            } else if b == 92 {
                escaping = true
            } else if b == 9 {
                guard let text = String(validating: current, as: UTF8.self) else { return nil }
                fields.append(text)
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(b)
            }
        }
        guard !escaping, let last = String(validating: current, as: UTF8.self) else { return nil }
        fields.append(last)
        let expected: Int
        switch fields[0] {
        case "1": expected = 9
        case "2": expected = 12
        default: return nil
        }
        guard fields.count == expected, let t = Int64(fields[1]), let link = Int64(fields[2]), link >= 0,
              let domain = Int64(fields[3]), let status = Int(fields[5]), link == 0 || !fields[4].isEmpty else { return nil }
        var click = ClickRecord(timeMillis: t, linkID: link, domainID: domain, code: fields[4], status: status,
                                ip: fields[6], userAgent: fields[7], referer: fields[8])
        if expected == 12 {
            guard fields[11].allSatisfy({ $0.isLetter }) else { return nil }
            click.query = fields[9]
            click.location = fields[10]
            click.doNotTrack = fields[11].contains("d")
            click.viaQR = fields[11].contains("q")
        }
        return click
    }
}
