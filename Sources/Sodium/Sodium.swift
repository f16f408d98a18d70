import CSodium

/// libsodium behind one Swift API: this is the only module that imports `CSodium`. The rest of the code asks
/// for what it needs (random bytes, SHA-256, constant-time comparison, key derivation, sealing, argon2id) and
/// never touches a C pointer.
public enum Sodium {
    /// Initialises libsodium; safe to call repeatedly. False only when the library cannot work at all.
    public static func initialize() -> Bool { sodium_init() >= 0 }

    /// `count` bytes from the operating system's CSPRNG.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        if count > 0 { bytes.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, count) } }
        return bytes
    }

    /// A uniform random integer below `upperBound`, without modulo bias.
    public static func uniform(below upperBound: UInt32) -> UInt32 { randombytes_uniform(upperBound) }

    /// SHA-256 of `bytes`.
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(crypto_hash_sha256_BYTES))
        _ = crypto_hash_sha256(&out, bytes, UInt64(bytes.count))
        return out
    }

    /// True when `a` and `b` are equal, compared in time independent of their content (lengths are public).
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.isEmpty || sodium_memcmp(a, b, a.count) == 0
    }

    /// Overwrites `bytes` with zeros in a way the compiler cannot elide.
    public static func wipe(_ bytes: inout [UInt8]) {
        let count = bytes.count
        bytes.withUnsafeMutableBytes { if let base = $0.baseAddress { sodium_memzero(base, count) } }
    }

    /// A 32-byte subkey number `id` of a 32-byte master key, for an 8-character `context` (`crypto_kdf`).
    public static func deriveKey(from master: [UInt8], id: UInt64, context: String) -> [UInt8] {
        precondition(master.count == Int(crypto_kdf_KEYBYTES) && context.utf8.count == Int(crypto_kdf_CONTEXTBYTES))
        var out = [UInt8](repeating: 0, count: 32)
        let ctx = Array(context.utf8).map { CChar(bitPattern: $0) }
        _ = crypto_kdf_derive_from_key(&out, 32, id, ctx, master)
        return out
    }

    /// Authenticated secret-key encryption (XSalsa20-Poly1305, `crypto_secretbox`).
    public enum SecretBox {
        /// Bytes of a nonce.
        public static var nonceBytes: Int { Int(crypto_secretbox_NONCEBYTES) }
        /// Bytes the authentication tag adds.
        public static var macBytes: Int { Int(crypto_secretbox_MACBYTES) }

        /// `plaintext` encrypted and authenticated under `key` with `nonce` (never reuse a nonce with a key).
        public static func seal(_ plaintext: [UInt8], nonce: [UInt8], key: [UInt8]) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: plaintext.count + macBytes)
            _ = crypto_secretbox_easy(&out, plaintext, UInt64(plaintext.count), nonce, key)
            return out
        }

        /// The plaintext of `box`; nil when it was altered or sealed under another key or nonce.
        public static func open(_ box: [UInt8], nonce: [UInt8], key: [UInt8]) -> [UInt8]? {
            guard box.count >= macBytes else { return nil }
            var out = [UInt8](repeating: 0, count: box.count - macBytes)
            guard crypto_secretbox_open_easy(&out, box, UInt64(box.count), nonce, key) == 0 else { return nil }
            return out
        }
    }

    /// Password hashing with argon2id in the PHC string format (`crypto_pwhash_str`).
    public enum PasswordHash {
        /// The PHC string for `password` with a fresh salt; nil only when the memory cannot be had.
        public static func argon2id(_ password: String, opsLimit: UInt64, memLimit: Int) -> String? {
            var out = [CChar](repeating: 0, count: Int(crypto_pwhash_STRBYTES))
            let rc = withCChars(password) { pw, n in
                crypto_pwhash_str_alg(&out, pw, UInt64(n), opsLimit, memLimit, crypto_pwhash_ALG_ARGON2ID13)
            }
            guard rc == 0 else { return nil }
            return String(cString: out)
        }

        /// True when `password` matches `stored` (compared in constant time inside libsodium).
        public static func verify(_ password: String, against stored: String) -> Bool {
            guard stored.utf8.count < Int(crypto_pwhash_STRBYTES) else { return false }
            return withCChars(password) { pw, n in crypto_pwhash_str_verify(stored, pw, UInt64(n)) } == 0
        }

        /// True when `stored` was made with another algorithm or cost than the one given.
        public static func needsRehash(_ stored: String, opsLimit: UInt64, memLimit: Int) -> Bool {
            crypto_pwhash_str_needs_rehash(stored, opsLimit, memLimit) != 0
        }

        /// The password's UTF-8 as a C buffer that is never null, even when empty.
        private static func withCChars<R>(_ text: String, _ body: (UnsafePointer<CChar>, Int) -> R) -> R {
            var bytes = Array(text.utf8).map { CChar(bitPattern: $0) }
            let count = bytes.count
            bytes.append(0)
            return bytes.withUnsafeBufferPointer { body($0.baseAddress!, count) }
        }
    }
}
