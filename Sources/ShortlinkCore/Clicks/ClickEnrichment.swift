import Foundation
import LinkDomain

/// How much of a visitor's address is kept (`SHORTLINK_CLICK_ADDRESSES`).
public enum AddressRetention: String, Sendable, CaseIterable {
    /// The whole address.
    case full
    /// IPv4 /24 (`192.0.2.0`), IPv6 /48 (`2001:db8:1::`): enough for a country, not for a person.
    case truncated
    /// No address at all.
    case none
}

/// A click with what the ingester derives from it, ready to store.
public struct EnrichedClick: Sendable, Equatable {
    /// The visit, its personal fields already reduced as the settings and the visitor ask.
    public var click: ClickRecord
    /// The referring page's host, lower-case (empty: direct or unknown).
    public var referrerHost: String
    /// The visit's UTM parameters (empty when absent).
    public var utmSource = "", utmMedium = "", utmCampaign = "", utmTerm = "", utmContent = ""
    /// The daily-rotating visitor hash (nil when the visitor asked not to be tracked).
    public var visitorHash: [UInt8]?
    /// The visitor asked not to be tracked (`DNT: 1` or `dnt=1`): counted, nothing personal kept.
    public var doNotTrack: Bool
    /// Device class, OS and browser from the user agent (kept even without tracking: they name no one).
    public var agent: UserAgentInfo = .unknown
    /// Where the address is: the country always when known, region and city only when the visitor may be tracked.
    public var geo = GeoLocation(country: "")
}

/// Derivations of the ingester, pure: referrer host, UTM parameters, address retention, Do Not Track and the
/// visitor hash. Never on the redirect path.
public enum ClickEnrichment {
    /// Longest text kept in a derived column.
    static let columnLimit = 255

    /// `click` enriched; `salt` is the salt of the click's UTC day (the visitor hash is
    /// SHA-256(salt ‖ address ‖ 0 ‖ user agent), first 16 bytes, computed before the address is reduced);
    /// `agent` and `geo` are what the data sets say of its user agent and (full) address.
    /// `referrerHost`: `referrerHost(click.referer)` when the caller already knows it (it caches them).
    public static func enrich(_ click: ClickRecord, salt: [UInt8], addresses: AddressRetention, agent: UserAgentInfo = .unknown,
                              geo: GeoLocation? = nil, referrerHost known: String? = nil) -> EnrichedClick {
        var c = click
        let utm = utmParameters(click.query)
        let noTracking = click.doNotTrack || utm.dnt
        var out = EnrichedClick(click: c, referrerHost: known ?? referrerHost(click.referer), doNotTrack: noTracking, agent: agent,
                                geo: geo ?? GeoLocation(country: ""))
        (out.utmSource, out.utmMedium, out.utmCampaign, out.utmTerm, out.utmContent) =
            (utm.source, utm.medium, utm.campaign, utm.term, utm.content)
        if noTracking {
            // Counted, with its campaign and where it came from (a host), nothing about the person.
            c.ip = ""
            c.userAgent = ""
            c.referer = ""
            c.query = ""
            out.visitorHash = nil
            out.geo.region = ""
            out.geo.city = ""
        } else {
            out.visitorHash = Array(Secrets.sha256(salt + Array(click.ip.utf8) + [0] + Array(click.userAgent.utf8)).prefix(16))
            c.ip = reduce(click.ip, addresses)
        }
        out.click = c
        return out
    }

    /// The host of a referring http(s) URL as a browser reads it (`URLHost`: lower case, IDNA, no trailing dot,
    /// canonical addresses); empty when there is none.
    public static func referrerHost(_ referer: String) -> String {
        guard !referer.isEmpty, let components = URLComponents(string: referer),
              components.scheme.map({ ["http", "https"].contains($0.lowercased()) }) == true,
              let host = DestinationURL.host(of: components) else { return "" }
        return TextRule.clipped(host.description, maxLength: columnLimit)
    }

    /// The first value of each UTM parameter (percent-decoded, `+` as a space, clipped to the column), and
    /// whether `dnt=1` is present.
    public static func utmParameters(_ query: String) -> (source: String, medium: String, campaign: String, term: String, content: String, dnt: Bool) {
        guard !query.isEmpty else { return ("", "", "", "", "", false) }
        var found: [String: String] = [:]
        var dnt = false
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = kv[0]
            if key == "dnt" { dnt = dnt || (kv.count > 1 && kv[1] == "1"); continue }
            guard key.hasPrefix("utm_"), found[String(key)] == nil else { continue }
            let raw = kv.count > 1 ? String(kv[1]) : ""
            let value = raw.contains(where: { $0 == "+" || $0 == "%" })
                ? raw.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? raw : raw
            found[String(key)] = TextRule.clipped(value, maxLength: columnLimit)
        }
        return (found["utm_source"] ?? "", found["utm_medium"] ?? "", found["utm_campaign"] ?? "", found["utm_term"] ?? "",
                found["utm_content"] ?? "", dnt)
    }

    /// `address` as `retention` keeps it; an address that does not parse is kept only in full mode.
    public static func reduce(_ address: String, _ retention: AddressRetention) -> String {
        switch retention {
        case .full: return address
        case .none: return ""
        case .truncated:
            var v4 = in_addr()
            if inet_pton(AF_INET, address, &v4) == 1 {
                let host = UInt32(bigEndian: v4.s_addr) & 0xFFFF_FF00
                return "\(host >> 24).\((host >> 16) & 0xFF).\((host >> 8) & 0xFF).0"
            }
            var v6 = in6_addr()
            if inet_pton(AF_INET6, address, &v6) == 1 {
                withUnsafeMutableBytes(of: &v6) { raw in for i in 6..<16 { raw[i] = 0 } }
                var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                guard inet_ntop(AF_INET6, &v6, &text, socklen_t(text.count)) != nil else { return "" }
                return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            return ""
        }
    }
}
