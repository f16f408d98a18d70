import Foundation

/// RFC 3339 timestamps as the API reads and writes them (UTC, millisecond precision).
public enum Timestamp {
    /// The first instant the database cannot store (DATETIME ends with the year 9999).
    static let endOfRangeMillis: Int64 = 253_402_300_800_000

    /// Parses an RFC 3339 `date-time` strictly, or nil: `2025-03-01T00:00:00Z`, `2025-03-01T00:00:00.250Z`,
    /// `2025-03-01T02:00:00+02:00`. Every field must exist in the calendar (no February 30, no hour 24, no
    /// leap second, which a computer clock never shows and the database cannot store), the offset within
    /// ±23:59, and the instant in UTC between the years 1 and 9999. Fractions keep their value to the
    /// millisecond: more than three digits are accepted only when the extra digits are zeros, so that an
    /// instant is never silently moved. `T` and `Z` may be lower case (RFC 3339 §5.6).
    public static func parse(_ text: String) -> Date? {
        parseMillis(text).map(date(millis:))
    }

    /// `parse`, as milliseconds since the Unix epoch.
    public static func parseMillis(_ text: String) -> Int64? {
        let c = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= c.count else { return nil }
            var v = 0
            for k in i..<i + n {
                guard c[k] >= 48, c[k] <= 57 else { return nil }
                v = v * 10 + Int(c[k] - 48)
            }
            i += n
            return v
        }
        func take(_ chars: String) -> Bool {
            guard i < c.count, chars.utf8.contains(c[i]) else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), take("-"), let month = digits(2), take("-"), let day = digits(2), take("Tt"),
              let hour = digits(2), take(":"), let minute = digits(2), take(":"), let second = digits(2) else { return nil }
        guard year >= 1, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 59 else { return nil }
        var millis = 0
        if take(".") {
            let start = i
            while i < c.count, c[i] >= 48, c[i] <= 57 { i += 1 }
            let fraction = c[start..<i]
            guard !fraction.isEmpty, fraction.dropFirst(3).allSatisfy({ $0 == 48 }) else { return nil }
            for (k, d) in fraction.prefix(3).enumerated() { millis += Int(d - 48) * [100, 10, 1][k] }
        }
        var offsetMinutes = 0
        if take("Zz") {
            offsetMinutes = 0
        } else if i < c.count, c[i] == UInt8(ascii: "+") || c[i] == UInt8(ascii: "-") {
            let sign = c[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let oh = digits(2), take(":"), let om = digits(2), oh <= 23, om <= 59 else { return nil }
            offsetMinutes = sign * (oh * 60 + om)
        } else {
            return nil
        }
        guard i == c.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        let result = seconds * 1000 + Int64(millis)
        guard result >= -62_135_596_800_000, result < endOfRangeMillis else { return nil }  // 0001-01-01 … 9999-12-31
        return result
    }

    /// Days in `month` of `year` (proleptic Gregorian).
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to the given civil date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Formats as `2025-02-19T12:34:56.789Z`: exact to the millisecond (the instant is rounded to the
    /// nearest millisecond first, as stored).
    public static func format(_ date: Date) -> String {
        let ms = millis(date)
        let days = utcDay(millis: ms)
        let inDay = Int(ms - Int64(days) * 86_400_000)
        return "\(dayText(days))T\(pad(inDay / 3_600_000, 2)):\(pad(inDay / 60_000 % 60, 2)):"
            + "\(pad(inDay / 1000 % 60, 2)).\(pad(inDay % 1000, 3))Z"
    }

    /// `v` in decimal, zero-padded to `width` digits.
    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    /// The civil date of a day count from 1970-01-01 (H. Hinnant's algorithm).
    public static func civilFromDays(_ z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// `yyyy-mm-dd` of day `days` since 1970-01-01.
    public static func dayText(_ days: Int) -> String {
        let (y, m, d) = civilFromDays(days)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    /// The UTC day (since 1970-01-01) holding the instant `millis` ms since the Unix epoch.
    public static func utcDay(millis: Int64) -> Int { Int((millis >= 0 ? millis : millis - 86_399_999) / 86_400_000) }

    /// Milliseconds since the Unix epoch, rounded.
    public static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// The date at `millis` ms since the Unix epoch.
    public static func date(millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
}

/// Rules for link expiry.
public enum ExpiryRules {
    /// Parses and checks an `expirationDate`: RFC 3339, exact to the millisecond, strictly after `now`.
    public static func validate(_ text: String, now: Date, field: String = "expirationDate") throws(ValidationError) -> Date {
        guard let millis = Timestamp.parseMillis(text) else {
            throw .field(field, "date.invalid",
                         "must be an RFC 3339 date-time that exists, such as 2030-01-31T00:00:00Z (at most millisecond precision)")
        }
        guard millis > Timestamp.millis(now) else { throw .field(field, "date.past", "must be in the future") }
        return Timestamp.date(millis: millis)
    }
}
