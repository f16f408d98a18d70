import Sodium

/// Keys derived from the one server secret (`SHORTLINK_SECRET_KEY_FILE`): each purpose gets its own subkey
/// (libsodium's `crypto_kdf`), so a token signing key never doubles as an encryption key.
public struct ServerKeys: Sendable {
    /// Signs access tokens (HS256).
    public let tokenSigningKey: [UInt8]
    /// Seals TOTP secrets at rest (XSalsa20-Poly1305).
    let sealingKey: [UInt8]

    /// Derives the subkeys from `secret` (at least 32 bytes of high-entropy text).
    public init(secret: [UInt8]) {
        var master = Secrets.sha256(secret)
        tokenSigningKey = Self.derive(from: master, id: 1)
        sealingKey = Self.derive(from: master, id: 2)
        Sodium.wipe(&master)
    }

    private static func derive(from master: [UInt8], id: UInt64) -> [UInt8] {
        Sodium.deriveKey(from: master, id: id, context: "shortlnk")
    }

    /// `plaintext` encrypted and authenticated, with a random nonce in front.
    public func seal(_ plaintext: [UInt8]) -> [UInt8] {
        let nonce = Secrets.randomBytes(Sodium.SecretBox.nonceBytes)
        return nonce + Sodium.SecretBox.seal(plaintext, nonce: nonce, key: sealingKey)
    }

    /// The plaintext of a sealed value; nil when it was altered or sealed under another secret.
    public func open(_ sealed: [UInt8]) -> [UInt8]? {
        let n = Sodium.SecretBox.nonceBytes
        guard sealed.count >= n else { return nil }
        return Sodium.SecretBox.open(Array(sealed[n...]), nonce: Array(sealed[..<n]), key: sealingKey)
    }
}
