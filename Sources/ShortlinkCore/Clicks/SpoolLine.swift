/// The click spool's line format, version 1: one line per click, tab-separated, fields escaped (`\\`, `\t`,
/// `\n`, `\r`): `1 <ms since epoch> <link id> <domain id> <code> <status> <ip> <user agent> <referer>`.
/// Written by every worker (`SpoolWriter`), read by the ingester; a later version adds fields and this reader
/// keeps reading version 1.
public enum SpoolLine {
    /// One record as a line (with its newline). The user agent is cut at 1,024 bytes, the referrer at 2,048
    /// (the columns' sizes), on a character boundary.
    public static func encode(_ c: ClickRecord) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + c.userAgent.utf8.count + c.referer.utf8.count)
        func field(_ s: String) {
            out.append(9)
            for b in s.utf8 {
                switch b {
                case 9: out.append(92); out.append(UInt8(ascii: "t"))
                case 10: out.append(92); out.append(UInt8(ascii: "n"))
                case 13: out.append(92); out.append(UInt8(ascii: "r"))
                case 92: out.append(92); out.append(92)
                default: out.append(b)
                }
            }
        }
        out.append(UInt8(ascii: "1"))
        field(String(c.timeMillis))
        field(String(c.linkID))
        field(String(c.domainID))
        field(c.code)
        field(String(c.status))
        field(c.ip)
        field(String(decoding: c.userAgent.utf8.prefix(1024), as: UTF8.self))
        field(String(decoding: c.referer.utf8.prefix(2048), as: UTF8.self))
        out.append(10)
        return out
    }

    /// Decodes one line (without its newline); nil when malformed (wrong version or field count, a number
    /// that is not one, invalid UTF-8).
    public static func decode(_ line: ArraySlice<UInt8>) -> ClickRecord? {
        var fields: [String] = []
        fields.reserveCapacity(9)
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
        guard fields.count == 9, fields[0] == "1", let t = Int64(fields[1]), let link = Int64(fields[2]),
              let domain = Int64(fields[3]), let status = Int(fields[5]), !fields[4].isEmpty else { return nil }
        return ClickRecord(timeMillis: t, linkID: link, domainID: domain, code: fields[4], status: status,
                           ip: fields[6], userAgent: fields[7], referer: fields[8])
    }
}
