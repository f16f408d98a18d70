import Foundation

/// ISO 8601 timestamps as the API reads and writes them (UTC, millisecond precision).
public enum Timestamp {
    /// Parses `2025-03-01T00:00:00Z`, `2025-03-01T00:00:00.000Z` or with a numeric offset; nil otherwise.
    public static func parse(_ text: String) -> Date? {
        let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        if let date = try? withFraction.parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }

    /// Formats as `2025-02-19T12:34:56.789Z`.
    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Milliseconds since the Unix epoch, rounded.
    public static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// The date at `millis` ms since the Unix epoch.
    public static func date(millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
}

/// Rules for link expiry.
public enum ExpiryRules {
    /// Parses and checks an `expirationDate`: ISO 8601 and strictly in the future of `now`.
    public static func validate(_ text: String, now: Date, field: String = "expirationDate") throws(ValidationError) -> Date {
        guard let date = Timestamp.parse(text) else {
            throw .field(field, "date.invalid", "must be an ISO 8601 date-time such as 2030-01-31T00:00:00Z")
        }
        // Stored with millisecond precision.
        let rounded = Timestamp.date(millis: Timestamp.millis(date))
        guard rounded > now else { throw .field(field, "date.past", "must be in the future") }
        return rounded
    }
}
