import Foundation

/// Email addresses as accounts use them: trimmed and lower-cased, checked for a plausible shape (the only
/// real test of an address is the verification mail).
public enum EmailAddress {
    /// The normalised form: surrounding white space removed, lower case.
    public static func normalize(_ raw: String) -> String {
        raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// True for `local@domain.tld` within RFC 5321's lengths, without spaces, control characters or
    /// characters that would let an address break a mail header.
    public static func isPlausible(_ address: String) -> Bool {
        let bytes = Array(address.utf8)
        guard bytes.count <= 254, let at = bytes.lastIndex(of: UInt8(ascii: "@")) else { return false }
        let local = bytes[..<at], domain = bytes[(at + 1)...]
        guard (1...64).contains(local.count), domain.count >= 3, domain.contains(UInt8(ascii: ".")),
              domain.first != UInt8(ascii: "."), domain.last != UInt8(ascii: "."),
              !bytes.contains(where: { $0 <= 32 || $0 == 127 || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">")
                  || $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: "\"") }),
              !local.contains(UInt8(ascii: "@")),
              domain.allSatisfy({ $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || (48...57).contains($0)
                  || (65...90).contains($0) || (97...122).contains($0) || $0 >= 128 })
        else { return false }
        return true
    }

    /// Validates the field `field`.
    public static func validate(_ address: String, field: String = "email") throws(ValidationError) {
        guard isPlausible(address) else { throw .field(field, "email.invalid", "must be an email address") }
    }
}
