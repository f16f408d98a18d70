import ShortlinkCore

/// Reports whether the dependencies answer, for `GET /api/health`.
public protocol HealthProbe: AnyObject {
    /// True when the database answers.
    func isDatabaseUp() -> Bool
    /// True when the cache answers.
    func isCacheUp() -> Bool
}

/// `/health`: liveness and the state of the dependencies.
public struct HealthRoutes: APIResource {
    let health: HealthProbe

    /// The health handler over `health`.
    public init(health: HealthProbe) { self.health = health }

    public static var routes: [Route<HealthRoutes>] {
        [
            Route("GET", "/health", "health", .anyone, check),
        ]
    }

    func check(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let db = health.isDatabaseUp()
        let cache = health.isCacheUp()
        let status = db ? (cache ? "ok" : "degraded") : "unavailable"
        let body = "{\"cache\":\"\(cache ? "up" : "down")\",\"database\":\"\(db ? "up" : "down")\",\"status\":\"\(status)\"}"
        return HTTPResponse(status: db ? 200 : 503, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
    }
}
