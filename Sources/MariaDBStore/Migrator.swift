import Foundation
import Logging
import ShortlinkCore

/// One migration file `NNNN_verb_object.sql`.
public struct Migration: Sendable, Equatable {
    /// The number prefix.
    public var version: Int
    /// The file name.
    public var name: String
    /// The SQL text.
    public var sql: String
    /// SHA-256 of the text, hex.
    public var checksum: String

    /// Loads every `NNNN_*.sql` file of `directory`, ordered by version; duplicate numbers are an error.
    public static func load(directory: String) throws -> [Migration] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }.sorted()
        var seen = Set<Int>()
        return try files.map { file in
            guard let version = Int(file.prefix(while: \.isNumber)), file.contains("_") else {
                throw MigrationError("bad migration file name \(file): expected NNNN_verb_object.sql")
            }
            guard seen.insert(version).inserted else { throw MigrationError("two migrations numbered \(version)") }
            let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            return Migration(version: version, name: file, sql: text, checksum: Secrets.hex(Secrets.sha256(text)))
        }
    }

    /// The statements of the file: split at `;` ending a line; `--` comment lines dropped.
    public var statements: [String] {
        var out: [String] = []
        var current = ""
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("--") || (trimmed.isEmpty && current.isEmpty) { continue }
            current += line + "\n"
            if trimmed.hasSuffix(";") {
                out.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
                current = ""
            }
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { out.append(rest) }
        return out
    }
}

/// A migration refused or failed.
public struct MigrationError: Error, CustomStringConvertible {
    /// What went wrong.
    public var description: String
    init(_ d: String) { description = d }
}

/// Applies migrations in order, recording version and checksum in `schema_migrations`.
public struct Migrator {
    private let db: MariaDBConnection
    private let logger: Logger

    /// Creates a migrator.
    public init(connection: MariaDBConnection, logger: Logger) {
        db = connection
        self.logger = logger
    }

    /// Applies what is not applied yet; refuses to run if an applied file changed or disappeared.
    /// Returns the names applied now (empty when up to date).
    @discardableResult
    public func migrate(_ migrations: [Migration], now: Date = Date()) throws -> [String] {
        try db.executeScript("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
              version INT UNSIGNED NOT NULL PRIMARY KEY,
              name VARCHAR(255) NOT NULL,
              checksum CHAR(64) NOT NULL,
              applied_at DATETIME(3) NOT NULL
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """)
        let rows = try db.execute("SELECT version, name, checksum FROM schema_migrations ORDER BY version", isRead: true).rows
        var applied: [Int: (String, String)] = [:]
        for row in rows {
            guard let v = row[0].int, let n = row[1].text, let c = row[2].text else { continue }
            applied[Int(v)] = (n, c)
        }
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for (version, (name, checksum)) in applied {
            guard let m = known[version] else {
                throw MigrationError("applied migration \(name) is missing from the sql directory")
            }
            guard m.checksum == checksum else {
                throw MigrationError("applied migration \(name) was changed after it ran (checksum \(checksum.prefix(12)) != \(m.checksum.prefix(12))); write a new migration instead")
            }
        }
        var done: [String] = []
        for m in migrations where applied[m.version] == nil {
            logger.info("applying migration", metadata: ["name": "\(m.name)"])
            for statement in m.statements { try db.executeScript(statement) }
            try db.execute("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
                           [.int(Int64(m.version)), .text(m.name), .text(m.checksum), .date(now)])
            done.append(m.name)
        }
        return done
    }
}
