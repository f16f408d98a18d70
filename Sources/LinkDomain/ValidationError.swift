/// One field that failed validation, with a stable machine-readable code and a human message.
public struct FieldError: Sendable, Equatable, Codable {
    /// JSON pointer-ish name of the field (`longUrl`, `customAlias`...).
    public var field: String
    /// Stable code, e.g. `url.scheme`, `alias.reserved`.
    public var code: String
    /// What is wrong, for a human.
    public var message: String

    /// Creates a field error.
    public init(field: String, code: String, message: String) {
        self.field = field
        self.code = code
        self.message = message
    }
}

/// Input that breaks the domain's rules; carries every failing field.
public struct ValidationError: Error, Sendable, Equatable {
    /// The failing fields, in the order found.
    public var errors: [FieldError]

    /// Creates an error from field errors.
    public init(_ errors: [FieldError]) { self.errors = errors }

    /// A one-field error.
    public static func field(_ field: String, _ code: String, _ message: String) -> ValidationError {
        ValidationError([FieldError(field: field, code: code, message: message)])
    }
}
