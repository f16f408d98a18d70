import Foundation
import Logging
import ShortlinkCore

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
        let line = SpoolLine.encode(click)
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
