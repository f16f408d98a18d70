import Foundation
import Logging
import MariaDBStore
import MemcachedCache
import ShortlinkCore

/// The private servers started by scripts/test. These tests need them: without the variables they fail
/// (they are never skipped), telling how to run them.
enum TestEnvironment {
    static func value(_ key: String) -> String {
        guard let v = ProcessInfo.processInfo.environment[key], !v.isEmpty else {
            fatalError("\(key) is not set: run the tests with scripts/test, which starts MariaDB and memcached")
        }
        return v
    }

    static let logger = Logger(label: "storage-tests")

    static func options(database: String = "shortlink") -> MariaDBOptions {
        let password = (try? String(contentsOfFile: value("SHORTLINK_TEST_DB_PASSWORD_FILE"), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return MariaDBOptions(host: "127.0.0.1", port: 3306, socket: value("SHORTLINK_TEST_DB_SOCKET"),
                              user: "shortlink", password: password, database: database)
    }

    /// A fresh, migrated database of its own for one test.
    static func freshDatabase() throws -> MariaDBConnection {
        Secrets.initialize()
        let name = "shortlink_it_" + Secrets.hex(Secrets.randomBytes(6))
        let admin = MariaDBConnection(options: options(), logger: logger)
        try admin.executeScript("CREATE DATABASE \(name) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        let db = MariaDBConnection(options: options(database: name), logger: logger)
        try Migrator(connection: db, logger: logger).migrate(try Migration.load(directory: value("SHORTLINK_TEST_SQL_DIR")))
        return db
    }

    static func memcached() throws -> MemcachedClient {
        try MemcachedClient(servers: value("SHORTLINK_TEST_MEMCACHED"), logger: logger)
    }

    /// Runs scripts/stackctl against the test stack (stop-mariadb, start-memcached, ...).
    static func stack(_ command: String) throws {
        // posix_spawn + waitpid: Foundation's Process can miss the exit of a script that starts a daemon.
        let argv = [value("SHORTLINK_TEST_STACKCTL"), value("SHORTLINK_TEST_STACK_DIR"), command]
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        // The test runner's threads block signals; the servers started from here must not inherit that
        // mask (memcached would then ignore SIGTERM), so reset it for the child.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var defaults = sigset_t()
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], nil, &attr, &cArgs, environ)
        guard rc == 0 else { throw StackError(command: command, status: rc) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else { throw StackError(command: command, status: status) }
    }

    struct StackError: Error { let command: String; let status: Int32 }
}
