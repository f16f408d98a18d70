import Foundation
import LinkDomain
import ShortlinkCore

/// Classifies user agents with two maintained data sets: uap-core's patterns (device, OS and browser
/// families with versions) and the crawler-user-agents list (bots, link-preview fetchers, uptime monitors,
/// HTTP libraries). Results are cached by string, since a few thousand strings make most of any traffic.
/// Safe to share between threads (one lock; the ingester uses it from one).
public final class DataSetUserAgentClassifier: UserAgentClassifier, @unchecked Sendable {
    private let lock = NSLock()
    private let uap: UAPCore
    private let crawlers: PCRE2Pattern?
    private var cache: [String: UserAgentInfo] = [:]
    private let cacheLimit: Int
    /// Patterns of either file left out because PCRE2 refused them (logged by the caller).
    public let skippedPatterns: [String]
    /// How many crawler patterns are in use.
    public let crawlerPatternCount: Int

    /// Why a data set could not be used.
    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Loads uap-core's `regexes.yaml` from `regexes` and, when given, crawler-user-agents' JSON list from
    /// `crawlers`.
    public init(regexes: String, crawlers: String?, cacheLimit: Int = 20_000) throws(LoadError) {
        do { uap = try UAPCore(path: regexes) } catch { throw LoadError(description: error.description) }
        var skipped = uap.skipped
        if let crawlers {
            let list = try Self.crawlerPatterns(crawlers)
            var usable: [String] = []
            for p in list {
                do { _ = try PCRE2Pattern(p); usable.append(p) } catch { skipped.append("\(p): \(error)") }
            }
            crawlerPatternCount = usable.count
            do { self.crawlers = try PCRE2Pattern(usable.map { "(?:\($0))" }.joined(separator: "|")) } catch {
                throw LoadError(description: "\(crawlers): the patterns do not combine: \(error)")
            }
        } else {
            self.crawlers = nil
            crawlerPatternCount = 0
        }
        skippedPatterns = skipped
        self.cacheLimit = cacheLimit
    }

    /// The `pattern` of every entry of crawler-user-agents.json.
    static func crawlerPatterns(_ path: String) throws(LoadError) -> [String] {
        struct Entry: Decodable { let pattern: String }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return try JSONDecoder().decode([Entry].self, from: data).map(\.pattern)
        } catch {
            throw LoadError(description: "\(path) is not crawler-user-agents.json: \(error)")
        }
    }

    public func classify(_ userAgent: String) -> UserAgentInfo {
        lock.lock()
        defer { lock.unlock() }
        if let known = cache[userAgent] { return known }
        let info = Self.describe(userAgent, uap: uap, crawlers: crawlers)
        if cache.count >= cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[userAgent] = info
        return info
    }

    private static func describe(_ ua: String, uap: UAPCore, crawlers: PCRE2Pattern?) -> UserAgentInfo {
        // Every browser sends a user agent: a request without one is a program.
        guard !ua.isEmpty else { return UserAgentInfo(device: .bot) }
        let p = uap.parse(ua)
        var bytes = Array(ua.utf8)
        let listed = crawlers.map { c in bytes.withUnsafeMutableBufferPointer { c.matches(UnsafeBufferPointer($0)) } } ?? false
        func known(_ s: String) -> String { s == "Other" ? "" : TextRule.clipped(s, maxLength: 64) }
        return UserAgentInfo(device: DeviceKind.of(ua, p, listedCrawler: listed), os: known(p.os), osVersion: TextRule.clipped(p.osMajor, maxLength: 32),
                             browser: known(p.agent), browserVersion: TextRule.clipped(p.agentMajor, maxLength: 32))
    }
}
