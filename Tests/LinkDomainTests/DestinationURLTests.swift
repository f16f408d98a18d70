import Testing
@testable import LinkDomain

@Suite struct DestinationURLTests {
    let own: Set<URLHost> = [.name("sho.rt"), .ipv4(0xC000_0201)]  // sho.rt and 192.0.2.1

    @Test(arguments: [
        "https://example.com", "http://example.com/path?q=1#frag", "HTTPS://Example.COM/a",
        "https://example.com:8443/x", "https://[2001:db8::1]/", "https://xn--bcher-kva.example/",
        "http://10.0.0.5/intranet", "http://bücher.example/", "http://127.0.0.1.example.com/", "https://localhost.example/",
    ])
    func acceptsHTTPURLs(_ url: String) throws {
        #expect(try DestinationURL.validate(url, ownHosts: own) == url)
    }

    @Test(arguments: [
        ("", "url.required"), ("javascript:alert(1)", "url.scheme"), ("JaVaScRiPt:alert(1)", "url.scheme"),
        ("data:text/html,hi", "url.scheme"), ("ftp://example.com/", "url.scheme"), ("file:///etc/passwd", "url.scheme"),
        ("example.com", "url.scheme"), ("https://", "url.host"), ("https://user:pw@example.com/", "url.credentials"),
        ("https://sho.rt/abc", "url.loop"), ("https://SHO.RT./abc", "url.loop"), ("https://%73ho.rt/abc", "url.loop"),
        ("http://192.0.2.1/x", "url.loop"), ("http://3221225985/x", "url.loop"), ("http://0xc0.0.2.1/x", "url.loop"),
        ("http://[::ffff:192.0.2.1]/x", "url.loop"), ("http://localhost:8080/x", "url.loop"),
        ("http://LocalHost./x", "url.loop"), ("http://app.localhost/x", "url.loop"), ("http://127.0.0.1/x", "url.loop"),
        ("http://127.1/x", "url.loop"), ("http://2130706433/x", "url.loop"), ("http://0x7f000001/x", "url.loop"),
        ("http://0177.0.0.1/x", "url.loop"), ("http://127.255.255.254/x", "url.loop"), ("http://0.0.0.0/x", "url.loop"),
        ("http://0/x", "url.loop"), ("http://[::1]/x", "url.loop"), ("http://[0:0:0:0:0:0:0:1]/x", "url.loop"),
        ("http://[::ffff:127.0.0.1]/x", "url.loop"), ("http://[::ffff:7f00:1]/x", "url.loop"), ("http://[::]/x", "url.loop"),
        ("http://[64:ff9b::7f00:1]/x", "url.loop"), ("http://%6c%6fcalhost/x", "url.loop"),
        ("http://ｌｏｃａｌｈｏｓｔ/x", "url.loop"), ("http://ⓛocalhost/x", "url.loop"), ("http://%EF%BD%8Cocalhost/x", "url.loop"),
        ("http://１２７.0.0.1/x", "url.loop"), ("http://ＳＨＯ.ＲＴ/x", "url.loop"), ("http://a%2fb.example/x", "url.host"),
        ("http://ex%00ample.com/x", "url.host"),
        ("http://1.2.3.4.5/x", "url.host"), ("http://256.0.0.1/x", "url.host"), ("http://0x100000000/x", "url.host"),
        ("http://[::1%25eth0]/x", "url.host"),
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
