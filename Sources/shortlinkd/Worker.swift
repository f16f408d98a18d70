import ClickSpool
import FastCGI
import Foundation
import LinkDomain
import Logging
import Mailer
import MariaDBStore
import MemcachedCache
import Prefork
import ShortlinkCore
import ShortlinkHTTP
import ShortlinkWiring

/// One worker process: one MariaDB and one memcached connection, one request at a time.
struct Worker {
    let config: Config
    let listenFD: Int32
    let generation: Int
    /// Bumped by every link write on this node; read by every worker's local cache.
    let changes: SharedMemoryCounter

    func run() -> Never {
        WorkerSignals.install()
        var logger = Logger(label: "shortlinkd")
        logger[metadataKey: "role"] = "worker"
        logger[metadataKey: "pid"] = "\(getpid())"
        Secrets.initialize()
        let fcgi = FastCGIConnection(listenFD: listenFD, stopSignals: WorkerSignals.stopSignals)
        if config.responder == "noop" { runNoop(fcgi) }

        let services: Services
        do { services = try Services(config: config, logger: logger) } catch {
            logger.critical("bad memcached setting", metadata: ["error": "\(error)"])
            exit(78)
        }
        let db = services.db, memcached = services.memcached
        guard let domainID = resolveDomain(db: db, memcached: memcached, logger: logger) else {
            logger.error("cannot resolve the default domain: database and cache unavailable")
            sleep(1)
            exit(75)
        }
        let start = ContinuousClock.now
        let cache = LocalLinkCache(
            shared: MemcachedLinkCache(client: memcached, ttl: config.cacheTTL, negativeTTL: config.negativeTTL),
            feed: MemcachedChangeFeed(client: memcached, loadNode: changes.load, bumpNode: changes.increment),
            capacity: config.localCacheEntries, syncMillis: Int64(config.localCacheSyncMillis),
            monotonicMillis: {
                let d = ContinuousClock.now - start
                return d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
            })
        let spool = SpoolWriter(directory: config.spoolDir, maxBytes: config.spoolMaxBytes, logger: logger)
        let app = services.application(links: services.links(cache: cache, domainID: domainID, logger: logger),
                                       health: Health(db: db, memcached: memcached), logger: logger)

        var served = 0
        while fcgi.accept(isStopRequested: { WorkerSignals.isStopRequested }) {
            let contentLength = fcgi.param("CONTENT_LENGTH").flatMap { Int($0) } ?? 0
            var bodyConsumed = contentLength == 0
            let request = HTTPRequest(
                method: fcgi.param("REQUEST_METHOD") ?? "GET",
                path: fcgi.param("DOCUMENT_URI") ?? "/",
                query: fcgi.param("QUERY_STRING") ?? "",
                remoteAddress: fcgi.param("REMOTE_ADDR") ?? "",
                contentLength: contentLength,
                header: { name in
                    switch name {
                    case "content-type": return fcgi.param("CONTENT_TYPE")
                    case "accept": return fcgi.param("HTTP_ACCEPT")
                    case "authorization": return fcgi.param("HTTP_AUTHORIZATION")
                    case "user-agent": return fcgi.param("HTTP_USER_AGENT")
                    case "referer": return fcgi.param("HTTP_REFERER")
                    case "accept-language": return fcgi.param("HTTP_ACCEPT_LANGUAGE")  // on every redirect: no name building
                    case "dnt": return fcgi.param("HTTP_DNT")
                    default: return fcgi.param(named: "HTTP_" + name.uppercased().replacingOccurrences(of: "-", with: "_"))
                    }
                },
                readBody: { limit in
                    let body = fcgi.readBody(limit: limit)
                    bodyConsumed = body != nil
                    return body
                })
            let (response, click) = app.handle(request)
            fcgi.write(response.cgiBytes())
            // The click is spooled before the response is finished: a redirect that reached nginx whole was
            // always recorded. A worker killed between the two leaves nginx a cut answer (502 to that one
            // visitor) and one click for a visit it did decide.
            if let click { spool.record(click) }
            // Linger (wait for nginx to close) only when part of a body may still be unread.
            fcgi.finish(linger: !bodyConsumed)
            served += 1
            if config.maxRequests > 0 && served >= config.maxRequests {
                logger.info("worker recycling after max requests", metadata: ["served": "\(served)"])
                break
            }
        }
        spool.close()
        exit(0)
    }

    /// The do-nothing responder scripts/bench compares against: the FastCGI hop alone.
    private func runNoop(_ fcgi: FastCGIConnection) -> Never {
        let answer = Array("Status: 302 Found\r\nLocation: https://example.com/\r\nContent-Length: 0\r\n\r\n".utf8)
        while fcgi.accept(isStopRequested: { WorkerSignals.isStopRequested }) {
            fcgi.write(answer)
            fcgi.finish(linger: false)
        }
        exit(0)
    }

    /// The default domain's id: from MariaDB (registering it), else from memcached where workers leave it.
    private func resolveDomain(db: MariaDBConnection, memcached: MemcachedClient, logger: Logger) -> Int64? {
        let key = CacheKeys.domainID(host: config.shortHost)
        do {
            let id = try MariaDBAccounts(connection: db).ensureDomain(host: config.shortHost, now: Date())
            memcached.set(key, Array(String(id).utf8), ttl: 0)
            return id
        } catch {
            logger.warning("domain lookup in the database failed", metadata: ["error": "\(error)"])
        }
        if case .value(let bytes) = memcached.get(key), let id = Int64(String(decoding: bytes, as: UTF8.self)) {
            return id
        }
        return nil
    }
}

/// `HealthProbe` over the worker's connections.
final class Health: HealthProbe {
    let db: MariaDBConnection
    let memcached: MemcachedClient
    init(db: MariaDBConnection, memcached: MemcachedClient) {
        self.db = db
        self.memcached = memcached
    }
    func isDatabaseUp() -> Bool { (try? db.ping()) != nil }
    func isCacheUp() -> Bool {
        if case .failed = memcached.get(CacheKeys.healthProbe) { return false }
        return true
    }
}
