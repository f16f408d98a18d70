import Testing
@testable import LinkDomain

/// The rewriting of a destination for one visit, over a table of URLs that break naive code.
@Suite struct URLRewriterTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let url: String
        let visitor: String
        let rules: RewriteRules
        let expected: String
        var description: String { name }
    }

    static let utm = RewriteRules(utm: [("utm_source", "news letter"), ("utm_medium", "email")])
    static let overriding = RewriteRules(utm: [("utm_source", "spring"), ("utm_campaign", "été 2027")], overrideUTM: true)
    static let noPass = RewriteRules(passVisitorQuery: false)

    static let cases: [Case] = [
        Case(name: "nothing to do", url: "https://e.example/p", visitor: "", rules: .init(), expected: "https://e.example/p"),
        Case(name: "visitor query passed on", url: "https://e.example/p", visitor: "ref=tw&x=1", rules: .init(), expected: "https://e.example/p?ref=tw&x=1"),
        Case(name: "visitor query off", url: "https://e.example/p?a=1", visitor: "ref=tw", rules: noPass, expected: "https://e.example/p?a=1"),
        Case(name: "the destination's value wins", url: "https://e.example/p?ref=site", visitor: "ref=tw&y=2", rules: .init(),
             expected: "https://e.example/p?ref=site&y=2"),
        Case(name: "repeated keys keep their order", url: "https://e.example/p?a=1&b=2&a=3", visitor: "", rules: .init(),
             expected: "https://e.example/p?a=1&b=2&a=3"),
        Case(name: "fragment kept, a ? inside it is the fragment's", url: "https://e.example/p?a=1#sec?x=1&y", visitor: "v=2", rules: .init(),
             expected: "https://e.example/p?a=1&v=2#sec?x=1&y"),
        Case(name: "fragment without a query", url: "https://e.example/p#top", visitor: "v=2", rules: .init(), expected: "https://e.example/p?v=2#top"),
        Case(name: "encoded slash and plus stay as written", url: "https://e.example/a%2Fb?path=x%2Fy&q=a+b", visitor: "", rules: utm,
             expected: "https://e.example/a%2Fb?path=x%2Fy&q=a+b&utm_source=news%20letter&utm_medium=email"),
        Case(name: "empty values and bare names", url: "https://e.example/?a=&b&c=3", visitor: "", rules: .init(inject: [("d", "")]),
             expected: "https://e.example/?a=&b&c=3&d="),
        Case(name: "IPv6 literal and port untouched", url: "http://[2001:db8::1]:8080/p?x=1", visitor: "", rules: utm,
             expected: "http://[2001:db8::1]:8080/p?x=1&utm_source=news%20letter&utm_medium=email"),
        Case(name: "IDN host untouched", url: "https://xn--bcher-kva.example/ä?x=1", visitor: "", rules: .init(inject: [("k", "ü")]),
             expected: "https://xn--bcher-kva.example/ä?x=1&k=%C3%BC"),
        Case(name: "builder keeps existing values", url: "https://e.example/?utm_source=site", visitor: "", rules: utm,
             expected: "https://e.example/?utm_source=site&utm_medium=email"),
        Case(name: "builder overrides, once, where the first was", url: "https://e.example/?utm_source=a&x=1&utm_source=b", visitor: "",
             rules: overriding, expected: "https://e.example/?utm_source=spring&x=1&utm_campaign=%C3%A9t%C3%A9%202027"),
        Case(name: "an encoded name is the same name", url: "https://e.example/?utm%5Fsource=a", visitor: "", rules: overriding,
             expected: "https://e.example/?utm_source=spring&utm_campaign=%C3%A9t%C3%A9%202027"),
        Case(name: "remove by glob and name, from both sides", url: "https://e.example/?utm_medium=x&id=7&fbclid=1", visitor: "gclid=2&utm_term=t&k=v",
             rules: .init(remove: ["utm_*", "fbclid", "gclid"]), expected: "https://e.example/?id=7&k=v"),
        Case(name: "removal first, then the builder", url: "https://e.example/?utm_source=old", visitor: "",
             rules: .init(utm: [("utm_source", "new")], remove: ["utm_*"]), expected: "https://e.example/?utm_source=new"),
        Case(name: "inject replaces the visitor's value", url: "https://e.example/", visitor: "aff=evil", rules: .init(inject: [("aff", "ours")]),
             expected: "https://e.example/?aff=ours"),
        Case(name: "inject encodes reserved characters", url: "https://e.example/", visitor: "", rules: .init(inject: [("q", "a&b=c#d+e/f")]),
             expected: "https://e.example/?q=a%26b%3Dc%23d%2Be%2Ff"),
        Case(name: "empty pieces dropped", url: "https://e.example/?a=1&&b=2&", visitor: "&&c=3", rules: .init(), expected: "https://e.example/?a=1&b=2&c=3"),
        Case(name: "a lone ? goes", url: "https://e.example/p?", visitor: "", rules: .init(), expected: "https://e.example/p"),
        Case(name: "malformed escapes kept as written", url: "https://e.example/?a=%zz&b=%4", visitor: "", rules: .init(remove: ["a"]),
             expected: "https://e.example/?b=%4"),
        Case(name: "the visitor's controls, spaces, # and raw UTF-8 are encoded", url: "https://e.example/", visitor: "a=x\r\nSet-Cookie:1&b=é #",
             rules: .init(), expected: "https://e.example/?a=x%0D%0ASet-Cookie:1&b=%C3%A9%20%23"),
        Case(name: "an empty builder value is not set", url: "https://e.example/", visitor: "", rules: .init(utm: [("utm_term", "")]),
             expected: "https://e.example/"),
    ]

    @Test(arguments: cases)
    func rewrites(_ c: Case) {
        #expect(URLRewriter.rewrite(c.url, visitorQuery: c.visitor, rules: c.rules) == c.expected)
    }

    @Test(arguments: [("utm_*", "utm_source", true), ("utm_*", "utm_", true), ("utm_*", "xutm_a", false), ("*", "", true),
                      ("f?clid", "fbclid", true), ("f?lid", "fbclid", false), ("f??clid", "fbclid", false), ("*id", "fbclid", true), ("a*b*c", "aXXbYc", true),
                      ("a*b*c", "aXXbY", false), ("exact", "exact", true), ("exact", "Exact", false)])
    func globs(_ pattern: String, _ name: String, _ matches: Bool) {
        #expect(URLRewriter.glob(pattern, matches: name) == matches)
    }
}
