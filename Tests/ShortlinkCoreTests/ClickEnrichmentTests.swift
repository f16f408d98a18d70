import Foundation
import Testing
@testable import ShortlinkCore

/// What the ingester derives from a visit, table by table.
@Suite struct ClickEnrichmentTests {
    static func visit(ip: String = "192.0.2.77", ua: String = "UA/1", referer: String = "", query: String = "", dnt: Bool = false) -> ClickRecord {
        ClickRecord(timeMillis: 1_800_000_000_000, linkID: 3, domainID: 1, code: "abc", status: 302, ip: ip, userAgent: ua,
                    referer: referer, query: query, location: "https://example.com/", doNotTrack: dnt)
    }
    static let salt = [UInt8](repeating: 1, count: 32)

    @Test(arguments: [
        ("192.0.2.77", AddressRetention.full, "192.0.2.77"), ("192.0.2.77", .truncated, "192.0.2.0"), ("192.0.2.77", .none, ""),
        ("2001:db8:1:2:3:4:5:6", .truncated, "2001:db8:1::"), ("::ffff:192.0.2.1", .truncated, "::"),
        ("2001:db8::1", .full, "2001:db8::1"), ("not an address", .truncated, ""), ("", .truncated, ""),
    ])
    func addressesAreKeptAsConfigured(_ ip: String, _ mode: AddressRetention, _ kept: String) {
        #expect(ClickEnrichment.reduce(ip, mode) == kept)
    }

    @Test(arguments: [
        ("https://News.Example.COM./item?id=1", "news.example.com"), ("http://[2001:db8::1]:8080/x", "[2001:db8:0:0:0:0:0:1]"), ("https://Bücher.example/", "xn--bcher-kva.example"),
        ("android-app://com.slack/", ""), ("", ""), ("not a url", ""), ("https://t.co/abc", "t.co"),
    ])
    func referrerHosts(_ referer: String, _ host: String) {
        #expect(ClickEnrichment.referrerHost(referer) == host)
    }

    @Test func utmParametersAreReadOnceDecodedAndClipped() {
        let u = ClickEnrichment.utmParameters("utm_source=news+letter&utm_medium=e%2Dmail&utm_source=second&utm_campaign="
                                              + String(repeating: "x", count: 300) + "&utm_term&other=1&dnt=1")
        #expect(u.source == "news letter" && u.medium == "e-mail" && u.campaign.count == 255 && u.term == "" && u.dnt)
        #expect(ClickEnrichment.utmParameters("dnt=0&utm_content=a%0Ab").dnt == false)
        #expect(ClickEnrichment.utmParameters("utm_content=a%0Ab").content == "a\u{FFFD}b")  // no control characters kept
    }

    @Test func theVisitorHashIsStablePerDayAndAddressAndUserAgent() {
        let a = ClickEnrichment.enrich(Self.visit(), salt: Self.salt, addresses: .none)
        let b = ClickEnrichment.enrich(Self.visit(), salt: Self.salt, addresses: .truncated)
        let otherAgent = ClickEnrichment.enrich(Self.visit(ua: "UA/2"), salt: Self.salt, addresses: .none)
        let otherDay = ClickEnrichment.enrich(Self.visit(), salt: [UInt8](repeating: 2, count: 32), addresses: .none)
        #expect(a.visitorHash?.count == 16 && a.visitorHash == b.visitorHash)  // computed before the address is reduced
        #expect(a.visitorHash != otherAgent.visitorHash && a.visitorHash != otherDay.visitorHash)
        #expect(a.click.ip == "" && b.click.ip == "192.0.2.0")
    }

    @Test(arguments: [true, false])
    func doNotTrackCountsTheVisitAndKeepsNothingPersonal(_ header: Bool) {
        let e = ClickEnrichment.enrich(Self.visit(referer: "https://news.example/a?user=me", query: header ? "utm_source=x" : "dnt=1&utm_source=x",
                                                  dnt: header),
                                       salt: Self.salt, addresses: .full)
        #expect(e.doNotTrack && e.visitorHash == nil)
        #expect(e.click.ip == "" && e.click.userAgent == "" && e.click.referer == "" && e.click.query == "")
        #expect(e.referrerHost == "news.example" && e.utmSource == "x" && e.click.linkID == 3 && e.click.location == "https://example.com/")
    }
}
