/// Rules for short codes: the charset, the lengths and the words we keep for ourselves.
public enum AliasRules {
    /// The alphabet of generated codes and allowed in custom aliases (besides `-` and `_` for custom ones).
    public static let generatedAlphabet: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
    /// Shortest custom alias.
    public static let minCustomLength = 3
    /// Longest alias (custom or generated); also bounds the cache key.
    public static let maxLength = 64
    /// Words no custom alias may be, compared case-insensitively: every product path (`ProductPaths`) and
    /// the words that read as part of the product.
    public static let reserved: Set<String> =
        Set(ProductPaths.entries.map { $0.segment.lowercased() }).union(ProductPaths.confusableWords)

    /// True when `byte` may appear in any code.
    @inline(__always)
    public static func isCodeByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }

    /// True when `path` (without the leading slash) can be a stored code: the redirect's cheap pre-check
    /// before any cache or database lookup.
    public static func isPlausibleCode(_ code: Substring.UTF8View) -> Bool {
        let count = code.count
        guard count >= 1, count <= maxLength else { return false }
        for byte in code where !isCodeByte(byte) { return false }
        return true
    }

    /// Validates a requested custom alias; throws a `ValidationError` on field `customAlias`.
    public static func validateCustom(_ alias: String) throws(ValidationError) {
        let field = "customAlias"
        let bytes = alias.utf8
        if bytes.count < minCustomLength || bytes.count > maxLength {
            throw .field(field, "alias.length", "must be \(minCustomLength) to \(maxLength) characters long")
        }
        if !bytes.allSatisfy(isCodeByte) {
            throw .field(field, "alias.charset", "may contain only letters A-Z a-z, digits, '-' and '_'")
        }
        if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "_") {
            throw .field(field, "alias.charset", "must start with a letter or a digit")
        }
        if reserved.contains(alias.lowercased()) {
            throw .field(field, "alias.reserved", "'\(alias)' is reserved")
        }
    }
}
