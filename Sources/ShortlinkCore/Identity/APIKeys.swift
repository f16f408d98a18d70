import LinkDomain

/// API key secrets: `slk_` followed by 40 base62 characters (≈238 bits). Only their SHA-256 is stored.
public enum APIKeySecret {
    /// The recognisable prefix of every key (secret scanners can match it).
    public static let prefix = "slk_"
    /// The scopes a key may carry.
    public static let knownScopes: Set<String> = ["links:read", "links:write", "analytics:read", "admin"]

    /// A new random key secret.
    public static func generate() -> String {
        var random = SystemRandom()
        return prefix + CodeGenerator.make(length: 40, using: &random)
    }

    /// The first characters shown in listings so people can tell keys apart (`slk_AbCd1234`).
    public static func displayPrefix(of secret: String) -> String { String(secret.prefix(prefix.count + 8)) }

    /// True when `text` has the shape of a key (cheap check before hashing).
    public static func looksLikeKey(_ text: String) -> Bool {
        text.hasPrefix(prefix) && text.utf8.count == prefix.utf8.count + 40
            && text.utf8.dropFirst(prefix.utf8.count).allSatisfy(AliasRules.isCodeByte)
    }
}
