import Foundation
import LinkDomain
import Logging
import Mailer
import MariaDBStore
import MemcachedCache
import ShortlinkCore
import ShortlinkHTTP

/// The one place where a process's dependency graph is built from the configuration: one MariaDB and one
/// memcached connection, and every service over them. shortlinkd's workers and shortlinkctl use it (and the
/// coming job binaries will), so that an operator's command goes through the same use cases, with the same
/// rules and side effects, as the API.
public final class Services {
    /// The configuration the graph was built from.
    public let config: Config
    /// This process's MariaDB connection.
    public let db: MariaDBConnection
    /// This process's memcached connection.
    public let memcached: MemcachedClient
    /// The wall clock.
    public let clock: Clock = SystemClock()
    /// Shared counters in memcached: rate limits and failed sign-ins.
    public let counters: MemcachedRateCounter
    /// The mail outbox and its immediate sender.
    public let mail: MailDispatcher

    /// Stores.
    public let linkStore: MariaDBLinkStore
    public let accounts: MariaDBAccounts
    public let plans: MariaDBPlans
    public let sessions: MariaDBSessions
    public let teamStore: MariaDBTeams
    public let audit: MariaDBAudit
    public let clicks: MariaDBClicks

    /// Sign-up, sign-in, sessions, two-factor, profile, passwords.
    public let auth: AuthService
    /// Teams, members, invitations.
    public let teams: TeamService
    /// Plans and subscriptions.
    public let subscriptions: SubscriptionService
    /// API keys.
    public let apiKeys: APIKeyService
    /// Administrators' operations.
    public let admins: AdminService

    /// Builds the graph; connections open on first use. Throws when the memcached setting cannot be used.
    public init(config: Config, logger: Logger) throws {
        self.config = config
        db = MariaDBConnection(options: MariaDBOptions(config: config), logger: logger)
        memcached = try MemcachedClient(servers: config.memcached, logger: logger)
        counters = MemcachedRateCounter(client: memcached)
        SMTPTransport.globalInit()
        mail = MailDispatcher(
            outbox: MariaDBMailOutbox(connection: db),
            transport: config.smtpURL.isEmpty ? nil : SMTPTransport(url: config.smtpURL, user: config.smtpUser,
                                                                     password: config.smtpPassword, timeoutSeconds: 5),
            from: config.mailFrom, clock: clock, logger: logger)
        linkStore = MariaDBLinkStore(connection: db)
        accounts = MariaDBAccounts(connection: db)
        plans = MariaDBPlans(connection: db)
        sessions = MariaDBSessions(connection: db)
        teamStore = MariaDBTeams(connection: db)
        audit = MariaDBAudit(connection: db)
        clicks = MariaDBClicks(connection: db)
        let serverKeys = ServerKeys(secret: config.secretKey)
        auth = AuthService(
            store: sessions, tokens: AccessTokens(key: serverKeys.tokenSigningKey), keys: serverKeys,
            hasher: .standard, failures: counters, mail: mail, clock: clock,
            settings: .init(accessTTL: config.accessTokenTTL, refreshTTL: config.refreshTokenTTL,
                            failuresPerAccount: config.loginFailuresPerAccount, failuresPerIP: config.loginFailuresPerIP,
                            webURL: config.webURL, issuer: "shortlink"),
            logger: logger)
        teams = TeamService(store: teamStore, plans: plans, accounts: sessions, mail: mail, clock: clock, webURL: config.webURL)
        subscriptions = SubscriptionService(store: plans, plans: plans, clock: clock)
        apiKeys = APIKeyService(store: accounts, clock: clock)
        admins = AdminService(store: MariaDBAdmin(connection: db), subscriptions: plans, plans: plans, accounts: accounts,
                              links: linkStore, clock: clock)
    }

    /// A link cache for a process outside the pool (a job, shortlinkctl): memcached, whose every change also
    /// moves the cluster generation, so each worker drops its local cache within `SHORTLINK_LOCAL_CACHE_SYNC_MS`.
    public func sharedLinkCache() -> LinkCache {
        LocalLinkCache(shared: MemcachedLinkCache(client: memcached, ttl: config.cacheTTL, negativeTTL: config.negativeTTL),
                       feed: MemcachedChangeFeed(client: memcached, loadNode: { 0 }, bumpNode: {}), capacity: 0, syncMillis: 0,
                       monotonicMillis: { 0 })
    }

    /// Click reports (the job and the API) over this process's connections.
    public func reports(logger: Logger) -> ReportService {
        ReportService(store: MariaDBReports(connection: db), teams: teamStore, plans: plans, lock: MariaDBMaintenance(connection: db), mail: mail,
                      clock: clock, logger: logger)
    }

    /// The expiry job over this process's connections.
    public func expiry(logger: Logger) -> ExpiryService {
        let store = MariaDBMaintenance(connection: db)
        return ExpiryService(store: store, lock: store, plans: plans, cache: sharedLinkCache(), logger: logger,
                             retentionCapDays: config.clickRetentionDays)
    }

    /// The link service over `cache` (the worker's local cache in front of memcached) for the default domain.
    public func links(cache: LinkCache, domainID: Int64, logger: Logger) -> LinkService {
        LinkService(store: linkStore, plans: plans, teams: teamStore, cache: cache, clock: clock, domainID: domainID,
                    ownHosts: config.ownHosts, logger: logger)
    }

    /// The HTTP application of a worker: the short-link host over `links`, the API over every service.
    public func application(links: LinkService, health: HealthProbe, logger: Logger) -> ShortlinkApp {
        let resources = APIResources(
            health: HealthRoutes(health: health), auth: AuthRoutes(auth: auth), account: AccountRoutes(auth: auth),
            teams: TeamRoutes(teams: teams, auth: auth, audit: audit), keys: KeyRoutes(apiKeys: apiKeys),
            subscriptions: SubscriptionRoutes(subscriptions: subscriptions), admin: AdminRoutes(admins: admins, audit: audit),
            links: LinkRoutes(links: links, analytics: AnalyticsService(links: links, reader: clicks, clock: clock), baseURL: config.baseURL),
            reports: ReportRoutes(reports: reports(logger: logger)))
        let api = APIRouter(resources: resources, identity: CallerIdentity(keys: accounts, sessions: auth),
                            limiter: RateLimiter(counters: counters, clock: clock, anonymousPerMinute: config.anonymousRatePerMinute,
                                                 logger: logger),
                            maxBody: config.maxBody)
        return ShortlinkApp(links: links, clock: clock, api: api, baseURL: config.baseURL, logger: logger)
    }
}
