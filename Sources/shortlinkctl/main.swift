import ArgumentParser
import ClickSpool
import Enrichment
import Foundation
import LinkDomain
import Logging
import Mailer
import MariaDBStore
import MemcachedCache
import ShortlinkCore
import ShortlinkHTTP
import ShortlinkWiring

/// shortlinkctl: the operator's tool — migrations, first admin, API keys, checks.
@main
struct ShortlinkCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shortlinkctl",
        abstract: "Operate a shortlink installation (reads SHORTLINK_* settings like shortlinkd).",
        subcommands: [Migrate.self, CreateAdmin.self, CreateKey.self, SetPassword.self, SendMail.self, Check.self, Paths.self,
                      Routes.self, ReservedLinks.self, Status.self, Classify.self])
}

/// Loads the config and logging, or exits with one clear line.
func setup() -> (Config, Logger) {
    do {
        let config = try Config.load()
        LogfmtHandler.bootstrap(levelName: config.logLevel)
        Secrets.initialize()
        return (config, Logger(label: "shortlinkctl"))
    } catch {
        FileHandle.standardError.write(Data("shortlinkctl: bad config: \(error)\n".utf8))
        Foundation.exit(78)
    }
}

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply the sql/NNNN_*.sql migrations not applied yet (safe to run twice).")

    @Option(help: "Directory of the migration files.")
    var sqlDir: String = "/usr/share/shortlink/sql"

    func run() throws {
        let (config, logger) = setup()
        let services = try Services(config: config, logger: logger)
        let applied = try Migrator(connection: services.db, logger: logger).migrate(try Migration.load(directory: sqlDir))
        print(applied.isEmpty ? "schema is up to date" : "applied: \(applied.joined(separator: ", "))")
        _ = try services.accounts.ensureDomain(host: config.shortHost, now: Date())
        // Links that an upgrade's new product paths shadow: reported, never changed without the operator.
        let shadowed = try services.admins.linksShadowedByProductPaths()
        if !shadowed.isEmpty { FileHandle.standardError.write(Data(ReservedLinks.report(shadowed).utf8)) }
    }
}

struct Paths: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the product's own paths (never short links), or write them as the nginx snippet.")

    @Flag(help: "Print nginx/shortlink-paths.conf (the HTTP server's redirects of product paths to HTTPS).")
    var nginx = false

    func run() {
        if nginx {
            print(ProductPaths.nginxSnippet(), terminator: "")
            return
        }
        for e in ProductPaths.entries { print("/\(e.segment)\t\(e.owner.rawValue)\t\(e.purpose)") }
    }
}

struct Routes: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the API's route table: method, path (under /api/ and /api/v1/), operation id, access, rate class.")

    @Flag(help: "One JSON object per line instead of columns.")
    var json = false

    func run() {
        for r in APIResources.catalog {
            if json {
                let fields = ["method": r.method, "path": r.pattern.description, "operationId": r.operationID,
                              "access": r.access.name, "rate": r.rate.rawValue]
                let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("\(r.method)\t\(r.pattern)\t\(r.operationID)\t\(r.access.name)\t\(r.rate.rawValue)")
            }
        }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The click ingester: its last heartbeat, and how far the database is behind the spool (bytes, seconds).",
        discussion: "Exits 1 when the ingester has not reported for --stale-after seconds or the oldest click waiting is older than that.")

    @Flag(help: "One JSON object instead of lines.")
    var json = false

    @Option(help: "Seconds after which a silent ingester or a waiting click is a problem.")
    var staleAfter: Double = 60

    func run() throws {
        let (config, logger) = setup()
        let services = try Services(config: config, logger: logger)
        let now = services.clock.now
        let ingest = IngestService(source: SpoolDirectory(directory: config.spoolDir), store: services.clicks, clock: services.clock,
                                   logger: logger)
        let lag = try ingest.lag()
        let report = try services.clicks.status()
        let heartbeatAge = report.map { now.timeIntervalSince($0.heartbeatAt) }
        let secondsBehind = lag.oldestPendingAt.map { max(0, now.timeIntervalSince($0)) } ?? 0
        if json {
            var fields: [String: Any] = ["bytesBehind": lag.bytesBehind, "filesPending": lag.filesPending,
                                         "secondsBehind": (secondsBehind * 1000).rounded() / 1000]
            if let report {
                fields["heartbeatAt"] = Timestamp.format(report.heartbeatAt)
                fields["clicksIngested"] = report.clicksIngested
                fields["malformedLines"] = report.malformedLines
            }
            let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            if let report, let age = heartbeatAge {
                print("ingester: last pass \(String(format: "%.1f", age)) s ago; \(report.clicksIngested) clicks ingested and \(report.malformedLines) malformed lines skipped since it started")
            } else {
                print("ingester: has never reported (is shortlink-ingest running?)")
            }
            print("spool: \(lag.bytesBehind) bytes in \(lag.filesPending) file(s) not ingested; oldest click waiting: "
                  + (lag.oldestPendingAt.map { "\(Timestamp.format($0)) (\(String(format: "%.1f", secondsBehind)) s behind)" } ?? "none"))
        }
        if (heartbeatAge ?? .infinity) > staleAfter || secondsBehind > staleAfter { throw ExitCode(1) }
    }
}

struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what the ingester makes of visitors: each User-Agent line on standard input, or the addresses given.",
        discussion: "Uses the same data sets as shortlink-ingest (SHORTLINK_UA_REGEXES, SHORTLINK_BOT_PATTERNS, SHORTLINK_GEOIP_DB).")

    @Flag(help: "One JSON object per line instead of columns.")
    var json = false

    @Argument(help: "IP addresses to look up in the GeoIP database instead of reading user agents.")
    var addresses: [String] = []

    func run() throws {
        let (config, logger) = setup()
        if !addresses.isEmpty {
            guard let geo = VisitorData.geo(config, logger: logger) else { throw ExitCode(1) }
            for address in addresses {
                let place = geo.locate(address)
                emit(["address": address, "country": place?.country ?? "", "region": place?.region ?? "", "city": place?.city ?? ""],
                     columns: [address, place?.country ?? "-", place?.region ?? "-", place?.city ?? "-"])
            }
            return
        }
        guard let classifier = VisitorData.userAgents(config, logger: logger) else { throw ExitCode(1) }
        while let line = readLine(strippingNewline: true) {
            let a = classifier.classify(line)
            emit(["userAgent": line, "device": a.device.rawValue, "os": a.os, "osVersion": a.osVersion, "browser": a.browser,
                  "browserVersion": a.browserVersion],
                 columns: [a.device.rawValue, a.os + (a.osVersion.isEmpty ? "" : " " + a.osVersion),
                           a.browser + (a.browserVersion.isEmpty ? "" : " " + a.browserVersion), line])
        }
    }

    private func emit(_ fields: [String: String], columns: [String]) {
        if json {
            let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(columns.joined(separator: "\t"))
        }
    }
}

struct ReservedLinks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reserved-links",
        abstract: "List links whose alias is now a product path (they no longer redirect); exit 1 if there are any.")

    func run() throws {
        let (config, logger) = setup()
        let shadowed = try Services(config: config, logger: logger).admins.linksShadowedByProductPaths()
        guard !shadowed.isEmpty else {
            print("no link holds a product path")
            return
        }
        print(Self.report(shadowed), terminator: "")
        throw ExitCode(1)
    }

    /// The report: one line a link, then what the operator can do.
    static func report(_ links: [(link: Link, ownerEmail: String?)]) -> String {
        var out = "warning: \(links.count) link(s) hold an alias that is now a product path; the product answers these paths, so they no longer redirect:\n"
        for (link, owner) in links {
            out += "  /\(link.code)\tid \(link.publicID)\towner \(owner ?? "-")\tcreated \(Timestamp.format(link.createdAt))\t-> \(link.longURL)\n"
        }
        out += "Choose for each: tell the owner and create the destination again under another alias (POST /api/urls), "
            + "then delete the old one (DELETE /api/urls/<alias>), or keep it dormant. Links whose alias merely resembles "
            + "a reserved word in another case keep working. `shortlinkctl reserved-links` shows this list again.\n"
        return out
    }
}

/// An `--email` option by the product's one rule for addresses (`EmailAddress`), normalised.
func operatorEmail(_ raw: String) throws -> String {
    do { return try EmailAddress.parse(raw) } catch {
        throw ValidationError("--email " + error.errors.map(\.message).joined(separator: "; "))
    }
}

struct CreateAdmin: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create (or reuse) an admin user on the enterprise plan and print a new admin API key.")

    @Option(help: "The admin's email address.")
    var email: String

    @Option(help: "Also write the key to this file (mode 0600).")
    var writeKey: String?

    mutating func validate() throws { email = try operatorEmail(email) }

    func run() throws {
        let (config, logger) = setup()
        let services = try Services(config: config, logger: logger)
        try grantPlan("enterprise", to: email, role: "admin", services)
        let secret = try issueKey(services, email: email, role: "admin", name: "admin (shortlinkctl)", scopes: ["admin"])
        if let path = writeKey {
            _ = FileManager.default.createFile(atPath: path, contents: Data((secret + "\n").utf8), attributes: [.posixPermissions: 0o600])
        }
        print(secret)
    }
}

struct CreateKey: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create an API key for a user (created if absent) and print it once.")

    @Option(help: "The key owner's email address.")
    var email: String

    @Option(help: "A name to tell keys apart.")
    var name: String = "api key"

    @Option(help: "Space- or comma-separated scopes: links:read links:write analytics:read admin.")
    var scopes: String = "links:read links:write"

    @Option(help: "Role of the user if it must be created: user or admin.")
    var role: String = "user"

    @Option(help: "Also put the user on this plan: free, pro, business or enterprise.")
    var plan: String?

    mutating func validate() throws {
        email = try operatorEmail(email)
        if let plan, !["free", "pro", "business", "enterprise"].contains(plan) {
            throw ValidationError("--plan must be free, pro, business or enterprise")
        }
    }

    func run() throws {
        let (config, logger) = setup()
        let services = try Services(config: config, logger: logger)
        if let plan { try grantPlan(plan, to: email, role: role, services) }
        let list = scopes.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        print(try issueKey(services, email: email, role: role, name: name, scopes: list))
    }
}

/// A key through the key service, by the API's rules; its errors as one line for the operator.
func issueKey(_ services: Services, email: String, role: String, name: String, scopes: [String]) throws -> String {
    do { return try services.apiKeys.issueByOperator(email: email, role: role, name: name, scopes: scopes).1 } catch {
        if case .validation(let v) = error { throw asOptions(v) }
        throw error
    }
}

/// Puts the user (created if absent) on `plan` through the administration service, by the API's rules.
func grantPlan(_ plan: String, to email: String, role: String, _ services: Services) throws {
    do { _ = try services.admins.grantPlanByOperator(email: email, role: role, planCode: plan) } catch {
        if case .validation(let v) = error { throw asOptions(v) }
        throw error
    }
}

/// A service's field errors as one line for the operator, each named by the command's option.
func asOptions(_ v: LinkDomain.ValidationError) -> ArgumentParser.ValidationError {
    ValidationError(v.errors.map { "--\($0.field) \($0.message)" }.joined(separator: "; "))
}

struct SetPassword: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set a user's password (argon2id) from the first line of standard input; the user's sessions end.")

    @Option(help: "The user's email address (the user must exist).")
    var email: String

    mutating func validate() throws { email = try operatorEmail(email) }

    func run() throws {
        let (config, logger) = setup()
        guard let password = readLine(strippingNewline: true) else { throw ValidationError("no password on standard input") }
        // Through the account service, as the API would: the product's password rule, every session of the
        // user ended, pending reset tokens used up, an audit entry naming the user by public id.
        let services = try Services(config: config, logger: logger)
        do {
            let user = try services.auth.setPasswordByOperator(email: email, password: password)
            print("password set for \(user.email); their sessions have ended")
        } catch {
            switch error {
            case .validation(let v): throw ValidationError(v.errors.map { "\($0.field) \($0.message)" }.joined(separator: "; "))
            case .notFound(let why): throw ValidationError(why)
            default: throw error
            }
        }
    }
}

struct SendMail: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send the queued mail that is due (mail the workers could not hand to the SMTP server). Run by shortlink-mail.timer.")

    func run() throws {
        let (config, logger) = setup()
        guard !config.smtpURL.isEmpty else {
            print("SHORTLINK_SMTP_URL is not set: mail stays queued")
            return
        }
        SMTPTransport.globalInit()
        let db = MariaDBConnection(options: MariaDBOptions(config: config), logger: logger)
        let dispatcher = MailDispatcher(
            outbox: MariaDBMailOutbox(connection: db),
            transport: SMTPTransport(url: config.smtpURL, user: config.smtpUser, password: config.smtpPassword),
            from: config.mailFrom, clock: SystemClock(), logger: logger)
        let (sent, failed) = try dispatcher.drain()
        print("mail sent: \(sent), still queued after a failed attempt: \(failed)")
        if failed > 0 { throw ExitCode(75) }  // EX_TEMPFAIL: the timer tries again
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check the config, MariaDB and memcached; exit 1 if something is down.")

    func run() throws {
        let (config, logger) = setup()
        var ok = true
        let db = MariaDBConnection(options: MariaDBOptions(config: config), logger: logger)
        do { try db.ping(); print("mariadb: up") } catch { print("mariadb: DOWN (\(error))"); ok = false }
        let mc = try MemcachedClient(servers: config.memcached, logger: logger)
        if case .failed = mc.get(CacheKeys.healthProbe) { print("memcached: DOWN"); ok = false } else { print("memcached: up") }
        if !ok { throw ExitCode(1) }
    }
}
