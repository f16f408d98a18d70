import ArgumentParser
import Foundation
import LinkDomain
import Logging
import ShortlinkCore
import ShortlinkWiring

/// shortlink-report: the click reports (systemd/shortlink-report.timer, daily). Makes yesterday's daily reports
/// and, from Monday, last week's weekly ones, for the accounts and teams that opted in: kept for download and
/// mailed (HTML with an inline SVG chart, the figures as a CSV attachment) through the outbox. A period is
/// reported once, however often it runs.
@main
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shortlink-report",
        abstract: "Make and mail the click reports that are due (reads SHORTLINK_* settings like shortlinkd).")

    @Flag(help: "Write the reports into --out instead of keeping and mailing them.")
    var dryRun = false

    @Option(help: "The folder a dry run writes into.")
    var out: String = "shortlink-reports"

    @Option(help: "Act as of this RFC 3339 instant instead of now (for tests and catching up).")
    var now: String?

    @Flag(help: "One JSON object instead of lines.")
    var json = false

    func run() throws {
        let (_, logger, services) = JobProcess.start("shortlink-report", role: "report")
        guard let at = JobProcess.instant(now, clock: services.clock) else {
            throw ValidationError("--now must be an RFC 3339 instant such as 2026-12-01T06:00:00Z")
        }
        let result: ReportService.Run
        do {
            result = try services.reports(logger: logger).run(now: at, dryRun: dryRun ? URL(fileURLWithPath: out, isDirectory: true) : nil)
        } catch {
            logger.error("report run failed", metadata: ["error": "\(error)"])
            throw ExitCode(75)  // temporary: the timer runs it again
        }
        if json {
            let made: [[String: Any]] = result.made.map {
                ["name": $0.name, "frequency": $0.frequency.rawValue, "periodStart": String(Timestamp.format($0.periodStart).prefix(10)),
                 "clicks": $0.clicks, "recipients": $0.recipients, "files": $0.files]
            }
            let data = try JSONSerialization.data(withJSONObject: ["ran": result.ran, "dryRun": dryRun, "made": made, "skipped": result.skipped,
                                                                   "refusedByPlan": result.refusedByPlan],
                                                  options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        guard result.ran else {
            print("another shortlink-report run holds the lock; nothing done")
            return
        }
        for m in result.made {
            let period = String(Timestamp.format(m.periodStart).prefix(10))
            print(dryRun ? "would mail the \(m.frequency.rawValue) report of \(m.name) from \(period) (\(m.clicks) clicks) to \(m.recipients.joined(separator: ", ")): \(m.files.map { out + "/" + $0 }.joined(separator: " "))"
                         : "mailed the \(m.frequency.rawValue) report of \(m.name) from \(period) (\(m.clicks) clicks) to \(m.recipients.joined(separator: ", "))")
        }
        print("\(result.made.count) report(s) \(dryRun ? "written" : "made"), \(result.skipped) already reported"
              + (result.refusedByPlan > 0 ? ", \(result.refusedByPlan) left out: their plan no longer includes detailed analytics" : ""))
    }
}
