import Foundation

/// Validation of the URLs a link may point to.
public enum DestinationURL {
    /// Longest destination we store, in Unicode code points (the column's unit).
    public static let maxLength = 2048

    /// Checks `raw` as a destination on field `field`; returns it without surrounding spaces (U+0020).
    ///
    /// Only absolute http and https URLs with a host are accepted; no credentials in the URL (a classic
    /// phishing disguise), no control characters, and never a host that is ours: one of `ownHosts`, or this
    /// machine (`localhost`, a loopback or unspecified address) in any spelling a browser reads the same
    /// (`Host`), since such a link would redirect to itself.
    public static func validate(_ raw: String, field: String = "longUrl", ownHosts: Set<URLHost>) throws(ValidationError) -> String {
        let value = raw.trimmingCharacters(in: CharacterSet(charactersIn: " "))
        if value.isEmpty { throw .field(field, "url.required", "must not be empty") }
        if value.unicodeScalars.count > maxLength {  // the unit of the VARCHAR(2048) column and of the spec
            throw .field(field, "url.length", "must be at most \(maxLength) characters")
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
        guard let decoded = components.host, !decoded.isEmpty else {
            throw .field(field, "url.host", "must name a host")
        }
        guard let host = host(of: components) else {
            throw .field(field, "url.host", "must name a valid host")
        }
        if components.user != nil || components.password != nil {
            throw .field(field, "url.credentials", "must not contain a user name or password")
        }
        if host.isThisMachine || ownHosts.contains(host) {
            throw .field(field, "url.loop", "must not point to this shortener's own hosts")
        }
        return value
    }

    /// The canonical host of a URL, as a browser would look it up; nil when it has none or a browser would
    /// refuse it.
    public static func host(of components: URLComponents) -> URLHost? {
        guard let decoded = components.host, !decoded.isEmpty else { return nil }
        return URLHost(parsing: asciiHost(decoded))
    }

    /// The host as a browser would look it up: `decoded` (percent-decoded, as URLComponents gives it) put
    /// through IDNA (UTS #46: fullwidth and other compatibility letters folded, then Punycode), so that
    /// `ｌｏｃａｌｈｏｓｔ` and `localhost` are one host. Characters that cannot stand in a host stay
    /// percent-encoded, and `URLHost` refuses them.
    static func asciiHost(_ decoded: String) -> String {
        if decoded.hasPrefix("[") { return decoded }
        var c = URLComponents()
        c.host = decoded
        return c.encodedHost ?? decoded
    }
}
