/// RFC 4180 CSV for the analytics exports: CRLF line ends, a field quoted when it holds a comma, a quote or
/// a line break (quotes doubled). A field that a spreadsheet would run as a formula (it starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return: a user agent or a referrer is anyone's text) is prefixed with `'`.
public enum CSV {
    /// The table as UTF-8 bytes.
    public static func encode(header: [String], rows: [[String]]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 * (rows.count + 1))
        func line(_ fields: [String]) {
            for (i, field) in fields.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                append(field, to: &out)
            }
            out += [13, 10]
        }
        line(header)
        for row in rows { line(row) }
        return out
    }

    private static func append(_ raw: String, to out: inout [UInt8]) {
        var field = raw
        if let first = field.utf8.first, [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 9, 13].contains(first) {
            field = "'" + field
        }
        guard field.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }) else {
            out += field.utf8
            return
        }
        out.append(UInt8(ascii: "\""))
        for b in field.utf8 {
            if b == UInt8(ascii: "\"") { out.append(b) }
            out.append(b)
        }
        out.append(UInt8(ascii: "\""))
    }
}
