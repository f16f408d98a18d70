import Foundation
import Logging

/// A swift-log handler that writes one logfmt line per event to fd 2 with a single write(2), so lines from
/// many worker processes never interleave in the journal. Messages are fixed strings; variable parts go
/// into metadata.
public struct LogfmtHandler: LogHandler {
    /// Metadata attached to every line of this logger (e.g. `pid`, `role`).
    public var metadata: Logger.Metadata = [:]
    /// The minimum level written.
    public var logLevel: Logger.Level
    private let label: String

    /// Creates a handler for `label` at `level`.
    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    /// Reads or writes one metadata key.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes one event.
    public func log(event: LogEvent) {
        var line = "ts=\(Date().formatted(Self.timeFormat)) level=\(event.level) logger=\(label) msg=\(Self.quote(event.message.description))"
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        for key in merged.keys.sorted() {
            line += " \(key)=\(Self.quote(merged[key]!.description))"
        }
        line += "\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            _ = Foundation.write(2, buffer.baseAddress, buffer.count)
        }
    }

    private static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// Quotes a value when it holds spaces, quotes or `=`; escapes newlines.
    static func quote(_ value: String) -> String {
        let needs = value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\n" || $0 == "\t" })
        guard needs else { return value }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")
        return "\"\(escaped)\""
    }

    /// Installs this handler for the process at `levelName` (see `ConfigKey.logLevel`).
    public static func bootstrap(levelName: String) {
        let level = Logger.Level(rawValue: levelName) ?? .info
        LoggingSystem.bootstrap { LogfmtHandler(label: $0, level: level) }
    }
}
