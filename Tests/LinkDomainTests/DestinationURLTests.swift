import Testing
@testable import LinkDomain

@Suite struct DestinationURLTests {
    let own: Set<String> = ["sho.rt"]

    @Test(arguments: [
        "https://example.com", "http://example.com/path?q=1#frag", "HTTPS://Example.COM/a",
        "https://example.com:8443/x", "https://[2001:db8::1]/", "https://xn--bcher-kva.example/",
    ])
    func acceptsHTTPURLs(_ url: String) throws {
        #expect(try DestinationURL.validate(url, ownHosts: own) == url)
    }

    @Test(arguments: [
        ("", "url.required"), ("javascript:alert(1)", "url.scheme"), ("JaVaScRiPt:alert(1)", "url.scheme"),
        ("data:text/html,hi", "url.scheme"), ("ftp://example.com/", "url.scheme"), ("file:///etc/passwd", "url.scheme"),
        ("example.com", "url.scheme"), ("https://", "url.host"), ("https://user:pw@example.com/", "url.credentials"),
        ("https://sho.rt/abc", "url.loop"), ("https://SHO.RT./abc", "url.loop"),
        ("https://exa mple.com", "url.invalid"), ("https://example.com/\u{7}", "url.invalid"),
        ("https://example.com/" + String(repeating: "a", count: 2048), "url.length"),
    ])
    func rejectsBadURLs(_ url: String, _ code: String) {
        var got: String?
        do { _ = try DestinationURL.validate(url, ownHosts: own) } catch { got = error.errors.first?.code }
        #expect(got == code)
    }

    @Test func trimsSurroundingSpaces() throws {
        #expect(try DestinationURL.validate("  https://example.com/  ", ownHosts: own) == "https://example.com/")
    }
}
