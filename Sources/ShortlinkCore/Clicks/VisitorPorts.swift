/// What a visitor's User-Agent says about their software, as the ingester keeps it.
public struct UserAgentInfo: Sendable, Equatable {
    /// The kind of device, derived from the parsed user agent.
    public enum Device: String, Sendable, CaseIterable {
        case desktop, mobile, tablet
        /// Crawlers, link-preview fetchers, uptime monitors, HTTP libraries: left out of counts by default.
        case bot
        /// TVs, consoles, unknown software.
        case other
    }

    public var device: Device
    /// Operating system family (`Windows`, `iOS`, `Android`...), empty when unknown.
    public var os: String
    /// Its major version, empty when unknown.
    public var osVersion: String
    /// Browser (or bot) family (`Chrome`, `Mobile Safari`, `Slackbot`...), empty when unknown.
    public var browser: String
    /// Its major version, empty when unknown.
    public var browserVersion: String

    /// True for anything that is not a person's browser.
    public var isBot: Bool { device == .bot }

    /// Creates a description.
    public init(device: Device, os: String = "", osVersion: String = "", browser: String = "", browserVersion: String = "") {
        self.device = device
        self.os = os
        self.osVersion = osVersion
        self.browser = browser
        self.browserVersion = browserVersion
    }

    /// What is known without a classifier: nothing.
    public static let unknown = UserAgentInfo(device: .other)
}

/// Classifies User-Agent strings (in production from uap-core's patterns and the crawler-user-agents list).
public protocol UserAgentClassifier: AnyObject {
    func classify(_ userAgent: String) -> UserAgentInfo
}

/// Where an address is, as far as the geolocation database knows.
public struct GeoLocation: Sendable, Equatable {
    /// ISO 3166-1 alpha-2 country code (`DE`), empty when unknown.
    public var country: String
    /// The first subdivision's English name (a state, a region), empty when unknown.
    public var region: String
    /// The city's English name, empty when unknown.
    public var city: String

    /// Creates a location.
    public init(country: String, region: String = "", city: String = "") {
        self.country = country
        self.region = region
        self.city = city
    }
}

/// Looks addresses up in a geolocation database (in production a MaxMind-format `.mmdb` file).
public protocol GeoLocator: AnyObject {
    /// The location of `address` (IPv4 or IPv6 text); nil when the database has none or it does not parse.
    func locate(_ address: String) -> GeoLocation?
}
