import ShortlinkCore

/// The API's resources, each with its own handlers and only the services they use. The router's table is
/// their routes in this order; `catalog` lists the same routes without building any service (for
/// `shortlinkctl routes` and the test that holds the table and `docs/openapi.yaml` together).
public struct APIResources {
    public var health: HealthRoutes
    public var auth: AuthRoutes
    public var account: AccountRoutes
    public var teams: TeamRoutes
    public var keys: KeyRoutes
    public var subscriptions: SubscriptionRoutes
    public var admin: AdminRoutes
    public var links: LinkRoutes
    public var reports: ReportRoutes

    /// The resources.
    public init(health: HealthRoutes, auth: AuthRoutes, account: AccountRoutes, teams: TeamRoutes, keys: KeyRoutes,
                subscriptions: SubscriptionRoutes, admin: AdminRoutes, links: LinkRoutes, reports: ReportRoutes) {
        self.reports = reports
        self.health = health
        self.auth = auth
        self.account = account
        self.teams = teams
        self.keys = keys
        self.subscriptions = subscriptions
        self.admin = admin
        self.links = links
    }

    /// The instances, in table order.
    var all: [any APIResource] { [health, auth, account, teams, keys, subscriptions, admin, links, reports] }

    /// Every route of the API, in table order. (`all` and this list name the same resources: a resource
    /// missing from one fails the e2e tests that compare the table, the router and `docs/openapi.yaml`.)
    public static var catalog: [RouteSpec] {
        let types: [any APIResource.Type] = [HealthRoutes.self, AuthRoutes.self, AccountRoutes.self, TeamRoutes.self,
                                             KeyRoutes.self, SubscriptionRoutes.self, AdminRoutes.self, LinkRoutes.self, ReportRoutes.self]
        return types.flatMap { $0.specs }
    }
}

extension APIResource {
    /// The specs of the routes.
    static var specs: [RouteSpec] { routes.map(\.spec) }
}
