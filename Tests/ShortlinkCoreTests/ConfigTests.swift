import Foundation
import Testing
import LinkDomain
@testable import ShortlinkCore

@Suite struct ConfigOwnHostsTests {
    /// An empty config file, so that only the environment given counts.
    static let emptyFile: String = {
        let path = NSTemporaryDirectory() + "shortlink-empty-\(getpid()).conf"
        FileManager.default.createFile(atPath: path, contents: Data())
        return path
    }()

    @Test func ownHostsAreCanonicalWhateverTheirSpelling() throws {
        let config = try Config.load(environment: [
            "SHORTLINK_CONFIG": Self.emptyFile,
            "SHORTLINK_BASE_URL": "https://Sho.RT",
            "SHORTLINK_APP_URL": "https://bücher.example/app",
            "SHORTLINK_OWN_HOSTS": "lb.example., 3221225991, [2001:DB8::5], ｅｄｇｅ.example",
        ])
        #expect(config.ownHosts == [.name("sho.rt"), .name("xn--bcher-kva.example"), .name("lb.example"),
                                    .ipv4(0xC000_0207), .ipv6([0x2001, 0xDB8, 0, 0, 0, 0, 0, 5]), .name("edge.example")])
        var refused: String?
        do { _ = try DestinationURL.validate("http://192.0.2.7/x", ownHosts: config.ownHosts) } catch { refused = error.errors.first?.code }
        #expect(refused == "url.loop")
    }

    @Test func aBadOwnHostStopsStartUpNamingTheKey() {
        #expect(throws: ConfigError.self) {
            try Config.load(environment: ["SHORTLINK_CONFIG": Self.emptyFile, "SHORTLINK_OWN_HOSTS": "1.2.3.4.5"])
        }
    }

    @Test(arguments: ["shortlink@localhost", "noreply@mail.example.com"])
    func theSenderFollowsTheOneEmailRule(_ from: String) throws {
        #expect(try Config.load(environment: ["SHORTLINK_CONFIG": Self.emptyFile, "SHORTLINK_MAIL_FROM": from]).mailFrom == from)
    }

    @Test func anInvalidSenderIsRefused() {
        #expect(throws: ConfigError.self) {
            try Config.load(environment: ["SHORTLINK_CONFIG": Self.emptyFile, "SHORTLINK_MAIL_FROM": "Shortlink <a@b.example>"])
        }
    }
}

@Suite struct CacheKeySchemaTests {
    @Test func everyKeyIsVersionedAndFitsMemcached() {
        let longest = [
            CacheKeys.link(domainID: Int64.max, code: String(repeating: "z", count: 64)),
            CacheKeys.rate(subject: "ip:" + String(repeating: "f", count: 45), window: Int64.max),
            CacheKeys.loginFailures(clientIP: String(repeating: "f", count: 45)),
            CacheKeys.loginFailures(emailHash: Array(repeating: 0xAB, count: 32)),
            CacheKeys.resetRequests(emailHash: Array(repeating: 0xAB, count: 32)),
            CacheKeys.domainID(host: String(repeating: "h", count: 253)), CacheKeys.changeGeneration, CacheKeys.healthProbe,
        ]
        for key in longest {
            #expect(key.hasPrefix("sl1:"), "\(key)")
            #expect(key.utf8.count <= 250, "\(key)")
            #expect(!key.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }), "\(key)")
        }
    }

    @Test func kindsOfKeyNeverCollide() {
        #expect(CacheKeys.loginFailures(emailHash: [1, 2]) != CacheKeys.resetRequests(emailHash: [1, 2]))
        #expect(CacheKeys.link(domainID: 1, code: "gen") != CacheKeys.changeGeneration)
    }
}
