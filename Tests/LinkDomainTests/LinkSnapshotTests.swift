import Testing
@testable import LinkDomain

/// The cached form of a link: version 2 written, version 1 still read, extensions that grow it safely.
@Suite struct LinkSnapshotTests {
    static let plain = LinkSnapshot(id: 1, redirectType: .found, isActive: true, expiresAtMillis: nil, longURL: "https://a.example/")

    static var withExtensions: LinkSnapshot {
        var s = LinkSnapshot(id: 42, redirectType: .permanentRedirect, isActive: false, expiresAtMillis: 1_790_000_000_123,
                             longURL: "https://a.example/p?x=1|2&y=|")
        s.extensions = [("note", "a,b=c|d%e\nf"), ("rules-v", "3"), ("empty", "")]
        return s
    }

    @Test(arguments: [plain, withExtensions])
    func roundTrips(_ s: LinkSnapshot) {
        #expect(s.encoded.hasPrefix("2|"))
        #expect(LinkSnapshot(encoded: s.encoded[...]) == s)
    }

    @Test func writesVersionTwo() {
        #expect(Self.plain.encoded == "2|1|302|1|||https://a.example/")
        #expect(LinkSnapshot.currentVersion == 2)
    }

    /// Entries a previous version wrote keep working after an upgrade.
    @Test(arguments: [
        ("1|1|302|1||https://a.example/", plain),
        ("1|42|308|0|1790000000123|https://a.example/p?x=1|2&y=|",
         LinkSnapshot(id: 42, redirectType: .permanentRedirect, isActive: false, expiresAtMillis: 1_790_000_000_123,
                      longURL: "https://a.example/p?x=1|2&y=|")),
    ])
    func readsVersionOne(_ text: String, _ expected: LinkSnapshot) {
        #expect(LinkSnapshot(encoded: text[...]) == expected)
    }

    /// A newer writer's optional extension is ignored (and kept), a critical one makes the entry a miss.
    @Test func extensionsGrowSafely() {
        let optional = LinkSnapshot(encoded: "2|1|302|1||later-feature=x%2Cy|https://a.example/"[...])
        #expect(optional?.longURL == "https://a.example/")
        #expect(optional?.extensions.first?.name == "later-feature")
        #expect(optional?.extensions.first?.value == "x,y")
        #expect(LinkSnapshot(encoded: "2|1|302|1||!password=abc|https://a.example/"[...]) == nil)
        #expect(LinkSnapshot(encoded: "2|1|302|1||note=1,!max-clicks=100|https://a.example/"[...]) == nil)
        // Bit 0 is "active", bit 1 "may be indexed"; bits beyond are for later versions and ignored.
        #expect(LinkSnapshot(encoded: "2|1|302|3|||https://a.example/"[...])?.isActive == true)
        #expect(LinkSnapshot(encoded: "2|1|302|3|||https://a.example/"[...])?.allowsIndexing == true)
        #expect(LinkSnapshot(encoded: "2|1|302|5|||https://a.example/"[...])?.allowsIndexing == false)
        var indexable = Self.plain
        indexable.allowsIndexing = true
        #expect(indexable.encoded == "2|1|302|3|||https://a.example/")
        #expect(LinkSnapshot(encoded: indexable.encoded[...]) == indexable)
        // Rewriting rides as the critical extension !rewrite; one that does not read is a miss.
        var rewriting = Self.plain
        rewriting.rewrite = RewriteRules(utm: [("utm_source", "a|b,c=d%")], passVisitorQuery: false, remove: ["utm_*"])
        #expect(LinkSnapshot(encoded: rewriting.encoded[...]) == rewriting)
        #expect(LinkSnapshot(encoded: "2|1|302|1||!rewrite=%7Bnot-json|https://a.example/"[...]) == nil)
        #expect(LinkSnapshot(encoded: "2|1|302|1||!rewrite=%7B%7D|https://a.example/"[...]) == nil)  // members missing
        // A version-1 entry (written before indexing existed) is never indexable.
        #expect(LinkSnapshot(encoded: "1|1|302|1||https://a.example/"[...])?.allowsIndexing == false)
    }

    @Test(arguments: [
        "", "-", "3|1|302|1|||https://x", "2|1|302|1||https://x", "1|x|302|1||https://x", "1|1|303|1||https://x",
        "1|1|302|2||https://x", "1|1|302|1||", "2|1|302|1|||", "2|1|302|x|||https://x", "2|1|302|1|soon||https://x",
        "2|1|302|1||=v|https://x", "2|1|302|1||Bad=v|https://x", "2|1|302|1||novalue|https://x", "2|1|302|1||a=%zz|https://x",
        "2|1|302|1||a=%4|https://x", "2|1|302|1||a=%FF|https://x", "2|1|302|1||a=1,,b=2|https://x",
    ])
    func rejectsMalformedEntries(_ text: String) {
        #expect(LinkSnapshot(encoded: text[...]) == nil)
    }
}
