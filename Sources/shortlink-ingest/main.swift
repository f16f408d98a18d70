import ArgumentParser
import ClickSpool
import Enrichment
import Foundation
import Logging
import MariaDBStore
import Prefork
import ShortlinkCore
import ShortlinkWiring

/// shortlink-ingest: moves the workers' click spool into MariaDB, exactly once, and keeps the monthly click
/// partitions ahead of time. Runs under systemd (Type=notify) as its own user.
@main
struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shortlink-ingest",
        abstract: "Ingest the click spool into MariaDB (reads SHORTLINK_* settings like shortlinkd).")

    @Flag(help: "Ingest what the spool holds now, then exit (0 when everything was ingested).")
    var once = false

    @Option(help: "Seconds to wait between passes when the spool is idle.")
    var idleSeconds: Double = 0.2

    func run() throws {
        let (config, logger, services) = JobProcess.start("shortlink-ingest", role: "ingest")
        WorkerSignals.installForJob()
        let store = services.clicks
        let ingest = IngestService(source: SpoolDirectory(directory: config.spoolDir), store: store, clock: services.clock, logger: logger,
                                   addresses: config.clickAddresses, userAgents: VisitorData.userAgents(config, logger: logger),
                                   geo: VisitorData.geo(config, logger: logger))
        let notifier = SystemdNotifier()
        notifier.notify("READY=1")
        logger.info("ingesting", metadata: ["spool": "\(config.spoolDir)"])

        var partitionsCheckedAt = Date.distantPast
        var backoff = 0.25
        var lastFailureLog = Date.distantPast
        while !WorkerSignals.isStopRequested {
            let now = services.clock.now
            if now.timeIntervalSince(partitionsCheckedAt) >= 3600 {
                do {
                    let added = try store.ensurePartitions(now: now)
                    if !added.isEmpty { logger.info("click partitions added", metadata: ["partitions": "\(added.joined(separator: ","))"]) }
                    try store.forgetVisitors(before: now)
                    store.forgetOwners()
                    partitionsCheckedAt = now
                } catch {
                    logger.warning("click partitions and visitor sets not maintained", metadata: ["error": "\(error)"])
                }
            }
            do {
                let pass = try ingest.runOnce()
                backoff = 0.25
                if pass.clicks > 0 || pass.malformed > 0 || pass.filesRemoved > 0 {
                    logger.debug("pass", metadata: ["clicks": "\(pass.clicks)", "malformed": "\(pass.malformed)",
                                                    "files_removed": "\(pass.filesRemoved)", "bytes_behind": "\(pass.status.bytesBehind)"])
                }
                notifier.notify("WATCHDOG=1")
                if once { return }
                if pass.clicks == 0 { Self.sleep(idleSeconds) }
            } catch {
                if once {
                    logger.error("ingest failed", metadata: ["error": "\(error)"])
                    throw ExitCode(75)
                }
                // The clicks wait in the spool; logged at most every 10 s while the failure lasts.
                if services.clock.now.timeIntervalSince(lastFailureLog) >= 10 {
                    logger.error("ingest failed; retrying", metadata: ["error": "\(error)", "retry_in": "\(backoff)"])
                    lastFailureLog = services.clock.now
                }
                notifier.notify("WATCHDOG=1")  // alive and retrying: the database, not this process, is down
                Self.sleep(backoff)
                backoff = min(backoff * 2, 5)
            }
        }
        notifier.notify("STOPPING=1")
        logger.info("stopped", metadata: ["clicks_ingested": "\(ingest.clicksIngested)"])
    }

    /// Sleeps `seconds`, cut short by a stop request.
    static func sleep(_ seconds: Double) {
        var left = seconds
        while left > 0 && !WorkerSignals.isStopRequested {
            let step = min(left, 0.1)
            usleep(UInt32(step * 1_000_000))
            left -= step
        }
    }
}
