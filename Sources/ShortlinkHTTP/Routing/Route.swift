import LinkDomain
import ShortlinkCore

/// Who may reach a route. The router checks it after the caller is identified and before the handler reads
/// the body, so a caller who may not use a route learns nothing of its body rules; the services check
/// again, per resource (a team's roles, a link's owner), because they are also called from `shortlinkctl`.
public enum Access: Equatable, Sendable {
    /// Everyone; a credential, when presented, is identified (and a bad one refused) but not needed.
    case anyone
    /// An API key or a signed-in session.
    case caller
    /// An API key or a session holding one of these scopes.
    case scope([String])
    /// A signed-in session only, never an API key; `what` names the thing in the refusal.
    case session(String)
    /// A signed-in session, or a system administrator's key holding `admin`.
    case sessionOrAdmin(String)
    /// A system administrator holding the `admin` scope.
    case admin

    /// The caller admitted to the route (nil only for `.anyone` without a credential); 401 or 403 otherwise.
    func admit(_ principal: Principal?) throws(Problem) -> Principal? {
        if self == .anyone { return principal }
        guard let principal else { throw .unauthenticated }
        switch self {
        case .anyone, .caller: break
        case .scope(let scopes):
            guard scopes.contains(where: principal.has(scope:)) else { throw .forbidden(scope: scopes[0]) }
        case .session(let what):
            guard principal.sessionID != nil else { throw .sessionRequired(what) }
        case .sessionOrAdmin(let what):
            guard principal.sessionID != nil || (principal.isAdmin && principal.has(scope: "admin")) else {
                throw .sessionRequired(what)
            }
        case .admin:
            guard principal.isAdmin, principal.has(scope: "admin") else { throw .forbidden(scope: "admin") }
        }
        return principal
    }

    /// How `shortlinkctl routes` and the OpenAPI test name it: `anyone`, `caller`, `scope:links:read|links:write`,
    /// `session`, `session-or-admin`, `admin`.
    public var name: String {
        switch self {
        case .anyone: return "anyone"
        case .caller: return "caller"
        case .scope(let scopes): return "scope:" + scopes.joined(separator: "|")
        case .session: return "session"
        case .sessionOrAdmin: return "session-or-admin"
        case .admin: return "admin"
        }
    }
}

/// Which counter a request is charged to before it is handled.
public enum RateClass: String, Sendable {
    /// The caller's: an API key's or a session user's plan limit per minute, or, without a valid credential,
    /// the client address's anonymous limit. (A stricter class for credential attempts would go here.)
    case perCaller = "per-caller"
}

/// A path pattern under `/api/`: literal segments and `{name}` parameters, each matching one non-empty segment.
public struct RoutePattern: Equatable, Sendable, CustomStringConvertible {
    enum Segment: Equatable, Sendable {
        case literal(String)
        case parameter(String)
    }
    let segments: [Segment]

    /// Parses `"/teams/{team}/members/{userId}"`.
    public init(_ text: String) {
        segments = text.split(separator: "/").map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? .parameter(String(part.dropFirst().dropLast())) : .literal(String(part))
        }
    }

    /// The parameters when `path` (segments after the API base) matches; nil otherwise.
    func match(_ path: [Substring]) -> [String: String]? {
        guard path.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, path) {
            switch segment {
            case .literal(let text): guard part == text else { return nil }
            case .parameter(let name):
                guard !part.isEmpty else { return nil }
                parameters[name] = String(part)
            }
        }
        return parameters
    }

    /// The pattern as the OpenAPI document writes it.
    public var description: String {
        "/" + segments.map { segment in
            switch segment {
            case .literal(let text): return text
            case .parameter(let name): return "{\(name)}"
            }
        }.joined(separator: "/")
    }
}

/// One operation of the API as data: what `shortlinkctl routes` prints and the OpenAPI test compares with
/// `docs/openapi.yaml` (same paths, methods, operation ids; `anyone` exactly where the spec says `security: []`).
public struct RouteSpec: Equatable, Sendable {
    /// `GET`, `POST`, `PATCH`, `DELETE`; a `GET` route also answers `HEAD`.
    public let method: String
    /// The path under `/api/` and `/api/v1/`.
    public let pattern: RoutePattern
    /// The operation's id in `docs/openapi.yaml`.
    public let operationID: String
    /// Who may call it.
    public let access: Access
    /// Which rate counter it is charged to.
    public let rate: RateClass
}

/// A route of the handlers of one resource: its spec and the handler method, not yet bound to an instance,
/// so the table can be listed without building any service.
public struct Route<Handlers> {
    public let spec: RouteSpec
    let handle: (Handlers) -> (RequestContext) throws(Problem) -> HTTPResponse

    init(_ method: String, _ pattern: String, _ operationID: String, _ access: Access, rate: RateClass = .perCaller,
         _ handle: @escaping (Handlers) -> (RequestContext) throws(Problem) -> HTTPResponse) {
        spec = RouteSpec(method: method, pattern: RoutePattern(pattern), operationID: operationID, access: access, rate: rate)
        self.handle = handle
    }
}

/// The handlers of one resource (links, teams, …): a small type holding only the services they use, and the
/// table of its routes.
public protocol APIResource {
    /// The resource's routes, in the order their methods are listed in `Allow`.
    static var routes: [Route<Self>] { get }
}

extension APIResource {
    /// The routes bound to this instance.
    var bound: [BoundRoute] {
        Self.routes.map { route in BoundRoute(spec: route.spec, handle: route.handle(self)) }
    }
}

/// A route bound to its handlers' instance.
struct BoundRoute {
    let spec: RouteSpec
    let handle: (RequestContext) throws(Problem) -> HTTPResponse
}

/// The routes of the API, matched by path then method.
struct RouteTable {
    let routes: [BoundRoute]

    enum Match {
        case found(BoundRoute, [String: String])
        /// The path exists with other methods (`Allow` lists them, `HEAD` after `GET`).
        case methodNotAllowed([String])
        case notFound
    }

    /// The route for `method` (`HEAD` served by `GET`) and `path` (segments after the API base).
    func match(method: String, path: [Substring]) -> Match {
        let wanted = method == "HEAD" ? "GET" : method
        var allowed: [String] = []
        for route in routes {
            guard let parameters = route.spec.pattern.match(path) else { continue }
            if route.spec.method == wanted { return .found(route, parameters) }
            allowed.append(route.spec.method)
            if route.spec.method == "GET" { allowed.append("HEAD") }
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed)
    }
}
