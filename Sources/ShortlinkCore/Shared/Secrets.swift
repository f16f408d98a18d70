import LinkDomain
import Sodium

/// Cryptographic helpers (over the `Sodium` adapter): the CSPRNG, SHA-256, constant-time comparison, ids.
public enum Secrets {
    /// Initialises libsodium once per process; safe to call repeatedly.
    public static func initialize() {
        precondition(Sodium.initialize(), "libsodium failed to initialise")
    }

    /// `count` bytes from the operating system's CSPRNG.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        Sodium.randomBytes(count)
    }

    /// SHA-256 of `bytes`.
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        Sodium.sha256(bytes)
    }

    /// SHA-256 of a string's UTF-8.
    public static func sha256(_ text: String) -> [UInt8] { sha256(Array(text.utf8)) }

    /// Compares two byte strings in time independent of their content.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        Sodium.constantTimeEqual(a, b)
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
    public mutating func uniform(below upperBound: UInt32) -> UInt32 { Sodium.uniform(below: upperBound) }
}
