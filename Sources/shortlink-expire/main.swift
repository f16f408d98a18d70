import ArgumentParser
import Foundation
import LinkDomain
import Logging
import ShortlinkCore
import ShortlinkWiring

/// shortlink-expire: the expiry job (systemd/shortlink-expire.timer, every five minutes). Deactivates links whose
/// expiry has passed and purges them from the cache, drops click partitions older than the longest retention,
/// and prints what it did. Idempotent; two overlapping runs never both act (a MariaDB named lock).
@main
struct Expire: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shortlink-expire",
        abstract: "Deactivate expired links and drop click partitions past retention (reads SHORTLINK_* settings like shortlinkd).")

    @Flag(help: "Print what would be done, change nothing.")
    var dryRun = false

    @Option(help: "Act as of this RFC 3339 instant instead of now (for tests and catching up).")
    var now: String?

    @Flag(help: "One JSON object instead of lines.")
    var json = false

    func run() throws {
        let (_, logger, services) = JobProcess.start("shortlink-expire", role: "expire")
        guard let at = JobProcess.instant(now, clock: services.clock) else {
            throw ValidationError("--now must be an RFC 3339 instant such as 2026-12-01T00:00:00Z")
        }
        let report: ExpiryService.Report
        do { report = try services.expiry(logger: logger).run(now: at, dryRun: dryRun) } catch {
            logger.error("expiry run failed", metadata: ["error": "\(error)"])
            throw ExitCode(75)  // temporary: the timer runs it again
        }
        print(Self.describe(report, at: at, json: json))
    }

    static func describe(_ r: ExpiryService.Report, at: Date, json: Bool) -> String {
        if json {
            let fields: [String: Any] = [
                "at": Timestamp.format(at), "ran": r.ran, "dryRun": r.dryRun,
                "linksDeactivated": r.deactivated.map(\.code), "retentionDays": r.retentionDays as Any? ?? NSNull(),
                "partitionsDropped": r.droppedPartitions,
            ]
            let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
        guard r.ran else { return "another shortlink-expire run holds the lock; nothing done" }
        let verb = r.dryRun ? "would deactivate" : "deactivated"
        var lines = ["\(verb) \(r.deactivated.count) expired link(s)" + (r.deactivated.isEmpty ? "" : ": " + r.deactivated.map(\.code).joined(separator: " "))]
        if let days = r.retentionDays {
            lines.append("\(r.dryRun ? "would drop" : "dropped") \(r.droppedPartitions.count) click partition(s) older than \(days) days"
                         + (r.droppedPartitions.isEmpty ? "" : ": " + r.droppedPartitions.joined(separator: " ")))
        } else {
            lines.append("click partitions kept: a plan keeps analytics without limit (SHORTLINK_CLICK_RETENTION_DAYS caps raw clicks)")
        }
        return lines.joined(separator: "\n")
    }
}
