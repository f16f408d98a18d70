import Foundation
import ShortlinkCore
import Testing
import Yams
@testable import Enrichment

/// uap-core's patterns as Debian installs them (the test command installs the package).
let uapDirectory = ProcessInfo.processInfo.environment["SHORTLINK_TEST_UAP_DIR"] ?? "/usr/share/uap-core"

@Suite struct UAPCoreConformanceTests {

    struct Case: Decodable {
        let user_agent_string: String
        let family: String?
        let major: String?
        let brand: String?
        let model: String?
    }

    struct Cases: Decodable { let test_cases: [Case] }

    static func cases(_ file: String) throws -> [Case] {
        try YAMLDecoder().decode(Cases.self, from: String(contentsOfFile: "\(uapDirectory)/tests/\(file)", encoding: .utf8)).test_cases
    }

    /// Runs uap-core's own test file and returns the failures (at most `show` of them described).
    static func failures(_ file: String, _ check: (Case, UAPCore.Parsed) -> Bool) throws -> (total: Int, failed: [String]) {
        let all = try cases(file)
        let parser = try UAPCore(path: uapDirectory + "/regexes.yaml")  // one per test: a parser is not shared
        var failed: [String] = []
        for c in all where !check(c, parser.parse(c.user_agent_string)) {
            failed.append("\(c.user_agent_string) → \(parser.parse(c.user_agent_string))")
        }
        return (all.count, failed)
    }

    @Test func browsersAsUAPCoresOwnTestsExpect() throws {
        let r = try Self.failures("test_ua.yaml") { c, p in p.agent == (c.family ?? "Other") && p.agentMajor == (c.major ?? "") }
        #expect(r.total > 1000)
        #expect(r.failed.isEmpty, "\(r.failed.count) of \(r.total): \(r.failed.prefix(10))")
    }

    @Test func systemsAsUAPCoresOwnTestsExpect() throws {
        let r = try Self.failures("test_os.yaml") { c, p in p.os == (c.family ?? "Other") && p.osMajor == (c.major ?? "") }
        #expect(r.total > 400)
        #expect(r.failed.isEmpty, "\(r.failed.count) of \(r.total): \(r.failed.prefix(10))")
    }

    @Test func devicesAsUAPCoresOwnTestsExpect() throws {
        let r = try Self.failures("test_device.yaml") { c, p in
            p.device == (c.family ?? "Other") && p.brand == (c.brand ?? "") && p.model == (c.model ?? "")
        }
        #expect(r.total > 15000)
        #expect(r.failed.isEmpty, "\(r.failed.count) of \(r.total): \(r.failed.prefix(10))")
    }

    @Test(arguments: [
        ("$1 for ArcGIS", ["Collector"], "Collector for ArcGIS"),
        ("$1 $2", ["a", nil], "a "),
        ("$0 and $x and $", ["a"], "$0 and $x and $"),
        ("plain", [], "plain"),
    ] as [(String, [String?], String)])
    func replacementTemplates(template: String, groups: [String?], expected: String) {
        #expect(UAPCore.substitute(template) { n in n <= groups.count ? groups[n - 1] : nil } == expected)
    }
}

@Suite struct UserAgentClassifierTests {
    /// A crawler list in crawler-user-agents' format, small enough to reason about.
    static let crawlers: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("crawlers-\(getpid()).json").path
        let json = #"[{"pattern": "Slackbot-LinkExpanding", "instances": []}, {"pattern": "[wW]get", "instances": []},"#
            + #" {"pattern": "UptimeRobot/", "instances": []}]"#
        _ = FileManager.default.createFile(atPath: path, contents: Data(json.utf8))
        return path
    }()

    static let classifier = try! DataSetUserAgentClassifier(regexes: uapDirectory + "/regexes.yaml", crawlers: crawlers)

    @Test(arguments: [
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
         UserAgentInfo(device: .desktop, os: "Windows", osVersion: "10", browser: "Chrome", browserVersion: "120")),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
         UserAgentInfo(device: .mobile, os: "iOS", osVersion: "17", browser: "Mobile Safari", browserVersion: "17")),
        ("Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
         UserAgentInfo(device: .tablet, os: "iOS", osVersion: "16", browser: "Mobile Safari", browserVersion: "16")),
        ("Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36",
         UserAgentInfo(device: .tablet, os: "Android", osVersion: "13", browser: "Chrome", browserVersion: "119")),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
         UserAgentInfo(device: .mobile, os: "Android", osVersion: "14", browser: "Chrome Mobile", browserVersion: "120")),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
         UserAgentInfo(device: .bot, os: "", osVersion: "", browser: "Googlebot", browserVersion: "2")),
        // On the crawler list but not uap-core's spiders.
        ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", UserAgentInfo(device: .bot, browser: "Slackbot-LinkExpanding", browserVersion: "1")),
        ("Wget/1.21.3", UserAgentInfo(device: .bot, browser: "Wget", browserVersion: "1")),
        ("", UserAgentInfo(device: .bot)),
        ("Mozilla/5.0 (SMART-TV; Linux; Tizen 5.0) AppleWebKit/538.1 (KHTML, like Gecko) Version/5.0 NativeTVAgent Safari/538.1",
         UserAgentInfo(device: .other, os: "Tizen", osVersion: "5", browser: "Safari", browserVersion: "5")),
    ] as [(String, UserAgentInfo)])
    func classifies(ua: String, expected: UserAgentInfo) {
        #expect(Self.classifier.classify(ua) == expected)
    }

    @Test func hostileStringsAreClassifiedWithoutTrouble() {
        let strings = [String(repeating: "(", count: 1024), String(repeating: "Mozilla/5.0 (", count: 80),
                       "\u{0}\u{1}\u{7F}\u{FFFD}", String(repeating: "a", count: 5000) + " Chrome/1", "é😀 Firefox/99.0"]
        for s in strings { _ = Self.classifier.classify(s) }
        #expect(Self.classifier.classify("é😀 Firefox/99.0").browser == "Firefox")
    }

    @Test func theCacheAnswersLikeTheParser() throws {
        let small = try DataSetUserAgentClassifier(regexes: uapDirectory + "/regexes.yaml", crawlers: nil, cacheLimit: 2)
        let uas = ["Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0", "curl/8.0", "Opera/9.80 (J2ME/MIDP; Opera Mini/9.80)"]
        let first = uas.map { small.classify($0) }
        let again = (uas + uas).map { small.classify($0) }
        #expect(again == first + first)
        #expect(first[0].device == .desktop)
    }

    @Test func aFileThatIsNotThePatternsIsRefused() {
        #expect(throws: DataSetUserAgentClassifier.LoadError.self) {
            try DataSetUserAgentClassifier(regexes: Self.crawlers, crawlers: nil)
        }
        #expect(throws: DataSetUserAgentClassifier.LoadError.self) {
            try DataSetUserAgentClassifier(regexes: uapDirectory + "/regexes.yaml", crawlers: uapDirectory + "/regexes.yaml")
        }
    }
}
