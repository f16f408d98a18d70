import Foundation

/// Email addresses, by one rule everywhere: sign-up, sign-in, profile changes, password reset, team
/// invitations and the operator's `shortlinkctl`.
///
/// The rule is the HTML Living Standard's "valid e-mail address" (the one browsers apply to
/// `<input type=email>`), within RFC 5321's lengths: a local part of `A-Z a-z 0-9 . ! # $ % & ' * + / = ? ^ _
/// ` { | } ~ -`, then `@`, then one or more DNS labels separated by dots. A domain without a dot, such as
/// `localhost`, is valid (a mail server can deliver there, and it is the address the tooling gives the first
/// administrator). Addresses are compared and stored lower-cased. Non-ASCII addresses are refused: delivering
/// to them needs SMTPUTF8 end to end (an internationalised domain can be written in its `xn--` form).
public enum EmailAddress {
    /// Longest address (RFC 5321 §4.5.3.1.3, less the angle brackets).
    public static let maxLength = 254
    /// Longest local part (RFC 5321 §4.5.3.1.1).
    public static let maxLocalLength = 64

    /// The normalised form: surrounding white space removed, lower case.
    public static func normalize(_ raw: String) -> String {
        raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// True when `address` follows the rule.
    public static func isValid(_ address: String) -> Bool {
        let bytes = Array(address.utf8)
        guard bytes.count <= maxLength, let at = bytes.firstIndex(of: UInt8(ascii: "@")) else { return false }
        let local = bytes[..<at], domain = bytes[(at + 1)...]
        guard (1...maxLocalLength).contains(local.count), local.allSatisfy(isLocalByte) else { return false }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return !domain.isEmpty && labels.allSatisfy(isLabel)
    }

    /// The stored form of field `field`: normalised and valid, or a field error.
    public static func parse(_ raw: String, field: String = "email") throws(ValidationError) -> String {
        let address = normalize(raw)
        try validate(address, field: field)
        return address
    }

    /// Validates the (normalised) field `field`.
    public static func validate(_ address: String, field: String = "email") throws(ValidationError) {
        guard isValid(address) else {
            throw .field(field, "email.invalid", "must be an email address such as name@example.com (ASCII, at most \(maxLength) characters)")
        }
    }

    private static func isAlnum(_ b: UInt8) -> Bool {
        (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b)
    }

    private static let localPunctuation = Set(".!#$%&'*+/=?^_`{|}~-".utf8)

    private static func isLocalByte(_ b: UInt8) -> Bool { isAlnum(b) || localPunctuation.contains(b) }

    /// A DNS label: 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit.
    private static func isLabel(_ label: ArraySlice<UInt8>) -> Bool {
        guard (1...63).contains(label.count), let first = label.first, let last = label.last,
              isAlnum(first), isAlnum(last) else { return false }
        return label.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
    }
}
