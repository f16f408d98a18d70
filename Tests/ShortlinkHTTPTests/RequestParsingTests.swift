import Testing
@testable import ShortlinkHTTP

@Suite struct StrictJSONTests {
    func parse(_ text: String) throws -> JSONValue { try StrictJSONParser.parse(Array(text.utf8)) }

    @Test func readsEveryKindOfValue() throws {
        let v = try parse(#" { "s": "a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "n": -12.5e1, "i": 0, "t": true, "f": false, "z": null, "a": [1, [], {}] } "#)
        guard case .object(let o) = v else { Issue.record("not an object"); return }
        #expect(o["s"] == .string("a\"\\/\u{8}\u{c}\n\r\té😀"))
        #expect(o["n"] == .number(-125))
        #expect(o["i"] == .number(0))
        #expect(o["t"] == .bool(true) && o["f"] == .bool(false) && o["z"] == .null)
        #expect(o["a"] == .array([.number(1), .array([]), .object([:])]))
    }

    @Test(arguments: [
        #"{"a": 1, "a": 2}"#, #"{"a": 1, "\u0061": 2}"#, #"{"x": {"b": 1, "b": 1}}"#, #"[{"k": 1, "k": 1}]"#,
    ])
    func refusesDuplicateMemberNames(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try parse(text) }
    }

    @Test(arguments: [
        "", " ", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[01]", "[1.]", "[.5]", "[+1]", "[1e]", "[-]",
        "[1e999]", "[NaN]", "[Infinity]", "[tru]", "[nul]", "{'a':1}", "{a:1}", "[\"\\x\"]", "[\"\\u12\"]",
        "[\"\\ud800\"]", "[\"\\udc00\"]", "[\"\\ud800\\u0041\"]", "[\"tab\there\"]", "[\"nl\nhere\"]", "{} {}", "[1] x",
        "\u{FEFF}{}", "// c\n{}", "[1,,2]",
    ])
    func refusesWhatRFC8259Refuses(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try parse(text) }
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONSyntaxError.self) { try StrictJSONParser.parse([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D]) }
        #expect(throws: JSONSyntaxError.self) { try StrictJSONParser.parse([0x22, 0xED, 0xA0, 0x80, 0x22]) }  // encoded surrogate
    }

    @Test func boundsTheNesting() throws {
        let ok = String(repeating: "[", count: StrictJSONParser.maxDepth) + String(repeating: "]", count: StrictJSONParser.maxDepth)
        _ = try parse(ok)
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try parse(deep) }
    }
}

@Suite struct MediaTypeTests {
    @Test(arguments: ["application/json", "Application/JSON", "application/json; charset=utf-8", "application/json;charset=\"UTF-8\"",
                      "application/json ; charset=utf-8", "application/json;"])
    func acceptsJSON(_ value: String) throws {
        #expect(try #require(MediaType(parsing: value)).isJSON)
    }

    @Test(arguments: ["application/jsonx", "application/json-patch+json", "application/merge-patch+json", "application/json; charset=latin1",
                      "application/json; charset=utf-16", "application/json; foo=bar", "text/json", "application/json, text/plain",
                      "application/json garbage", "application / json", "", "application/"])
    func refusesEverythingElse(_ value: String) {
        #expect(MediaType(parsing: value)?.isJSON != true)
    }
}

@Suite struct ContentNegotiationTests {
    @Test(arguments: [
        (nil, false), ("", false), ("*/*", false), ("text/html", false), ("application/json", true),
        ("application/problem+json", true), ("text/html;q=0.1, application/json", true), ("application/json;q=0.5, text/html", false),
        ("text/html, application/json", false), ("application/json, text/html", false), ("text/*;q=0.2, application/*;q=0.9", true),
        ("*/*;q=0.1, application/json", true), ("text/html;q=0, */*", true), ("application/json;q=0", false),
        ("text/html;level=1, application/json;q=0.9", true), ("application/json;q=2", false), ("application/json;q=0.1234", false),
        ("text/plain", false), ("image/*", false), ("application/json; q=0.8, text/html; q=0.8", false),
    ] as [(String?, Bool)])
    func weighsJSONAgainstHTML(_ accept: String?, _ prefersJSON: Bool) {
        #expect(ShortlinkApp.prefersJSON(accept) == prefersJSON)
    }

    @Test func theMostSpecificRangeDecides() throws {
        let header = AcceptHeader("text/*;q=0.3, text/html;q=0.7, text/html;level=1, */*;q=0.5")
        #expect(header.quality(of: try #require(MediaType(parsing: "text/html;level=1"))) == 1)
        #expect(header.quality(of: try #require(MediaType(parsing: "text/html"))) == 0.7)
        #expect(header.quality(of: try #require(MediaType(parsing: "text/plain"))) == 0.3)
        #expect(header.quality(of: try #require(MediaType(parsing: "image/jpeg"))) == 0.5)
    }
}
