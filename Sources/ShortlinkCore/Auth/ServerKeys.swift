import CSodium

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
        sodium_memzero(&master, master.count)
    }

    private static func derive(from master: [UInt8], id: UInt64) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let context = Array("shortlnk".utf8).map { CChar(bitPattern: $0) }
        _ = crypto_kdf_derive_from_key(&out, 32, id, context, master)
        return out
    }

    /// `plaintext` encrypted and authenticated, with a random nonce in front.
    public func seal(_ plaintext: [UInt8]) -> [UInt8] {
        let nonce = Secrets.randomBytes(Int(crypto_secretbox_NONCEBYTES))
        var out = [UInt8](repeating: 0, count: plaintext.count + Int(crypto_secretbox_MACBYTES))
        _ = crypto_secretbox_easy(&out, plaintext, UInt64(plaintext.count), nonce, sealingKey)
        return nonce + out
    }

    /// The plaintext of a sealed value; nil when it was altered or sealed under another secret.
    public func open(_ sealed: [UInt8]) -> [UInt8]? {
        let n = Int(crypto_secretbox_NONCEBYTES), mac = Int(crypto_secretbox_MACBYTES)
        guard sealed.count >= n + mac else { return nil }
        let nonce = Array(sealed[..<n]), box = Array(sealed[n...])
        var out = [UInt8](repeating: 0, count: box.count - mac)
        guard crypto_secretbox_open_easy(&out, box, UInt64(box.count), nonce, sealingKey) == 0 else { return nil }
        return out
    }
}
