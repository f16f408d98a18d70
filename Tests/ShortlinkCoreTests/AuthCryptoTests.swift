import Foundation
import QRCode
import Testing
@testable import ShortlinkCore

/// RFC 6238 Appendix B: the seeds are ASCII "1234567890" repeated to the hash's block-size key length.
@Suite struct TOTPTests {
    static let sha1Seed = Array("12345678901234567890".utf8)
    static let sha256Seed = Array("12345678901234567890123456789012".utf8)
    static let sha512Seed = Array("1234567890123456789012345678901234567890123456789012345678901234".utf8)

    static let vectors: [(Int64, String, String, String)] = [
        (59, "94287082", "46119246", "90693936"),
        (1_111_111_109, "07081804", "68084774", "25091201"),
        (1_111_111_111, "14050471", "67062674", "99943326"),
        (1_234_567_890, "89005924", "91819424", "93441116"),
        (2_000_000_000, "69279037", "90698825", "38618901"),
        (20_000_000_000, "65353130", "77737706", "47863826"),
    ]

    @Test(arguments: vectors.indices)
    func rfc6238Vectors(_ i: Int) {
        let (time, sha1, sha256, sha512) = Self.vectors[i]
        #expect(TOTP(secret: Self.sha1Seed, digits: 8, algorithm: .sha1).code(at: time) == sha1)
        #expect(TOTP(secret: Self.sha256Seed, digits: 8, algorithm: .sha256).code(at: time) == sha256)
        #expect(TOTP(secret: Self.sha512Seed, digits: 8, algorithm: .sha512).code(at: time) == sha512)
    }

    @Test func driftWindowAcceptsOneStepEitherSideOnly() {
        let totp = TOTP(secret: Self.sha1Seed)
        let now: Int64 = 1_700_000_000
        let step = totp.step(at: now)
        #expect(totp.matchingStep(totp.code(step: step), at: now) == step)
        #expect(totp.matchingStep(totp.code(step: step - 1), at: now) == step - 1)
        #expect(totp.matchingStep(totp.code(step: step + 1), at: now) == step + 1)
        #expect(totp.matchingStep(totp.code(step: step - 2), at: now) == nil)
        #expect(totp.matchingStep(totp.code(step: step + 2), at: now) == nil)
        #expect(totp.matchingStep("12345", at: now) == nil)
        #expect(totp.matchingStep("abcdef", at: now) == nil)
    }

    @Test func base32RoundTripAndRFC4648Vectors() {
        #expect(Base32.encode(Array("foobar".utf8)) == "MZXW6YTBOI")
        #expect(Base32.encode(Array("f".utf8)) == "MY")
        #expect(Base32.decode("mzxw6ytboi") == Array("foobar".utf8))
        #expect(Base32.decode("MZXW 6YTB OI======") == Array("foobar".utf8))
        #expect(Base32.decode("MZ1") == nil)
        let random = (0..<20).map { _ in UInt8.random(in: 0...255) }
        #expect(Base32.decode(Base32.encode(random)) == random)
    }

    @Test func provisioningURI() {
        let uri = TOTP(secret: Array("foobar".utf8)).provisioningURI(account: "ann@example.com", issuer: "shortlink")
        #expect(uri == "otpauth://totp/shortlink%3Aann@example.com?secret=MZXW6YTBOI&issuer=shortlink&algorithm=SHA1&digits=6&period=30")
    }

    @Test func qrCodeOfTheURIIsAnSVGWithAQuietZone() throws {
        let uri = TOTP(secret: Array(repeating: 7, count: 20)).provisioningURI(account: "ann@example.com", issuer: "shortlink")
        let (size, dark) = try #require(QRCode.matrix(uri))
        #expect(size >= 21 && (size - 17) % 4 == 0)  // a QR version's side is 17 + 4·version
        #expect(dark[0] && dark[6] && !dark[7])  // the top-left finder pattern
        let svg = try #require(QRCode.svg(uri))
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(size + 8) \(size + 8)\""))
        #expect(svg.contains("M4 4h7v1h-7z"))  // the finder's top row, offset by the quiet zone
    }
}

@Suite struct AccessTokenTests {
    let key = Array(repeating: UInt8(1), count: 32)
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func claims(ttl: TimeInterval = 900) -> AccessClaims {
        AccessClaims(subject: "user-1", sessionID: "session-1", issuedAt: now, expiresAt: now.addingTimeInterval(ttl))
    }

    @Test func signedTokenVerifies() async throws {
        let tokens = await AccessTokens.make(key: key)
        let token = tokens.sign(claims())
        #expect(AccessTokens.looksLikeJWT(token))
        let back = try tokens.verify(token, now: now.addingTimeInterval(10))
        #expect(back.subject == "user-1" && back.sessionID == "session-1")
    }

    @Test func expiredAndNotYetValidAreRefused() async {
        let tokens = await AccessTokens.make(key: key)
        let token = tokens.sign(claims(ttl: 60))
        #expect(throws: AccessTokenError.expired) { try tokens.verify(token, now: now.addingTimeInterval(61)) }
        #expect(throws: AccessTokenError.notYetValid) { try tokens.verify(token, now: now.addingTimeInterval(-30)) }
    }

    @Test func otherKeyAndTamperingAreRefused() async throws {
        let tokens = await AccessTokens.make(key: key)
        let other = await AccessTokens.make(key: Array(repeating: 2, count: 32))
        let token = tokens.sign(claims())
        #expect(throws: AccessTokenError.badSignature) { try other.verify(token, now: now) }
        var parts = token.split(separator: ".").map(String.init)
        let payload = try #require(AccessTokens.base64URLDecode(Substring(parts[1])))
        let forged = String(decoding: payload, as: UTF8.self).replacingOccurrences(of: "user-1", with: "user-2")
        parts[1] = Data(forged.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        #expect(throws: AccessTokenError.badSignature) { try tokens.verify(parts.joined(separator: "."), now: now) }
    }

    @Test func algNoneAndOtherAlgorithmsAreRefused() async {
        let tokens = await AccessTokens.make(key: key)
        let token = tokens.sign(claims())
        let parts = token.split(separator: ".").map(String.init)
        func header(_ json: String) -> String {
            Data(json.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
        }
        let none = header("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + "."
        #expect(throws: AccessTokenError.wrongAlgorithm) { try tokens.verify(none, now: now) }
        let hs512 = header("{\"alg\":\"HS512\",\"typ\":\"JWT\"}") + "." + parts[1] + "." + parts[2]
        #expect(throws: AccessTokenError.wrongAlgorithm) { try tokens.verify(hs512, now: now) }
        #expect(throws: AccessTokenError.malformed) { try tokens.verify("not-a-token", now: now) }
    }
}

@Suite struct SealingAndMailTests {
    @Test func sealedSecretsOpenOnlyUnderTheSameServerSecret() throws {
        Secrets.initialize()
        let keys = ServerKeys(secret: Array("a-server-secret-of-at-least-32-characters".utf8))
        let sealed = keys.seal([1, 2, 3, 4])
        #expect(keys.open(sealed) == [1, 2, 3, 4])
        #expect(ServerKeys(secret: Array("another-server-secret-of-32-characters!!".utf8)).open(sealed) == nil)
        var altered = sealed
        altered[altered.count - 1] ^= 1
        #expect(keys.open(altered) == nil)
        #expect(keys.tokenSigningKey != Array(keys.sealingKey))
    }

    @Test func mailHasCRLFLinesAndNoHeaderInjection() {
        let bytes = MailMessage.render(from: "shortlink@example.com", to: "ann@example.com\r\nBcc: eve@example.com",
                                       subject: "Hi\nBcc: eve@example.com", body: "line 1\nline 2\n",
                                       date: Date(timeIntervalSince1970: 0), messageID: "<1@example.com>")
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.contains("\r\nBcc:"))
        #expect(text.contains("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"))
        #expect(text.hasSuffix("\r\n\r\nline 1\r\nline 2\r\n"))
        let utf8 = String(decoding: MailMessage.render(from: "a@b.c", to: "d@e.f", subject: "Grüße", body: "",
                                                       date: Date(), messageID: "<x@y>"), as: UTF8.self)
        #expect(utf8.contains("Subject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n"))
    }
}
