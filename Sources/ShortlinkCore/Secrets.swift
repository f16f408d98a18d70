import CSodium
import LinkDomain

/// Cryptographic helpers over libsodium: the CSPRNG, SHA-256 and constant-time comparison.
public enum Secrets {
    /// Initialises libsodium once per process; safe to call repeatedly.
    public static func initialize() {
        precondition(sodium_init() >= 0, "libsodium failed to initialise")
    }

    /// `count` bytes from the operating system's CSPRNG.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        if count > 0 { bytes.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, count) } }
        return bytes
    }

    /// SHA-256 of `bytes`.
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(crypto_hash_sha256_BYTES))
        _ = crypto_hash_sha256(&out, bytes, UInt64(bytes.count))
        return out
    }

    /// SHA-256 of a string's UTF-8.
    public static func sha256(_ text: String) -> [UInt8] { sha256(Array(text.utf8)) }

    /// Compares two byte strings in time independent of their content.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return sodium_memcmp(a, b, a.count) == 0
    }

    /// Lower-case hex.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A random version-4 UUID string.
    public static func uuid() -> String {
        var b = randomBytes(16)
        b[6] = (b[6] & 0x0F) | 0x40
        b[8] = (b[8] & 0x3F) | 0x80
        let h = hex(b)
        let c = Array(h)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-" + String(c[20..<32])
    }
}

/// The OS CSPRNG as a `RandomSource`, unbiased (libsodium's `randombytes_uniform`).
public struct SystemRandom: RandomSource {
    /// Creates the source.
    public init() {}
    /// A uniform integer below `upperBound`.
    public mutating func uniform(below upperBound: UInt32) -> UInt32 { randombytes_uniform(upperBound) }
}
