import Foundation

/// Free text that people type (names of teams, keys, users) and text we keep from requests (user agents):
/// one rule for how it is cleaned, what it may contain, and how long it may be.
///
/// Lengths are counted in Unicode code points, the unit in which MariaDB's `VARCHAR(n)` of a utf8mb4 column
/// counts, after NFC normalisation (so that `e` + combining acute, which NFC composes into one `é`, counts
/// as the one character a reader sees and the database then stores). A string that passes here always fits
/// its column: the check and the column count the same thing.
public struct TextRule: Sendable {
    /// Fewest code points after trimming (0: may be empty).
    public var minLength: Int
    /// Most code points after trimming and NFC: the column's `VARCHAR(n)`.
    public var maxLength: Int

    /// Creates a rule.
    public init(minLength: Int, maxLength: Int) {
        self.minLength = minLength
        self.maxLength = maxLength
    }

    /// A display name of a user, team or key: `VARCHAR(100)`.
    public static let name = TextRule(minLength: 1, maxLength: 100)
    /// An optional display name (may be empty).
    public static let optionalName = TextRule(minLength: 0, maxLength: 100)

    /// The stored form of `raw` for field `field`: refused if it holds a forbidden character anywhere (even
    /// in surrounding white space), then trimmed, NFC-normalised and measured.
    public func validate(_ raw: String, field: String) throws(ValidationError) -> String {
        if let bad = raw.unicodeScalars.first(where: TextRule.isForbidden) {
            throw .field(field, "text.characters",
                         "must not contain control or bidirectional-formatting characters (found U+\(String(format: "%04X", bad.value)))")
        }
        let text = TextRule.normalize(raw)
        let length = text.unicodeScalars.count
        guard length >= minLength, length <= maxLength else {
            let range = minLength == 0 ? "at most \(maxLength)" : "\(minLength) to \(maxLength)"
            throw .field(field, "text.length", "must be \(range) characters long (Unicode code points, after NFC normalisation)")
        }
        return text
    }

    /// Trimmed and NFC-normalised.
    public static func normalize(_ raw: String) -> String {
        raw.trimmingCharacters(in: .whitespacesAndNewlines).precomposedStringWithCanonicalMapping
    }

    /// Control characters (C0, DEL, C1), line and paragraph separators, and the bidirectional embeddings,
    /// overrides and isolates that let text display differently from what it is.
    public static func isForbidden(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C:
            return true
        default:
            return false
        }
    }

    /// Text we keep but do not validate (a request header): NFC, forbidden characters replaced by U+FFFD,
    /// cut to at most `maxLength` code points (so it always fits its column).
    public static func clipped(_ raw: String, maxLength: Int) -> String {
        // Printable ASCII is already NFC and holds nothing forbidden: most text takes this path.
        if raw.utf8.count <= maxLength && raw.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) { return raw }
        var out = String.UnicodeScalarView()
        for scalar in raw.precomposedStringWithCanonicalMapping.unicodeScalars.prefix(maxLength) {
            out.append(isForbidden(scalar) ? "\u{FFFD}" : scalar)
        }
        return String(out)
    }
}
