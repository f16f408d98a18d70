/// The strength rule for account passwords: long enough, not trivially repetitive, not a well-known
/// password, not the account's own email.
public enum PasswordPolicy {
    /// Fewest characters.
    public static let minLength = 10
    /// Most bytes (argon2id hashes any length, but a cap bounds the work an attacker can ask for).
    public static let maxBytes = 1024
    /// Fewest distinct characters.
    public static let minDistinct = 5
    /// Passwords people pick first (compared case-insensitively).
    static let common: Set<String> = [
        "password", "password1", "password12", "password123", "1234567890", "12345678910", "qwertyuiop",
        "qwertyuiop1", "iloveyou12", "letmein123", "welcome123", "admin12345", "administrator", "changeme123",
        "shortlink1", "shortlink123", "passw0rd123", "football12", "baseball12", "1q2w3e4r5t", "abcdefghij",
    ]

    /// Checks `password` for the account `email`; throws on field `password`.
    public static func validate(_ password: String, email: String) throws(ValidationError) {
        let field = "password"
        if password.count < minLength {
            throw .field(field, "password.length", "must be at least \(minLength) characters long")
        }
        if password.utf8.count > maxBytes {
            throw .field(field, "password.length", "must be at most \(maxBytes) bytes")
        }
        if Set(password).count < minDistinct {
            throw .field(field, "password.weak", "must use at least \(minDistinct) different characters")
        }
        let lower = password.lowercased()
        if common.contains(lower) {
            throw .field(field, "password.common", "is too common")
        }
        let local = email.lowercased().split(separator: "@").first.map(String.init) ?? ""
        if local.count >= 4 && lower.contains(local) {
            throw .field(field, "password.email", "must not contain the email address")
        }
    }
}
