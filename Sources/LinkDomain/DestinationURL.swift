import Foundation

/// Validation of the URLs a link may point to.
public enum DestinationURL {
    /// Longest destination we store (bytes of UTF-8).
    public static let maxLength = 2048

    /// Checks `raw` as a destination on field `field`; returns it trimmed of surrounding spaces.
    ///
    /// Only absolute http and https URLs with a host are accepted; no credentials in the URL (a classic
    /// phishing disguise), no control characters, and no link to one of `ownHosts` (it would loop).
    public static func validate(_ raw: String, field: String = "longUrl", ownHosts: Set<String>) throws(ValidationError) -> String {
        let value = raw.trimmingCharacters(in: .whitespaces)
        if value.isEmpty { throw .field(field, "url.required", "must not be empty") }
        if value.utf8.count > maxLength {
            throw .field(field, "url.length", "must be at most \(maxLength) bytes")
        }
        if value.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }) {
            throw .field(field, "url.invalid", "must not contain spaces or control characters")
        }
        guard let components = URLComponents(string: value) else {
            throw .field(field, "url.invalid", "is not a valid URL")
        }
        guard let scheme = components.scheme?.lowercased() else {
            throw .field(field, "url.scheme", "must be an absolute URL starting with http:// or https://")
        }
        guard scheme == "http" || scheme == "https" else {
            throw .field(field, "url.scheme", "must use http or https")
        }
        guard let host = components.host?.lowercased(), !host.isEmpty else {
            throw .field(field, "url.host", "must name a host")
        }
        if components.user != nil || components.password != nil {
            throw .field(field, "url.credentials", "must not contain a user name or password")
        }
        let bareHost = host.hasSuffix(".") ? String(host.dropLast()) : host
        if ownHosts.contains(bareHost) {
            throw .field(field, "url.loop", "must not point to this shortener's own domain")
        }
        return value
    }
}
