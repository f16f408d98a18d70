import Foundation
import Logging
import ShortlinkCore

/// The click spool format, version 1: one line per click, tab-separated, fields escaped (`\\`, `\t`, `\n`):
/// `1 <ms since epoch> <link id> <domain id> <code> <status> <ip> <user agent> <referer>`.
public enum SpoolFormat {
    /// Encodes one record as a line (with its newline).
    public static func encode(_ c: ClickRecord) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + c.userAgent.utf8.count + c.referer.utf8.count)
        func field(_ s: String) {
            out.append(9)
            for b in s.utf8 {
                switch b {
                case 9: out.append(92); out.append(UInt8(ascii: "t"))
                case 10: out.append(92); out.append(UInt8(ascii: "n"))
                case 13: out.append(92); out.append(UInt8(ascii: "r"))
                case 92: out.append(92); out.append(92)
                default: out.append(b)
                }
            }
        }
        out.append(UInt8(ascii: "1"))
        field(String(c.timeMillis))
        field(String(c.linkID))
        field(String(c.domainID))
        field(c.code)
        field(String(c.status))
        field(c.ip)
        field(String(decoding: c.userAgent.utf8.prefix(1024), as: UTF8.self))
        field(String(decoding: c.referer.utf8.prefix(2048), as: UTF8.self))
        out.append(10)
        return out
    }

    /// Decodes one line (without its newline); nil when malformed.
    public static func decode(_ line: Substring) -> ClickRecord? {
        let parts = line.split(separator: "\t", omittingEmptySubsequences: false).map(unescape)
        guard parts.count == 9, parts[0] == "1", let t = Int64(parts[1]), let link = Int64(parts[2]),
              let domain = Int64(parts[3]), let status = Int(parts[5]) else { return nil }
        return ClickRecord(timeMillis: t, linkID: link, domainID: domain, code: parts[4], status: status,
                           ip: parts[6], userAgent: parts[7], referer: parts[8])
    }

    private static func unescape(_ s: Substring) -> String {
        guard s.contains("\\") else { return String(s) }
        var out = ""
        var escaping = false
        for ch in s {
            if escaping {
                switch ch {
                case "t": out.append("\t")
                case "n": out.append("\n")
                case "r": out.append("\r")
                default: out.append(ch)
                }
                escaping = false
            } else if ch == "\\" { escaping = true } else { out.append(ch) }
        }
        return out
    }
}

/// Appends click records to this worker's spool file with one `write(2)` each (O_APPEND, no fsync: a
/// record written is in the page cache and survives a SIGKILL of the worker).
///
/// Files are named `clicks-<pid>-<start ms>-<seq>.open` while written and renamed to `.ready` when rotated
/// (at `maxBytes`) or when the worker exits cleanly. An `.open` file whose pid is gone is complete too.
public final class SpoolWriter: ClickSink {
    private let directory: String
    private let maxBytes: Int
    private let logger: Logger
    private let stem: String
    private var fd: Int32 = -1
    private var path = ""
    private var written = 0
    private var sequence = 0
    private var lastErrorLog = Date.distantPast

    /// Creates a writer for this process in `directory` (created if missing).
    public init(directory: String, maxBytes: Int, logger: Logger) {
        self.directory = directory
        self.maxBytes = maxBytes
        self.logger = logger
        self.stem = "clicks-\(getpid())-\(Int64(Date().timeIntervalSince1970 * 1000))"
    }

    deinit { close() }

    /// Appends one record.
    public func record(_ click: ClickRecord) {
        if fd < 0 && !open() { return }
        let line = SpoolFormat.encode(click)
        let n = line.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        if n != line.count {
            noteError("spool write failed")
            return
        }
        written += n
        if written >= maxBytes { rotate() }
    }

    /// Closes the current file and marks it ready for ingestion.
    public func close() {
        guard fd >= 0 else { return }
        Foundation.close(fd)
        fd = -1
        let ready = String(path.dropLast(".open".count)) + ".ready"
        if rename(path, ready) != 0 { noteError("spool rename failed") }
    }

    private func rotate() {
        close()
        sequence += 1
    }

    private func open() -> Bool {
        mkdir(directory, 0o750)
        path = "\(directory)/\(stem)-\(sequence).open"
        fd = Foundation.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        if fd < 0 {
            noteError("spool open failed")
            return false
        }
        written = 0
        return true
    }

    private func noteError(_ message: Logger.Message) {
        let now = Date()
        guard now.timeIntervalSince(lastErrorLog) >= 1 else { return }
        lastErrorLog = now
        logger.error(message, metadata: ["path": "\(path)", "errno": "\(errno)"])
    }
}
