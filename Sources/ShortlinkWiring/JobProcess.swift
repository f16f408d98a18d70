import Foundation
import LinkDomain
import Logging
import ShortlinkCore

/// The start of every job binary (the ingester, the expiry and report jobs): the configuration, logging with
/// the job's role, the secrets, and the services. A configuration that cannot be used ends the process with
/// one line naming the problem and exit status 78 (EX_CONFIG), as systemd expects.
public enum JobProcess {
    public static func start(_ name: String, role: String) -> (Config, Logger, Services) {
        let config: Config
        do { config = try Config.load() } catch {
            FileHandle.standardError.write(Data("\(name): bad config: \(error)\n".utf8))
            exit(78)
        }
        LogfmtHandler.bootstrap(levelName: config.logLevel)
        var logger = Logger(label: name)
        logger[metadataKey: "role"] = .string(role)
        Secrets.initialize()
        do { return (config, logger, try Services(config: config, logger: logger)) } catch {
            logger.critical("bad memcached setting", metadata: ["error": "\(error)"])
            exit(78)
        }
    }

    /// The instant a job acts as of: `--now` when given (nil when it is not RFC 3339), else the clock's now.
    public static func instant(_ text: String?, clock: Clock) -> Date? {
        guard let text else { return clock.now }
        return Timestamp.parse(text)
    }
}
