import Foundation
import ShortlinkCore

/// The spool directory as the ingester reads it: `clicks-<pid>-<start ms>-<seq>.open` files being written,
/// `.ready` files rotated. An `.open` file whose writer is gone is complete too.
public final class SpoolDirectory: SpoolSource {
    private let directory: String

    /// Reads `directory`.
    public init(directory: String) { self.directory = directory }

    public func files() throws -> [SpoolFile] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        var found: [(file: SpoolFile, order: (Int64, Int, String))] = []
        for name in names where name.hasPrefix("clicks-") && (name.hasSuffix(".open") || name.hasSuffix(".ready")) {
            var info = stat()
            guard stat("\(directory)/\(name)", &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            // clicks-<pid>-<start ms>-<seq>.<state>
            let parts = name.dropFirst("clicks-".count).split(separator: ".")[0].split(separator: "-")
            guard parts.count == 3, let pid = Int32(parts[0]), let start = Int64(parts[1]), let seq = Int(parts[2]) else { continue }
            let complete = name.hasSuffix(".ready") || !Self.isAlive(pid)
            let id = String(name.prefix(upTo: name.lastIndex(of: ".")!))
            found.append((SpoolFile(name: id, size: Int64(info.st_size), isComplete: complete), (start, seq, id)))
        }
        // A file seen under both names (renamed between two reads of the directory) is listed once, as ready.
        var seen: [String: Int] = [:]
        var files: [SpoolFile] = []
        for entry in found.sorted(by: { $0.order < $1.order }) {
            if let at = seen[entry.file.name] {
                files[at].size = max(files[at].size, entry.file.size)
                files[at].isComplete = files[at].isComplete || entry.file.isComplete
            } else {
                seen[entry.file.name] = files.count
                files.append(entry.file)
            }
        }
        return files
    }

    public func read(_ name: String, from offset: Int64, max: Int) throws -> [UInt8] {
        // The writer renames .open to .ready once; a descriptor opened on either name reads the same file.
        var fd = open("\(directory)/\(name).open", O_RDONLY | O_CLOEXEC)
        if fd < 0 && errno == ENOENT { fd = open("\(directory)/\(name).ready", O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw SpoolError("open \(name): errno \(errno)") }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: max)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, max, off_t(offset)) }
        guard n >= 0 else { throw SpoolError("read \(name): errno \(errno)") }
        buffer.removeSubrange(n...)
        return buffer
    }

    public func remove(_ name: String) throws {
        for suffix in [".ready", ".open"] {
            guard unlink("\(directory)/\(name)\(suffix)") == 0 || errno == ENOENT else {
                throw SpoolError("unlink \(name)\(suffix): errno \(errno)")
            }
        }
    }

    public func exists(_ name: String) -> Bool {
        // .open first: the writer renames .open to .ready, never back, so one of the two is found.
        access("\(directory)/\(name).open", F_OK) == 0 || access("\(directory)/\(name).ready", F_OK) == 0
    }

    /// True while a process with `pid` exists (EPERM: it exists under another user).
    static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}

/// A spool file system call that failed.
public struct SpoolError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
