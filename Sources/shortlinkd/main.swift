import Foundation
import Logging
import Prefork
import ShortlinkCore

// shortlinkd: the FastCGI worker pool. The master reads the config, opens (or inherits) the socket and
// forks workers before any thread exists; see Supervisor for the signal contract.

let config: Config
do {
    config = try Config.load()
    try config.checkDaemon()
} catch {
    FileHandle.standardError.write(Data("shortlinkd: bad config: \(error)\n".utf8))
    exit(78)  // EX_CONFIG
}
LogfmtHandler.bootstrap(levelName: config.logLevel)
var logger = Logger(label: "shortlinkd")
logger[metadataKey: "role"] = "master"

let listener: ListenSocket
do { listener = try ListenSocket.open(path: config.socketPath, mode: config.socketMode) } catch {
    logger.critical("cannot open the FastCGI socket", metadata: ["path": "\(config.socketPath)", "error": "\(error)"])
    exit(71)
}
if let path = listener.createdPath { logger.info("listening", metadata: ["socket": "\(path)"]) }

/// Link writes on this node bump it; every worker's local cache watches it (shared memory, made before forking).
guard let changes = SharedMemoryCounter() else {
    logger.critical("cannot map the shared change counter")
    exit(71)
}

/// The config each new generation of workers runs with; replaced on a successful HUP.
final class CurrentConfig: @unchecked Sendable { var value: Config; init(_ c: Config) { value = c } }
let current = CurrentConfig(config)

let supervisor = Supervisor(
    settings: PoolSettings(workers: config.workers, stopTimeout: config.stopTimeout),
    logger: logger,
    reloadSettings: {
        do {
            let fresh = try Config.load()
            try fresh.checkDaemon()
            if fresh.socketPath != current.value.socketPath {
                logger.warning("SHORTLINK_SOCKET changed: takes effect on restart only")
            }
            current.value = fresh
            return PoolSettings(workers: fresh.workers, stopTimeout: fresh.stopTimeout)
        } catch {
            logger.error("reload: bad config", metadata: ["error": "\(error)"])
            return nil
        }
    },
    runWorker: { generation in
        Worker(config: current.value, listenFD: listener.fd, generation: generation, changes: changes).run()
    })

let code = supervisor.run()
if let path = listener.createdPath { unlink(path) }
exit(code)
