/// The memcached key schema, in one place: every key any process reads or writes. The `sl1:` prefix is the
/// schema's version; a change in what a key holds takes a new prefix, so that old and new workers sharing a
/// memcached during a rolling upgrade never read each other's values. Keys stay under memcached's 250 bytes:
/// codes are at most 64 bytes, client addresses at most 45, hashes are cut to 12 bytes of hex.
public enum CacheKeys {
    /// The cached redirect view of a link (`LinkSnapshot`), or the negative entry.
    public static func link(domainID: Int64, code: String) -> String { "sl1:l:\(domainID):\(code)" }
    /// The cluster's change generation: bumped by every link write, read by every worker's local cache.
    public static let changeGeneration = "sl1:gen"
    /// The row id of the default domain, left by workers for workers that start while MariaDB is down.
    /// (A host name can be 253 bytes; past 200 it is named by its hash, so the key stays within 250.)
    public static func domainID(host: String) -> String {
        host.utf8.count <= 200 ? "sl1:domain:\(host)" : "sl1:domain:#" + hex12(Secrets.sha256(host))
    }
    /// A key that is never set: reading it tells whether memcached answers.
    public static let healthProbe = "sl1:health"
    /// Requests of `subject` (`key:<id>`, `user:<id>`, `ip:<address>`) in rate window number `window`.
    public static func rate(subject: String, window: Int64) -> String { "sl1:rl:\(subject):\(window)" }
    /// Failed sign-ins of an account (by the email's hash) in the current 15 minutes.
    public static func loginFailures(emailHash: [UInt8]) -> String { "sl1:lf:a:" + hex12(emailHash) }
    /// Failed sign-ins from a client address in the current 15 minutes.
    public static func loginFailures(clientIP: String) -> String { "sl1:lf:ip:" + clientIP }
    /// Password-reset mails requested for an account (by the email's hash) in the current 15 minutes.
    public static func resetRequests(emailHash: [UInt8]) -> String { "sl1:pr:a:" + hex12(emailHash) }

    private static func hex12(_ hash: [UInt8]) -> String { Secrets.hex(Array(hash.prefix(12))) }
}
