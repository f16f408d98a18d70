import CSodium

/// Password hashing with argon2id (libsodium's `crypto_pwhash_str`), in the PHC string format
/// (`$argon2id$v=19$m=65536,t=3,p=1$…`), so that the cost can be raised later and old hashes upgraded.
public struct PasswordHasher: Sendable {
    /// Passes over memory (argon2 t).
    public let opsLimit: UInt64
    /// Memory in bytes (argon2 m).
    public let memLimit: Int

    /// The production cost: t=3, m=64 MiB — above OWASP's minimum (t=2, m=19 MiB); measured in the
    /// closing note of the accounts issue.
    public static let standard = PasswordHasher(opsLimit: 3, memLimit: 64 << 20)

    /// Creates a hasher with the given cost.
    public init(opsLimit: UInt64, memLimit: Int) {
        self.opsLimit = opsLimit
        self.memLimit = memLimit
    }

    /// The PHC string for `password`, with a fresh random salt; nil only if memory cannot be had.
    public func hash(_ password: String) -> String? {
        var out = [CChar](repeating: 0, count: Int(crypto_pwhash_STRBYTES))
        let bytes = Array(password.utf8)
        let rc = bytes.withUnsafeBufferPointer { pw in
            pw.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(bytes.count, 1)) {
                crypto_pwhash_str_alg(&out, $0, UInt64(bytes.count), opsLimit, memLimit, crypto_pwhash_ALG_ARGON2ID13)
            }
        }
        guard rc == 0 else { return nil }
        return String(cString: out)
    }

    /// True when `password` matches `stored` (the comparison inside libsodium is constant-time).
    public static func verify(_ password: String, against stored: String) -> Bool {
        guard stored.utf8.count < Int(crypto_pwhash_STRBYTES) else { return false }
        let bytes = Array(password.utf8)
        return bytes.withUnsafeBufferPointer { pw in
            pw.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(bytes.count, 1)) {
                crypto_pwhash_str_verify(stored, $0, UInt64(bytes.count)) == 0
            }
        }
    }

    /// True when `stored` was made with another algorithm or cost and should be re-hashed at the next login.
    public func needsRehash(_ stored: String) -> Bool {
        crypto_pwhash_str_needs_rehash(stored, opsLimit, memLimit) != 0
    }
}
