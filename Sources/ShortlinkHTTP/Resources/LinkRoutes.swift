import Foundation
import LinkDomain
import ShortlinkCore

/// `/urls`: create, read, change and delete short links.
public struct LinkRoutes: APIResource {
    let links: LinkService
    let baseURL: String

    /// The link handlers over `links`; `baseURL` makes each link's short URL.
    public init(links: LinkService, baseURL: String) {
        self.links = links
        self.baseURL = baseURL
    }

    public static var routes: [Route<LinkRoutes>] {
        [
            Route("POST", "/urls", "createUrl", .scope(["links:write"]), create),
            Route("GET", "/urls/{alias}", "getUrl", .scope(["links:read", "links:write"]), read),
            Route("PATCH", "/urls/{alias}", "updateUrl", .scope(["links:write"]), update),
            Route("DELETE", "/urls/{alias}", "deleteUrl", .scope(["links:write"]), delete),
        ]
    }

    func create(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let body = try c.jsonBody()
        var errors: [FieldError] = []
        let longURL = body.string("longUrl", errors: &errors)
        // The optional members are nullable: null means "none", as the spec says.
        let alias = body.string("customAlias", nullable: true, errors: &errors)
        let expiry = body.string("expirationDate", nullable: true, errors: &errors)
        let type = body.int("redirectType", nullable: true, errors: &errors)
        let team = body.string("teamId", nullable: true, errors: &errors)
        guard case .value(let url) = longURL else {
            if longURL == .absent, !errors.contains(where: { $0.field == "longUrl" }) {
                errors.insert(FieldError(field: "longUrl", code: "url.required", message: "is required"), at: 0)
            }
            throw .validation(ValidationError(errors))
        }
        try validate(errors)
        let input = CreateLinkRequest(longURL: url, customAlias: alias.valueOrNil, expirationDate: expiry.valueOrNil,
                                      redirectType: type.valueOrNil, teamID: team.valueOrNil)
        let link = try call { () throws(LinkServiceError) in try links.create(input, by: caller) }
        return try .json(201, LinkBody(link: link, baseURL: baseURL), headers: [("Location", "/api/v1/urls/\(link.code)")])
    }

    func read(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let link = try call { () throws(LinkServiceError) in try links.get(code: c.parameter("alias"), by: caller) }
        return try .json(200, LinkBody(link: link, baseURL: baseURL))
    }

    func update(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let patch = try c.fields { body, errors in
            var patch = UpdateLinkRequest()
            patch.longURL = body.string("longUrl", errors: &errors)
            patch.expirationDate = body.string("expirationDate", nullable: true, errors: &errors)  // null removes it
            patch.isActive = body.bool("isActive", errors: &errors)
            patch.redirectType = body.int("redirectType", errors: &errors)
            if errors.isEmpty, patch.isEmpty {
                errors.append(FieldError(field: "longUrl", code: "patch.empty",
                                         message: "give at least one of longUrl, expirationDate, isActive, redirectType"))
            }
            return patch
        }
        let link = try call { () throws(LinkServiceError) in try links.update(code: c.parameter("alias"), patch, by: caller) }
        return try .json(200, LinkBody(link: link, baseURL: baseURL))
    }

    func delete(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        try call { () throws(LinkServiceError) in try links.delete(code: c.parameter("alias"), by: caller) }
        return .noContent
    }
}
