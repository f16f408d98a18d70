import Foundation
import LinkDomain
import ShortlinkCore

/// `/keys…`: the caller's API keys. A key hands out only scopes it holds (decided in `APIKeyService`).
public struct KeyRoutes: APIResource {
    let apiKeys: APIKeyService

    /// The key handlers over `apiKeys`.
    public init(apiKeys: APIKeyService) { self.apiKeys = apiKeys }

    public static var routes: [Route<KeyRoutes>] {
        [
            Route("GET", "/keys", "listKeys", .caller, list),
            Route("POST", "/keys", "createKey", .caller, create),
            Route("DELETE", "/keys/{id}", "revokeKey", .caller, revoke),
        ]
    }

    func list(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let keys = try call { () throws(APIKeyError) in try apiKeys.list(by: caller) }
        return try .json(200, APIKeyList(items: keys.map { APIKeyBody(info: $0, secret: nil) }))
    }

    /// `POST /keys {name, scopes}`: a new key for the caller, its secret shown once.
    func create(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let (name, scopes) = try c.fields { body, errors in
            (body.string("name", errors: &errors),
             body.strings("scopes", errors: &errors))
        }
        let (info, secret) = try call { () throws(APIKeyError) in
            try apiKeys.create(name: name.valueOrNil ?? "", scopes: scopes.valueOrNil ?? [], by: caller)
        }
        return try .json(201, APIKeyBody(info: info, secret: secret))
    }

    func revoke(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        try call { () throws(APIKeyError) in try apiKeys.revoke(publicID: c.parameter("id"), by: caller) }
        return .noContent
    }
}
