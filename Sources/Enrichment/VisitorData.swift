import Logging
import ShortlinkCore

/// The ingester's data sets as the configuration names them. A missing or unreadable file is logged and left
/// out: clicks are still ingested, without what that file would have added.
public enum VisitorData {
    /// The user-agent classifier (nil when uap-core's patterns are off or unusable).
    public static func userAgents(_ config: Config, logger: Logger) -> DataSetUserAgentClassifier? {
        guard !config.uaRegexes.isEmpty else { return nil }
        do {
            let classifier = try DataSetUserAgentClassifier(regexes: config.uaRegexes,
                                                            crawlers: config.botPatterns.isEmpty ? nil : config.botPatterns)
            for skipped in classifier.skippedPatterns.prefix(20) {
                logger.warning("user-agent pattern left out", metadata: ["pattern": "\(skipped)"])
            }
            logger.info("user-agent data loaded", metadata: ["patterns": "\(config.uaRegexes)",
                                                             "crawlers": "\(config.botPatterns)",
                                                             "crawler_patterns": "\(classifier.crawlerPatternCount)"])
            return classifier
        } catch {
            logger.error("user-agent data not loaded; clicks are stored without device, OS and browser",
                         metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// The geolocation database (nil when off or unusable).
    public static func geo(_ config: Config, logger: Logger) -> MaxMindGeoLocator? {
        guard !config.geoIPDatabase.isEmpty else { return nil }
        do {
            let locator = try MaxMindGeoLocator(path: config.geoIPDatabase)
            logger.info("GeoIP database loaded", metadata: ["path": "\(config.geoIPDatabase)", "type": "\(locator.databaseType)"])
            return locator
        } catch {
            logger.error("GeoIP database not loaded; clicks are stored without country", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
