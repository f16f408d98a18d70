import Foundation
import ShortlinkCore
import Testing
import Enrichment

/// Against the tests' own database, written by Tests/e2e/data/make_test_geo.py (scripts/test makes it).
@Suite struct MaxMindGeoLocatorTests {
    static var path: String {
        guard let path = ProcessInfo.processInfo.environment["SHORTLINK_TEST_GEOIP_DB"] else {
            fatalError("SHORTLINK_TEST_GEOIP_DB is not set: run the tests with scripts/test")
        }
        return path
    }

    @Test(arguments: [
        ("192.0.2.77", GeoLocation(country: "FR", region: "Île-de-France", city: "Paris")),
        ("127.1.200.3", GeoLocation(country: "DE", region: "Bavaria", city: "Munich")),
        ("127.3.0.1", GeoLocation(country: "BR")),
        ("2001:db8:1:ffff::1", GeoLocation(country: "NZ", region: "Wellington Region", city: "Wellington")),
        ("::ffff:192.0.2.5", GeoLocation(country: "FR", region: "Île-de-France", city: "Paris")),
    ])
    func locates(address: String, expected: GeoLocation) throws {
        #expect(try MaxMindGeoLocator(path: Self.path).locate(address) == expected)
    }

    @Test(arguments: ["198.51.100.1", "2001:db8:2::1", "", "not an address", "192.0.2.300", "127.1.0.0/16", "\u{0}"])
    func unknownOrMalformedAddressesHaveNoPlace(address: String) throws {
        #expect(try MaxMindGeoLocator(path: Self.path).locate(address) == nil)
    }

    @Test func aMissingOrForeignFileIsRefused() {
        #expect(throws: MaxMindGeoLocator.OpenError.self) { try MaxMindGeoLocator(path: "/nonexistent/geo.mmdb") }
        #expect(throws: MaxMindGeoLocator.OpenError.self) { try MaxMindGeoLocator(path: "/usr/share/uap-core/regexes.yaml") }
    }
}
