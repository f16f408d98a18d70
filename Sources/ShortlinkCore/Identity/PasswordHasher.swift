import Sodium

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
        Sodium.PasswordHash.argon2id(password, opsLimit: opsLimit, memLimit: memLimit)
    }

    /// True when `password` matches `stored` (the comparison inside libsodium is constant-time).
    public static func verify(_ password: String, against stored: String) -> Bool {
        Sodium.PasswordHash.verify(password, against: stored)
    }

    /// True when `stored` was made with another algorithm or cost and should be re-hashed at the next login.
    public func needsRehash(_ stored: String) -> Bool {
        Sodium.PasswordHash.needsRehash(stored, opsLimit: opsLimit, memLimit: memLimit)
    }
}
