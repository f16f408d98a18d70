/// A source of uniform random integers; production uses the OS CSPRNG (libsodium), tests a seeded one.
public protocol RandomSource {
    /// A uniformly distributed integer in `0..<upperBound` (`upperBound` > 0).
    mutating func uniform(below upperBound: UInt32) -> UInt32
}

/// Makes random short codes; unpredictable when the source is a CSPRNG.
public enum CodeGenerator {
    /// Length of a first attempt: 62^7 ≈ 3.5e12 codes.
    public static let defaultLength = 7
    /// How many attempts a create makes before giving up (each collision lengthens the next code by one
    /// after the third try), so a full space never loops for ever.
    public static let maxAttempts = 6

    /// The code length for attempt `attempt` (0-based).
    public static func length(forAttempt attempt: Int) -> Int {
        attempt < 3 ? defaultLength : defaultLength + (attempt - 2)
    }

    /// A random code of `length` characters from `AliasRules.generatedAlphabet`.
    public static func make<R: RandomSource>(length: Int, using random: inout R) -> String {
        let alphabet = AliasRules.generatedAlphabet
        var bytes = [UInt8]()
        bytes.reserveCapacity(length)
        for _ in 0..<length {
            bytes.append(alphabet[Int(random.uniform(below: UInt32(alphabet.count)))])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
