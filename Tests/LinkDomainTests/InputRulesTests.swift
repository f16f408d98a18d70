import Foundation
import Testing
@testable import LinkDomain

@Suite struct StrictTimestampTests {
    @Test(arguments: [
        ("2030-01-01T00:00:00Z", "2030-01-01T00:00:00.000Z"), ("2030-01-01T00:00:00.5Z", "2030-01-01T00:00:00.500Z"),
        ("2030-01-01T00:00:00.123Z", "2030-01-01T00:00:00.123Z"), ("2030-01-01T00:00:00.123000000Z", "2030-01-01T00:00:00.123Z"),
        ("2030-01-01t00:00:00z", "2030-01-01T00:00:00.000Z"), ("2030-01-01T02:30:00+02:30", "2030-01-01T00:00:00.000Z"),
        ("2029-12-31T19:00:00-05:00", "2030-01-01T00:00:00.000Z"), ("2028-02-29T00:00:00Z", "2028-02-29T00:00:00.000Z"),
        ("2000-02-29T23:59:59.999Z", "2000-02-29T23:59:59.999Z"), ("9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"),
    ])
    func keepsTheInstantToTheMillisecond(_ text: String, _ expected: String) throws {
        let date = try #require(Timestamp.parse(text))
        #expect(Timestamp.format(date) == expected)
    }

    @Test(arguments: [
        "2030-02-30T00:00:00Z", "2029-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2030-04-31T00:00:00Z", "2030-13-01T00:00:00Z",
        "2030-00-10T00:00:00Z", "2030-01-00T00:00:00Z", "2030-01-01T24:00:00Z", "2030-01-01T23:60:00Z", "2030-01-01T23:59:60Z",
        "2030-01-01T00:00:00.123456789Z", "2030-01-01T00:00:00.1234Z", "2030-01-01T00:00:00.Z", "2030-01-01T00:00:00",
        "2030-01-01 00:00:00Z", "2030-01-01", "20300101T000000Z", "2030-1-01T00:00:00Z", "+2030-01-01T00:00:00Z",
        "2030-01-01T00:00:00+24:00", "2030-01-01T00:00:00+0200", "2030-01-01T00:00:00Z ", " 2030-01-01T00:00:00Z",
        "9999-12-31T23:00:00-02:00", "0000-01-01T00:00:00Z", "2030-01-01T00:00:00\u{0}Z", "2030-٠١-01T00:00:00Z", "",
    ])
    func refusesWhatDoesNotExistOrWouldMove(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func agreesWithFoundationOnEveryDayOfALeapCycle() throws {
        var day = Date(timeIntervalSince1970: 946_684_800)  // 2000-01-01
        for _ in 0..<(366 * 4) {
            let text = day.formatted(Date.ISO8601FormatStyle())
            #expect(Timestamp.parse(text) == day, "\(text)")
            day.addTimeInterval(86_400)
        }
    }
}

@Suite struct TextRuleTests {
    @Test func countsCodePointsAfterNFC() throws {
        let composable = String(repeating: "e\u{301}", count: 100)  // 200 code points in, 100 after NFC
        #expect(try TextRule.name.validate(composable, field: "name").unicodeScalars.count == 100)
        let uncomposable = String(repeating: "q\u{303}", count: 100)  // no precomposed form: 200 code points
        #expect(throws: ValidationError.self) { try TextRule.name.validate(uncomposable, field: "name") }
        let emoji = String(repeating: "👩‍💻", count: 34)  // 34 graphemes, 102 code points
        #expect(throws: ValidationError.self) { try TextRule.name.validate(emoji, field: "name") }
        #expect(try TextRule.name.validate(String(repeating: "😀", count: 100), field: "name").unicodeScalars.count == 100)
    }

    @Test(arguments: ["a\u{0}b", "a\u{7}b", "a\nb", "a\u{85}b", "a\u{202E}b", "a\u{2066}b", "a\u{2028}b", "a\u{200F}b"])
    func refusesControlAndBidiCharacters(_ text: String) {
        var code: String?
        do { _ = try TextRule.name.validate(text, field: "name") } catch { code = error.errors.first?.code }
        #expect(code == "text.characters")
    }

    @Test func trimsAndHonoursTheMinimum() throws {
        #expect(try TextRule.name.validate("  Team  ", field: "name") == "Team")
        #expect(throws: ValidationError.self) { try TextRule.name.validate("   ", field: "name") }
        #expect(try TextRule.optionalName.validate("  ", field: "name") == "")
    }

    @Test func clippedFitsTheColumnWhateverTheInput() {
        let agent = String(repeating: "a\u{308}\u{330}", count: 300)  // 300 graphemes, 600+ code points
        let clipped = TextRule.clipped(agent, maxLength: 255)
        #expect(clipped.unicodeScalars.count <= 255)
        #expect(TextRule.clipped("Mozilla\u{0}/5.0", maxLength: 255) == "Mozilla\u{FFFD}/5.0")
    }
}

@Suite struct URLHostTests {
    @Test(arguments: [
        ("2130706433", "127.0.0.1"), ("0x7f.1", "127.0.0.1"), ("0177.0.0.01", "127.0.0.1"), ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"), ("0x7F000001", "127.0.0.1"), ("127.0.0.1.", "127.0.0.1"), ("[::ffff:127.0.0.1]", "127.0.0.1"),
        ("[::FFFF:7F00:1]", "127.0.0.1"), ("Example.COM.", "example.com"), ("%65xample.com", "example.com"),
        ("[2001:DB8::1]", "[2001:db8:0:0:0:0:0:1]"), ("[::1]", "[0:0:0:0:0:0:0:1]"), ("0x", "0.0.0.0"),
    ])
    func canonicalSpelling(_ raw: String, _ canonical: String) throws {
        #expect(try #require(URLHost(parsing: raw)).description == canonical)
    }

    @Test(arguments: ["", "1.2.3.4.5", "256.1.1.1", "1.256.1.1", "0x1.0x100.1.1", "4294967296", "09.1.1.1", "[1::2::3]",
                      "[12345::]", "[::1", "exa mple.com", "ex<ample.com", "bücher.example", "ｌｏｃａｌｈｏｓｔ", "a..b",
                      "%zz.example", "[::1%eth0]", "[1:2:3:4:5:6:7:8:9]", "[::1.2.3]", "[::01.2.3.4]"])
    func refusesWhatABrowserRefuses(_ raw: String) {
        #expect(URLHost(parsing: raw) == nil)
    }

    @Test func thisMachine() throws {
        for raw in ["localhost", "a.b.localhost", "127.9.9.9", "0.0.0.0", "[::1]", "[::]", "[::ffff:127.0.0.2]"] {
            #expect(try #require(URLHost(parsing: raw)).isThisMachine, "\(raw)")
        }
        for raw in ["example.com", "10.0.0.1", "[2001:db8::1]", "localhost.example", "128.0.0.1"] {
            #expect(try !#require(URLHost(parsing: raw)).isThisMachine, "\(raw)")
        }
    }
}

@Suite struct ProductPathsTests {
    @Test func everyProductPathIsRefusedAsAnAlias() {
        for entry in ProductPaths.entries {
            #expect(AliasRules.reserved.contains(entry.segment.lowercased()), "\(entry.segment)")
            for spelling in [entry.segment, entry.segment.uppercased()] {
                #expect(throws: ValidationError.self, "\(spelling)") { try AliasRules.validateCustom(spelling) }
            }
        }
    }

    @Test(arguments: [("/verify-email", true), ("/verify-email?token=x", true), ("/app/", true), ("/app", true),
                      ("/api/v1/urls", true), ("/.well-known/acme-challenge/x", true), ("/apps", false), ("/App", false),
                      ("/verify-emailx", false), ("/abc", false), ("/", false)])
    func routing(_ path: String, _ isProduct: Bool) {
        let withoutQuery = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        #expect(ProductPaths.isProductPath(withoutQuery) == isProduct)
    }

    @Test func nginxSnippetSendsEveryNonNginxPathToHTTPSOnTheConfiguredName() {
        let snippet = ProductPaths.nginxSnippet()
        #expect(snippet.contains("return 308 https://$server_name$request_uri;"))
        #expect(!snippet.contains("$host"))
        for e in ProductPaths.entries where e.owner != .nginx { #expect(snippet.contains(e.segment), "\(e.segment)") }
    }
}

@Suite struct TimestampFormatTests {
    @Test func formatsEveryMillisecondExactlyAndRoundTrips() throws {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let ms = Int64.random(in: -62_135_596_800_000..<Timestamp.endOfRangeMillis, using: &random)
            let text = Timestamp.format(Timestamp.date(millis: ms))
            #expect(Timestamp.parseMillis(text) == ms, "\(text)")
        }
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: -0.001)) == "1969-12-31T23:59:59.999Z")
    }
}
