import CMariaDB
import Foundation
import Logging
import ShortlinkCore

/// Where and how to connect to MariaDB.
public struct MariaDBOptions: Sendable {
    public var host: String
    public var port: UInt32
    public var socket: String?
    public var user: String
    public var password: String
    public var database: String
    /// Seconds to wait for a connection, and for each read or write.
    public var connectTimeout: UInt32 = 2
    public var ioTimeout: UInt32 = 5

    /// Creates options.
    public init(host: String, port: UInt32, socket: String?, user: String, password: String, database: String) {
        self.host = host
        self.port = port
        self.socket = socket
        self.user = user
        self.password = password
        self.database = database
    }

    /// Options from the shortlink config.
    public init(config: Config) {
        self.init(host: config.dbHost, port: config.dbPort, socket: config.dbSocket, user: config.dbUser,
                  password: config.dbPassword, database: config.dbName)
    }
}

/// One persistent MariaDB connection with prepared statements, reconnecting by itself after the server
/// went away. Single-threaded: one per worker process.
public final class MariaDBConnection {
    /// Where it connects (a second connection to the same database opens with these).
    public let options: MariaDBOptions
    private let logger: Logger
    private var mysql: UnsafeMutablePointer<MYSQL>?
    private var statements: [String: OpaquePointer] = [:]

    /// Creates a connection; it connects on first use.
    public init(options: MariaDBOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    deinit { disconnect() }

    /// Closes the connection and its statements.
    public func disconnect() {
        for (_, stmt) in statements { mysql_stmt_close(UnsafeMutablePointer(stmt)) }
        statements.removeAll()
        if let m = mysql { mysql_close(m) }
        mysql = nil
    }

    /// Connects if not connected.
    public func connect() throws(StoreError) {
        if mysql != nil { return }
        guard let m = mysql_init(nil) else { throw .unavailable("mysql_init failed") }
        var timeout = options.connectTimeout
        mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout)
        var io = options.ioTimeout
        mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &io)
        mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &io)
        mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4")
        // Strict whatever the server's default: a value that does not fit its column is an error, never
        // silently cut or zeroed (validation keeps every accepted value within its column).
        mysql_options(m, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00', sql_mode = "
                      + "'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'")
        let host: String? = options.socket == nil ? options.host : nil
        guard mysql_real_connect(m, host, options.user, options.password, options.database, options.port,
                                 options.socket, 0) != nil else {
            let message = String(cString: mysql_error(m))
            mysql_close(m)
            throw .unavailable(message)
        }
        mysql = m
        logger.debug("mariadb connected")
    }

    /// True when `errno` means the connection is unusable (server gone, restarted, killed).
    static func isConnectionError(_ code: UInt32) -> Bool {
        [2002, 2003, 2006, 2013, 2055, 1053, 1927, 4031].contains(code)
    }

    private func statement(_ sql: String) throws(StoreError) -> OpaquePointer {
        try connect()
        if let s = statements[sql] { return s }
        guard let m = mysql, let stmt = mysql_stmt_init(m) else { throw .unavailable("mysql_stmt_init failed") }
        if mysql_stmt_prepare(stmt, sql, UInt(sql.utf8.count)) != 0 {
            let code = mysql_stmt_errno(stmt)
            let message = String(cString: mysql_stmt_error(stmt))
            mysql_stmt_close(stmt)
            throw fail(code: code, message: message)
        }
        let handle = OpaquePointer(stmt)
        statements[sql] = handle
        return handle
    }

    /// Maps an error code; connection errors drop the connection so the next call reconnects.
    private func fail(code: UInt32, message: String) -> StoreError {
        if code == 1062 { return .duplicate }
        if Self.isConnectionError(code) {
            logger.warning("mariadb connection lost", metadata: ["errno": "\(code)", "error": "\(message)"])
            disconnect()
            return .unavailable(message)
        }
        return .failed("\(code): \(message)")
    }

    /// Runs a statement with `params`; returns the rows (every column as `DBValue`), affected rows and the
    /// insert id. A read is retried once on a fresh connection if the old one had gone away; a write only
    /// when the server was gone before the statement was sent (errno 2006), so it never runs twice.
    @discardableResult
    public func execute(_ sql: String, _ params: [DBValue] = [], isRead: Bool = false) throws(StoreError) -> QueryResult {
        do {
            return try executeOnce(sql, params)
        } catch {
            guard case .unavailable = error, mysql == nil, !inTransaction else { throw error }
            if !isRead && lastErrno != 2006 { throw error }
            return try executeOnce(sql, params)
        }
    }

    private var lastErrno: UInt32 = 0
    /// Inside `transaction`: a lost connection lost the transaction too, so nothing is retried.
    private var inTransaction = false

    private func executeOnce(_ sql: String, _ params: [DBValue]) throws(StoreError) -> QueryResult {
        let handle = try statement(sql)
        let stmt = UnsafeMutablePointer<MYSQL_STMT>(handle)
        let bound = ParamBinding(params)
        defer { bound.release() }
        if !params.isEmpty, mysql_stmt_bind_param(stmt, bound.binds) != 0 {
            lastErrno = mysql_stmt_errno(stmt)
            throw fail(code: lastErrno, message: String(cString: mysql_stmt_error(stmt)))
        }
        if mysql_stmt_execute(stmt) != 0 {
            lastErrno = mysql_stmt_errno(stmt)
            throw fail(code: lastErrno, message: String(cString: mysql_stmt_error(stmt)))
        }
        var result = QueryResult(rows: [], affectedRows: Int64(bitPattern: UInt64(mysql_stmt_affected_rows(stmt))),
                                 insertID: Int64(bitPattern: UInt64(mysql_stmt_insert_id(stmt))))
        guard let meta = mysql_stmt_result_metadata(stmt) else { return result }
        defer { mysql_free_result(meta) }
        let columns = Int(mysql_num_fields(meta))
        if mysql_stmt_store_result(stmt) != 0 {
            lastErrno = mysql_stmt_errno(stmt)
            throw fail(code: lastErrno, message: String(cString: mysql_stmt_error(stmt)))
        }
        defer { mysql_stmt_free_result(stmt) }
        let out = ResultBinding(columns: columns)
        defer { out.release() }
        if mysql_stmt_bind_result(stmt, out.binds) != 0 {
            lastErrno = mysql_stmt_errno(stmt)
            throw fail(code: lastErrno, message: String(cString: mysql_stmt_error(stmt)))
        }
        while true {
            let rc = mysql_stmt_fetch(stmt)
            if rc == MYSQL_NO_DATA { break }
            if rc == 1 {
                lastErrno = mysql_stmt_errno(stmt)
                throw fail(code: lastErrno, message: String(cString: mysql_stmt_error(stmt)))
            }
            var row: [DBValue] = []
            row.reserveCapacity(columns)
            for c in 0..<columns {
                if out.isNull[c] != 0 { row.append(.null); continue }
                let length = Int(out.lengths[c])
                if length <= out.capacity {
                    row.append(.bytes(Array(UnsafeRawBufferPointer(start: out.buffers[c], count: length))))
                } else {
                    // Truncated: fetch the whole column into a buffer of its real size.
                    var big = [UInt8](repeating: 0, count: length)
                    var bind = MYSQL_BIND()
                    var realLength: UInt = 0
                    big.withUnsafeMutableBytes { raw in
                        bind.buffer_type = MYSQL_TYPE_STRING
                        bind.buffer = raw.baseAddress
                        bind.buffer_length = UInt(length)
                        withUnsafeMutablePointer(to: &realLength) { bind.length = $0
                            _ = mysql_stmt_fetch_column(stmt, &bind, UInt32(c), 0)
                        }
                    }
                    row.append(.bytes(big))
                }
            }
            result.rows.append(row)
        }
        return result
    }

    /// Runs plain SQL text without parameters (migrations: DDL from our own files, never user input).
    public func executeScript(_ sql: String) throws(StoreError) {
        try connect()
        guard let m = mysql else { throw .unavailable("not connected") }
        if mysql_real_query(m, sql, UInt(sql.utf8.count)) != 0 {
            throw fail(code: mysql_errno(m), message: String(cString: mysql_error(m)))
        }
        if let r = mysql_store_result(m) { mysql_free_result(r) }
    }

    /// Checks the server answers.
    public func ping() throws(StoreError) {
        try connect()
        guard let m = mysql else { throw .unavailable("not connected") }
        if mysql_ping(m) != 0 { throw fail(code: mysql_errno(m), message: String(cString: mysql_error(m))) }
    }

    /// Runs `body` inside a transaction, committing on success and rolling back on error.
    public func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        do { try executeScript("START TRANSACTION") } catch {
            // A connection the server dropped (a restart since the last call) fails here, before anything of
            // the transaction ran: one retry on a fresh connection is safe.
            guard case .unavailable = error, mysql == nil else { throw error }
            try executeScript("START TRANSACTION")
        }
        inTransaction = true
        defer { inTransaction = false }
        do {
            let value = try body()
            try executeScript("COMMIT")
            return value
        } catch {
            if mysql != nil { try? executeScript("ROLLBACK") }
            throw error
        }
    }
}

/// The outcome of one statement.
public struct QueryResult: Sendable {
    /// Rows, each column a `DBValue` (`.bytes` or `.null`).
    public var rows: [[DBValue]]
    /// Rows changed by a write.
    public var affectedRows: Int64
    /// AUTO_INCREMENT id of an insert.
    public var insertID: Int64
}

/// Parameter buffers for one execution, freed by `release()`.
private final class ParamBinding {
    let binds: UnsafeMutablePointer<MYSQL_BIND>
    private var allocations: [UnsafeMutableRawPointer] = []
    private let count: Int

    init(_ params: [DBValue]) {
        count = max(params.count, 1)
        binds = .allocate(capacity: count)
        binds.initialize(repeating: MYSQL_BIND(), count: count)
        for (i, value) in params.enumerated() {
            switch value {
            case .null:
                binds[i].buffer_type = MYSQL_TYPE_NULL
            case .int(let v):
                let p = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8)
                p.storeBytes(of: v, as: Int64.self)
                allocations.append(p)
                binds[i].buffer_type = MYSQL_TYPE_LONGLONG
                binds[i].buffer = p
            case .text, .bytes, .date:
                let bytes: [UInt8]
                switch value {
                case .text(let s): bytes = Array(s.utf8)
                case .date(let d): bytes = Array(DBDateFormat.format(d).utf8)
                case .bytes(let b): bytes = b
                default: bytes = []
                }
                let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
                bytes.withUnsafeBytes { if let base = $0.baseAddress { p.copyMemory(from: base, byteCount: bytes.count) } }
                allocations.append(p)
                if case .bytes = value { binds[i].buffer_type = MYSQL_TYPE_BLOB } else { binds[i].buffer_type = MYSQL_TYPE_STRING }
                binds[i].buffer = p
                binds[i].buffer_length = UInt(bytes.count)
            }
        }
    }

    func release() {
        for p in allocations { p.deallocate() }
        binds.deallocate()
    }
}

/// Result buffers: every column fetched as bytes, into a fixed buffer; longer values are re-fetched.
private final class ResultBinding {
    let capacity = 512
    let binds: UnsafeMutablePointer<MYSQL_BIND>
    let buffers: [UnsafeMutableRawPointer]
    let lengths: UnsafeMutablePointer<UInt>
    let isNull: UnsafeMutablePointer<CChar>
    let errors: UnsafeMutablePointer<CChar>
    private let columns: Int

    init(columns: Int) {
        self.columns = columns
        binds = .allocate(capacity: max(columns, 1))
        binds.initialize(repeating: MYSQL_BIND(), count: max(columns, 1))
        lengths = .allocate(capacity: max(columns, 1))
        lengths.initialize(repeating: 0, count: max(columns, 1))
        isNull = .allocate(capacity: max(columns, 1))
        isNull.initialize(repeating: 0, count: max(columns, 1))
        errors = .allocate(capacity: max(columns, 1))
        errors.initialize(repeating: 0, count: max(columns, 1))
        var bufs: [UnsafeMutableRawPointer] = []
        for c in 0..<columns {
            let p = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
            bufs.append(p)
            binds[c].buffer_type = MYSQL_TYPE_STRING
            binds[c].buffer = p
            binds[c].buffer_length = UInt(capacity)
            binds[c].length = lengths + c
            binds[c].is_null = isNull + c
            binds[c].error = errors + c
        }
        buffers = bufs
    }

    func release() {
        for p in buffers { p.deallocate() }
        binds.deallocate()
        lengths.deallocate()
        isNull.deallocate()
        errors.deallocate()
    }
}
