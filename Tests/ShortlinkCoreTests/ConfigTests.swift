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
