import Dispatch
import Foundation
import JWTKit

/// The claims of a session's access token.
public struct AccessClaims: Sendable, Equatable {
    /// The user's public id.
    public var subject: String
    /// The session's public id: revoking the session stops the token on the next request.
    public var sessionID: String
    public var issuedAt: Date
    public var expiresAt: Date

    /// Creates the claims.
    public init(subject: String, sessionID: String, issuedAt: Date, expiresAt: Date) {
        self.subject = subject
        self.sessionID = sessionID
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }
}

/// Why an access token was refused.
public enum AccessTokenError: Error, Equatable, Sendable {
    /// Not three base64url parts, or not JSON.
    case malformed
    /// The header names another algorithm than HS256 (e.g. `none`), or another token type.
    case wrongAlgorithm
    /// The signature does not match our key.
    case badSignature
    case expired
    case notYetValid
    /// Wrong issuer or audience.
    case wrongAudience
}

/// Signs and verifies access tokens: JWT, HS256 with a key derived from the server secret, via jwt-kit.
///
/// jwt-kit's key collection is an actor; its algorithms, serializer and parser are synchronous. The HMAC key is
/// taken out of the collection once, at creation, so that signing and verifying on a worker's request path
/// need no concurrency at all.
public final class AccessTokens: Sendable {
    static let issuer = "shortlink"
    static let audience = "shortlink-api"
    private let algorithm: any JWTAlgorithm

    private init(algorithm: any JWTAlgorithm) { self.algorithm = algorithm }

    /// Creates the signer over a 32-byte key.
    public static func make(key: [UInt8]) async -> AccessTokens {
        let collection = JWTKeyCollection()
        await collection.add(hmac: HMACKey(from: key), digestAlgorithm: .sha256)
        // The collection has a default key now, so this cannot fail.
        return AccessTokens(algorithm: try! await collection.getKey())
    }

    /// Creates the signer from synchronous code that is not itself running on the concurrency pool (a
    /// worker's main thread); async callers use `make(key:)`.
    public convenience init(key: [UInt8]) {
        let made = blockingCall { await AccessTokens.make(key: key) }
        self.init(algorithm: made.algorithm)
    }

    /// A signed token for `claims`.
    public func sign(_ claims: AccessClaims) -> String {
        let payload = Payload(
            iss: IssuerClaim(value: Self.issuer), aud: AudienceClaim(value: [Self.audience]),
            sub: SubjectClaim(value: claims.subject), sid: claims.sessionID,
            iat: IssuedAtClaim(value: claims.issuedAt), nbf: NotBeforeClaim(value: claims.issuedAt.addingTimeInterval(-1)),
            exp: ExpirationClaim(value: claims.expiresAt), jti: IDClaim(value: Secrets.uuid()))
        let serializer = DefaultJWTSerializer()
        var header = JWTHeader()
        header.alg = algorithm.name
        header.typ = "JWT"
        guard let headerJSON = try? serializer.jsonEncoder.encode(header),
              let encodedPayload = try? serializer.serialize(payload, header: header) else { return "" }
        let signingInput = Array(Self.base64URLEncode(Array(headerJSON)).utf8) + [UInt8(ascii: ".")] + Array(encodedPayload)
        guard let signature = try? algorithm.sign(signingInput) else { return "" }
        return String(decoding: signingInput, as: UTF8.self) + "." + Self.base64URLEncode(signature)
    }

    /// The claims of a valid token at `now`; refuses any algorithm but HS256, a wrong key, an expired or
    /// not-yet-valid token and a token for another audience.
    public func verify(_ token: String, now: Date) throws(AccessTokenError) -> AccessClaims {
        let bytes = Array(token.utf8)
        guard let lastDot = bytes.lastIndex(of: UInt8(ascii: ".")),
              let parsed = try? DefaultJWTParser().parse(bytes, as: Payload.self) else { throw .malformed }
        // Only our algorithm: `none` above all, and no HS384/HS512 or asymmetric confusion.
        guard parsed.header.alg == algorithm.name, parsed.header.fields["crit"] == nil else { throw .wrongAlgorithm }
        guard (try? algorithm.verify(parsed.signature, signs: bytes[..<lastDot])) == true else { throw .badSignature }
        let payload = parsed.payload
        do { try payload.exp.verifyNotExpired(currentDate: now) } catch { throw .expired }
        do { try payload.nbf.verifyNotBefore(currentDate: now) } catch { throw .notYetValid }
        guard payload.iss.value == Self.issuer, payload.aud.value.contains(Self.audience) else { throw .wrongAudience }
        return AccessClaims(subject: payload.sub.value, sessionID: payload.sid, issuedAt: payload.iat.value,
                            expiresAt: payload.exp.value)
    }

    static func base64URLEncode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// True when `token` has the shape of a JWT (three dot-separated base64url parts), as opposed to an API key.
    public static func looksLikeJWT(_ token: String) -> Bool {
        token.utf8.filter { $0 == UInt8(ascii: ".") }.count == 2 && token.hasPrefix("eyJ")
    }

    static func base64URLDecode(_ s: Substring) -> [UInt8]? {
        var text = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return Data(base64Encoded: text).map(Array.init)
    }

    /// The token's claims as jwt-kit sees them. Time checks are done by `verify(_:now:)` with our clock.
    struct Payload: JWTPayload {
        var iss: IssuerClaim
        var aud: AudienceClaim
        var sub: SubjectClaim
        var sid: String
        var iat: IssuedAtClaim
        var nbf: NotBeforeClaim
        var exp: ExpirationClaim
        var jti: IDClaim

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
}

/// Runs async `work` to completion from synchronous code and returns its result. Used only where a
/// library offers nothing but an async API; never call it from inside a task.
public func blockingCall<T: Sendable>(_ work: @escaping @Sendable () async -> T) -> T {
    let box = BlockingResult<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        box.value = await work()
        done.signal()
    }
    done.wait()
    return box.value!
}

/// Where `blockingCall`'s task leaves its result; written before the semaphore is signalled, read after.
private final class BlockingResult<T>: @unchecked Sendable {
    var value: T?
}
