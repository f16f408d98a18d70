import Foundation
import LinkDomain

/// Every configuration key, in one place. Values come from the config file (`KEY=value` lines, usable as a
/// systemd EnvironmentFile) and are overridden by the environment.
public enum ConfigKey: String, CaseIterable, Sendable {
    /// Path of the config file itself (environment only).
    case configFile = "SHORTLINK_CONFIG"
    /// FastCGI unix socket path (ignored under systemd socket activation).
    case socket = "SHORTLINK_SOCKET"
    /// Octal mode of the socket file (nginx must be able to connect).
    case socketMode = "SHORTLINK_SOCKET_MODE"
    /// Number of worker processes.
    case workers = "SHORTLINK_WORKERS"
    /// Requests after which a worker is recycled (0 = never).
    case maxRequests = "SHORTLINK_MAX_REQUESTS"
    /// Seconds a graceful stop or reload waits for busy workers before SIGKILL.
    case stopTimeout = "SHORTLINK_STOP_TIMEOUT"
    /// MariaDB host (when no socket is given).
    case dbHost = "SHORTLINK_DB_HOST"
    /// MariaDB TCP port.
    case dbPort = "SHORTLINK_DB_PORT"
    /// MariaDB unix socket path (preferred on the same host).
    case dbSocket = "SHORTLINK_DB_SOCKET"
    /// MariaDB user.
    case dbUser = "SHORTLINK_DB_USER"
    /// MariaDB password (prefer the _FILE variant).
    case dbPassword = "SHORTLINK_DB_PASSWORD"
    /// File holding the MariaDB password, readable by the service user only.
    case dbPasswordFile = "SHORTLINK_DB_PASSWORD_FILE"
    /// MariaDB database name.
    case dbName = "SHORTLINK_DB_NAME"
    /// memcached servers: `host:port` list separated by commas, or a unix socket path.
    case memcached = "SHORTLINK_MEMCACHED"
    /// Directory of the click spool files.
    case spoolDir = "SHORTLINK_SPOOL_DIR"
    /// Size in bytes after which a spool file is rotated.
    case spoolMaxBytes = "SHORTLINK_SPOOL_MAX_BYTES"
    case clickAddresses = "SHORTLINK_CLICK_ADDRESSES"
    /// Days of raw clicks kept at most, whatever the plans allow (rollups stay); unset: the plans decide.
    case clickRetentionDays = "SHORTLINK_CLICK_RETENTION_DAYS"
    /// uap-core's `regexes.yaml` (User-Agent patterns); empty: no device, OS or browser.
    case uaRegexes = "SHORTLINK_UA_REGEXES"
    /// crawler-user-agents' JSON list (bots, preview fetchers, monitors); empty: uap-core's spiders only.
    case botPatterns = "SHORTLINK_BOT_PATTERNS"
    /// A MaxMind-format `.mmdb` database (GeoLite2-City and the like); empty: no geolocation.
    case geoIPDatabase = "SHORTLINK_GEOIP_DB"
    /// Public base URL of short links, e.g. `https://sho.rt` (its host is the default domain).
    case baseURL = "SHORTLINK_BASE_URL"
    /// Seconds a positive cache entry lives.
    case cacheTTL = "SHORTLINK_CACHE_TTL"
    /// Seconds a "no such link" cache entry lives.
    case negativeTTL = "SHORTLINK_NEGATIVE_TTL"
    /// Entries of each worker's local link cache (0 turns it off: every redirect asks memcached).
    case localCacheEntries = "SHORTLINK_LOCAL_CACHE_ENTRIES"
    /// Milliseconds between checks of the cluster-wide change counter: how late a worker may see a link
    /// changed on another node (changes on its own node are seen at once).
    case localCacheSyncMillis = "SHORTLINK_LOCAL_CACHE_SYNC_MS"
    /// API requests per minute allowed to one client address without an API key.
    case anonymousRatePerMinute = "SHORTLINK_ANON_RATE_PER_MINUTE"
    /// Largest accepted request body in bytes.
    case maxBody = "SHORTLINK_MAX_BODY"
    /// trace, debug, info, notice, warning, error or critical.
    case logLevel = "SHORTLINK_LOG_LEVEL"
    /// The server secret (prefer the _FILE variant): signs session tokens and seals 2FA secrets. At least 32
    /// characters of random text, the same on every node (`openssl rand -hex 32`).
    case secretKey = "SHORTLINK_SECRET_KEY"
    /// File holding the server secret, readable by the service user only.
    case secretKeyFile = "SHORTLINK_SECRET_KEY_FILE"
    /// Lifetime of an access token (JWT), seconds.
    case accessTokenTTL = "SHORTLINK_ACCESS_TOKEN_TTL"
    /// Lifetime of a session and its refresh tokens, seconds.
    case refreshTokenTTL = "SHORTLINK_REFRESH_TOKEN_TTL"
    /// Failed logins allowed per account in 15 minutes before further attempts are refused.
    case loginFailuresPerAccount = "SHORTLINK_LOGIN_FAILURES_PER_ACCOUNT"
    /// Failed logins allowed per client address in 15 minutes.
    case loginFailuresPerIP = "SHORTLINK_LOGIN_FAILURES_PER_IP"
    /// The SMTP server for outgoing mail: `smtp://host:port` (STARTTLS when offered) or `smtps://host:port`.
    case smtpURL = "SHORTLINK_SMTP_URL"
    /// SMTP user name, if the server wants one.
    case smtpUser = "SHORTLINK_SMTP_USER"
    /// File holding the SMTP password.
    case smtpPasswordFile = "SHORTLINK_SMTP_PASSWORD_FILE"
    /// The sender address of outgoing mail.
    case mailFrom = "SHORTLINK_MAIL_FROM"
    /// Where the web app lives, for links in mail (defaults to the base URL).
    case appURL = "SHORTLINK_APP_URL"
    /// Other host names and addresses under which this service is reached (a load balancer's name, the
    /// servers' public addresses), comma-separated: links may not point to them, or they would loop.
    case ownHosts = "SHORTLINK_OWN_HOSTS"
    /// `app` (default) or `noop`, a do-nothing responder used by scripts/bench to measure the FastCGI hop.
    case responder = "SHORTLINK_RESPONDER"
}

/// A configuration problem, naming the key.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    /// The key at fault.
    public var key: String
    /// What is wrong.
    public var message: String
    /// `KEY: message`.
    public var description: String { "\(key): \(message)" }
}

/// The typed configuration of every shortlink binary.
public struct Config: Sendable, Equatable {
    /// FastCGI socket path.
    public var socketPath: String = "/run/shortlink/shortlinkd.sock"
    /// Mode of the socket file.
    public var socketMode: UInt32 = 0o660
    /// Worker processes.
    public var workers: Int = 8
    /// Requests per worker before it is recycled; 0 = never.
    public var maxRequests: Int = 0
    /// Graceful stop deadline in seconds.
    public var stopTimeout: Double = 10
    /// MariaDB host.
    public var dbHost: String = "127.0.0.1"
    /// MariaDB port.
    public var dbPort: UInt32 = 3306
    /// MariaDB socket, if any.
    public var dbSocket: String? = nil
    /// MariaDB user.
    public var dbUser: String = "shortlink"
    /// MariaDB password.
    public var dbPassword: String = ""
    /// Database name.
    public var dbName: String = "shortlink"
    /// memcached servers.
    public var memcached: String = "127.0.0.1:11211"
    /// Spool directory.
    public var spoolDir: String = "/var/spool/shortlink"
    /// Spool rotation size.
    public var spoolMaxBytes: Int = 64 << 20
    /// How much of visitors' addresses the ingester keeps with each click: full, truncated (/24, /48), none.
    public var clickAddresses: AddressRetention = .truncated
    /// The operator's cap on raw clicks, in days (nil: the longest plan retention decides).
    public var clickRetentionDays: Int?
    /// uap-core's patterns (Debian's `uap-core` package); empty: off.
    public var uaRegexes: String = "/usr/share/uap-core/regexes.yaml"
    /// crawler-user-agents' list (`scripts/update-visitor-data` installs it); empty: off.
    public var botPatterns: String = "/var/lib/shortlink/data/crawler-user-agents.json"
    /// The GeoIP database (`scripts/update-visitor-data` installs one); empty: off.
    public var geoIPDatabase: String = "/var/lib/shortlink/data/GeoLite2-City.mmdb"
    /// Base URL of short links, without a trailing slash.
    public var baseURL: String = "http://localhost"
    /// Positive cache TTL, seconds.
    public var cacheTTL: Int = 86_400
    /// Negative cache TTL, seconds.
    public var negativeTTL: Int = 30
    /// Local cache size per worker; 0 = off.
    public var localCacheEntries: Int = 100_000
    /// Cluster change check interval, ms.
    public var localCacheSyncMillis: Int = 100
    /// Body limit, bytes.
    public var maxBody: Int = 65_536
    /// Anonymous API requests per minute per client address.
    public var anonymousRatePerMinute: Int = 120
    /// Log level name.
    public var logLevel: String = "info"
    /// Responder kind.
    public var responder: String = "app"
    /// The server secret's bytes; empty when not configured.
    public var secretKey: [UInt8] = []
    /// Access token lifetime, seconds.
    public var accessTokenTTL: Int = 900
    /// Session (refresh token) lifetime, seconds.
    public var refreshTokenTTL: Int = 30 * 86_400
    /// Failed logins per account per 15 minutes.
    public var loginFailuresPerAccount: Int = 5
    /// Failed logins per client address per 15 minutes.
    public var loginFailuresPerIP: Int = 30
    /// SMTP server URL; empty: mail stays queued in the outbox.
    public var smtpURL: String = ""
    /// SMTP user.
    public var smtpUser: String = ""
    /// SMTP password.
    public var smtpPassword: String = ""
    /// Sender address.
    public var mailFrom: String = "shortlink@localhost"
    /// Web app URL for links in mail; empty: the base URL.
    public var appURL: String = ""
    /// Extra hosts of this service (`SHORTLINK_OWN_HOSTS`), canonical.
    public var extraOwnHosts: [URLHost] = []

    /// The defaults.
    public init() {}

    /// What the daemon needs beyond what every binary needs: the server secret.
    public func checkDaemon() throws(ConfigError) {
        if responder == "app" && secretKey.isEmpty {
            throw ConfigError(key: ConfigKey.secretKeyFile.rawValue,
                              message: "is required: a file with at least 32 characters of random text (openssl rand -hex 32)")
        }
    }

    /// Where links in mail point.
    public var webURL: String { appURL.isEmpty ? baseURL : appURL }

    /// Every host that reaches this service, canonical: the short domain, the web app's host and
    /// `SHORTLINK_OWN_HOSTS`. (Loopback and `localhost` spellings are refused by `DestinationURL` anyway.)
    public var ownHosts: Set<URLHost> {
        var hosts = Set(extraOwnHosts)
        for url in [baseURL, appURL] where !url.isEmpty {
            if let c = URLComponents(string: url), let host = DestinationURL.host(of: c) { hosts.insert(host) }
        }
        return hosts
    }

    /// The host of `baseURL`, lower-cased: the default short domain.
    public var shortHost: String {
        URLComponents(string: baseURL)?.host?.lowercased() ?? "localhost"
    }

    /// Loads the configuration: defaults, then the file at `SHORTLINK_CONFIG` (or
    /// `/etc/shortlink/shortlink.conf` if present), then the environment.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> Config {
        var values: [String: String] = [:]
        let explicitPath = environment[ConfigKey.configFile.rawValue]
        let path = explicitPath ?? "/etc/shortlink/shortlink.conf"
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            values = try parseFile(text, path: path)
        } else if explicitPath != nil {
            throw ConfigError(key: ConfigKey.configFile.rawValue, message: "cannot read \(path)")
        }
        for key in ConfigKey.allCases { if let v = environment[key.rawValue] { values[key.rawValue] = v } }
        return try Config(values: values)
    }

    /// Parses `KEY=value` lines; `#` comments and blank lines are skipped; values may be quoted.
    public static func parseFile(_ text: String, path: String) throws(ConfigError) -> [String: String] {
        var out: [String: String] = [:]
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let eq = line.firstIndex(of: "=") else {
                throw ConfigError(key: "\(path):\(number + 1)", message: "expected KEY=value")
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let f = value.first, f == "\"" || f == "'", value.last == f {
                value = String(value.dropFirst().dropLast())
            }
            guard key.hasPrefix("SHORTLINK_"), ConfigKey(rawValue: key) != nil else {
                throw ConfigError(key: key, message: "unknown key in \(path):\(number + 1)")
            }
            out[key] = value
        }
        return out
    }

    /// Builds a typed config from raw values, naming the first bad key.
    public init(values: [String: String]) throws(ConfigError) {
        self.init()
        /// The trimmed contents of the file named by `key` (a secret kept out of the config file), nil when unset.
        func secretFile(_ key: ConfigKey) throws(ConfigError) -> String? {
            guard let file = values[key.rawValue], !file.isEmpty else { return nil }
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ConfigError(key: key.rawValue, message: "cannot read \(file)")
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func int(_ key: ConfigKey, _ range: ClosedRange<Int>) throws(ConfigError) -> Int? {
            guard let raw = values[key.rawValue] else { return nil }
            guard let v = Int(raw), range.contains(v) else {
                throw ConfigError(key: key.rawValue, message: "must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(raw)'")
            }
            return v
        }
        if let v = values[ConfigKey.socket.rawValue] {
            guard v.hasPrefix("/"), v.utf8.count < 108 else {
                throw ConfigError(key: ConfigKey.socket.rawValue, message: "must be an absolute path shorter than 108 bytes")
            }
            socketPath = v
        }
        if let raw = values[ConfigKey.socketMode.rawValue] {
            guard let v = UInt32(raw, radix: 8), v <= 0o777 else {
                throw ConfigError(key: ConfigKey.socketMode.rawValue, message: "must be an octal mode such as 0660")
            }
            socketMode = v
        }
        if let v = try int(.workers, 1...512) { workers = v }
        if let v = try int(.maxRequests, 0...Int(Int32.max)) { maxRequests = v }
        if let v = try int(.stopTimeout, 1...3600) { stopTimeout = Double(v) }
        if let v = values[ConfigKey.dbHost.rawValue] { dbHost = v }
        if let v = try int(.dbPort, 1...65535) { dbPort = UInt32(v) }
        if let v = values[ConfigKey.dbSocket.rawValue], !v.isEmpty { dbSocket = v }
        if let v = values[ConfigKey.dbUser.rawValue] { dbUser = v }
        if let v = values[ConfigKey.dbPassword.rawValue] { dbPassword = v }
        if let text = try secretFile(.dbPasswordFile) { dbPassword = text }
        if let v = values[ConfigKey.dbName.rawValue] {
            guard !v.isEmpty, v.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }) else {
                throw ConfigError(key: ConfigKey.dbName.rawValue, message: "must be letters, digits and '_'")
            }
            dbName = v
        }
        if let v = values[ConfigKey.memcached.rawValue] {
            guard !v.isEmpty else { throw ConfigError(key: ConfigKey.memcached.rawValue, message: "must not be empty") }
            memcached = v
        }
        if let v = values[ConfigKey.spoolDir.rawValue] {
            guard v.hasPrefix("/") else { throw ConfigError(key: ConfigKey.spoolDir.rawValue, message: "must be an absolute path") }
            spoolDir = v
        }
        if let v = try int(.spoolMaxBytes, 4096...Int(Int32.max)) { spoolMaxBytes = v }
        if let v = values[ConfigKey.clickAddresses.rawValue] {
            guard let mode = AddressRetention(rawValue: v) else {
                throw ConfigError(key: ConfigKey.clickAddresses.rawValue, message: "must be full, truncated or none")
            }
            clickAddresses = mode
        }
        if let v = try int(.clickRetentionDays, 31...36_600) { clickRetentionDays = v }
        for (key, path) in [(ConfigKey.uaRegexes, \Config.uaRegexes), (.botPatterns, \.botPatterns), (.geoIPDatabase, \.geoIPDatabase)] {
            guard let v = values[key.rawValue] else { continue }
            guard v.isEmpty || v.hasPrefix("/") else { throw ConfigError(key: key.rawValue, message: "must be an absolute path, or empty for none") }
            self[keyPath: path] = v
        }
        if var v = values[ConfigKey.baseURL.rawValue] {
            while v.hasSuffix("/") { v.removeLast() }
            guard let c = URLComponents(string: v), let s = c.scheme, s == "http" || s == "https", c.host?.isEmpty == false,
                  c.path.isEmpty, c.query == nil else {
                throw ConfigError(key: ConfigKey.baseURL.rawValue, message: "must be an http(s) URL with a host and no path, e.g. https://sho.rt")
            }
            baseURL = v
        }
        if let v = try int(.cacheTTL, 1...2_592_000) { cacheTTL = v }
        if let v = try int(.negativeTTL, 1...3600) { negativeTTL = v }
        if let v = try int(.localCacheEntries, 0...10_000_000) { localCacheEntries = v }
        if let v = try int(.localCacheSyncMillis, 10...60_000) { localCacheSyncMillis = v }
        if let v = try int(.maxBody, 1024...16 << 20) { maxBody = v }
        if let v = try int(.anonymousRatePerMinute, 1...1_000_000) { anonymousRatePerMinute = v }
        if let v = values[ConfigKey.logLevel.rawValue] {
            guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(v) else {
                throw ConfigError(key: ConfigKey.logLevel.rawValue, message: "must be one of trace, debug, info, notice, warning, error, critical")
            }
            logLevel = v
        }
        if let v = values[ConfigKey.secretKey.rawValue] { secretKey = Array(v.utf8) }
        if let text = try secretFile(.secretKeyFile) { secretKey = Array(text.utf8) }
        if !secretKey.isEmpty && secretKey.count < 32 {
            let key = values[ConfigKey.secretKeyFile.rawValue]?.isEmpty == false ? ConfigKey.secretKeyFile : ConfigKey.secretKey
            throw ConfigError(key: key.rawValue, message: "must be at least 32 characters of random text (openssl rand -hex 32)")
        }
        if let v = try int(.accessTokenTTL, 60...86_400) { accessTokenTTL = v }
        if let v = try int(.refreshTokenTTL, 3600...365 * 86_400) { refreshTokenTTL = v }
        if let v = try int(.loginFailuresPerAccount, 1...1000) { loginFailuresPerAccount = v }
        if let v = try int(.loginFailuresPerIP, 1...100_000) { loginFailuresPerIP = v }
        if let v = values[ConfigKey.smtpURL.rawValue], !v.isEmpty {
            guard let c = URLComponents(string: v), c.scheme == "smtp" || c.scheme == "smtps", c.host?.isEmpty == false else {
                throw ConfigError(key: ConfigKey.smtpURL.rawValue, message: "must be smtp://host:port or smtps://host:port")
            }
            smtpURL = v
        }
        if let v = values[ConfigKey.smtpUser.rawValue] { smtpUser = v }
        if let text = try secretFile(.smtpPasswordFile) { smtpPassword = text }
        if let v = values[ConfigKey.mailFrom.rawValue] {
            // The product's one rule for addresses (local domains such as `shortlink@localhost` pass it).
            guard EmailAddress.isValid(v) else {
                throw ConfigError(key: ConfigKey.mailFrom.rawValue, message: "must be an email address such as shortlink@example.com")
            }
            mailFrom = v
        }
        if var v = values[ConfigKey.appURL.rawValue], !v.isEmpty {
            while v.hasSuffix("/") { v.removeLast() }
            guard let c = URLComponents(string: v), c.scheme == "http" || c.scheme == "https", c.host?.isEmpty == false else {
                throw ConfigError(key: ConfigKey.appURL.rawValue, message: "must be an http(s) URL")
            }
            appURL = v
        }
        if let v = values[ConfigKey.ownHosts.rawValue] {
            extraOwnHosts = []
            for item in v.split(separator: ",") {
                let name = item.trimmingCharacters(in: .whitespaces)
                if name.isEmpty { continue }
                guard let host = URLHost(parsing: name)
                        ?? URLComponents(string: "http://\(name)/").flatMap(DestinationURL.host(of:)) else {
                    throw ConfigError(key: ConfigKey.ownHosts.rawValue, message: "'\(name)' is not a host name or IP address")
                }
                extraOwnHosts.append(host)
            }
        }
        if let v = values[ConfigKey.responder.rawValue] {
            guard v == "app" || v == "noop" else { throw ConfigError(key: ConfigKey.responder.rawValue, message: "must be app or noop") }
            responder = v
        }
    }
}
