import Foundation

/// A value bound to or read from a prepared statement.
public enum DBValue: Sendable, Equatable {
    case null
    case int(Int64)
    case text(String)
    case bytes([UInt8])
    /// A UTC instant, stored as DATETIME(3).
    case date(Date)

    /// The value as text (integers and dates are read back as text by the adapter).
    public var text: String? {
        switch self {
        case .text(let s): return s
        case .int(let i): return String(i)
        case .bytes(let b): return String(decoding: b, as: UTF8.self)
        case .date(let d): return DBDateFormat.format(d)
        case .null: return nil
        }
    }

    /// The value as an integer.
    public var int: Int64? {
        switch self {
        case .int(let i): return i
        case .text(let s): return Int64(s)
        case .bytes(let b): return Int64(String(decoding: b, as: UTF8.self))
        default: return nil
        }
    }

    /// The value as a UTC date (DATETIME text `YYYY-MM-DD HH:MM:SS[.fff]`).
    public var date: Date? {
        switch self {
        case .date(let d): return d
        case .text(let s): return DBDateFormat.parse(s)
        case .bytes(let b): return DBDateFormat.parse(String(decoding: b, as: UTF8.self))
        default: return nil
        }
    }

    /// The raw bytes.
    public var bytes: [UInt8]? {
        switch self {
        case .bytes(let b): return b
        case .text(let s): return Array(s.utf8)
        default: return nil
        }
    }
}

/// DATETIME(3) text in UTC, without Foundation formatters on the read path.
enum DBDateFormat {
    /// `2025-02-19 12:34:56.789`.
    static func format(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = millis / 1000
        var ms = millis % 1000
        if ms < 0 { ms += 1000; seconds -= 1 }
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int32, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2)) "
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(ms), 3))"
    }

    /// Parses `YYYY-MM-DD HH:MM:SS[.f…]` as UTC.
    static func parse(_ text: String) -> Date? {
        let u = Array(text.utf8)
        guard u.count >= 19 else { return nil }
        func num(_ from: Int, _ len: Int) -> Int? {
            var v = 0
            for i in from..<(from + len) {
                let c = u[i]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2),
              let s = num(17, 2) else { return nil }
        var ms = 0.0
        if u.count > 20, u[19] == UInt8(ascii: ".") {
            var scale = 0.1
            for c in u[20...] where c >= 48 && c <= 57 {
                ms += Double(c - 48) * scale
                scale /= 10
            }
        }
        var parts = tm()
        parts.tm_year = Int32(y - 1900)
        parts.tm_mon = Int32(mo - 1)
        parts.tm_mday = Int32(d)
        parts.tm_hour = Int32(h)
        parts.tm_min = Int32(mi)
        parts.tm_sec = Int32(s)
        let t = timegm(&parts)
        return Date(timeIntervalSince1970: Double(t) + ms)
    }
}
