import Foundation
import LinkDomain
import ShortlinkCore

extension ShortlinkApp {
    /// `POST /api/keys` `{name, scopes}`: a new key for the caller, its secret shown once.
    func createKey(_ request: HTTPRequest, _ principal: Principal) throws(Problem) -> HTTPResponse {
        let body = try jsonBody(request)
        var errors: [FieldError] = []
        let name = body.string("name", errors: &errors)
        let scopes = body.strings("scopes", errors: &errors)
        guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
        return try keyResponse(201) { () throws(APIKeyError) in
            let (info, secret) = try apiKeys.create(name: name.valueOrNil ?? "", scopes: scopes.valueOrNil ?? [], by: principal)
            return APIKeyBody(info: info, secret: secret)
        }
    }

    func keyResponse<T: Encodable>(_ status: Int, _ body: () throws(APIKeyError) -> T) throws(Problem) -> HTTPResponse {
        let value = try keyCall(body)
        return try json(status, value)
    }

    @discardableResult
    func keyCall<T>(_ body: () throws(APIKeyError) -> T) throws(Problem) -> T {
        do { return try body() } catch {
            switch error {
            case .validation(let v): throw .validation(v)
            case .scopeNotHeld(let scope): throw .forbidden(scope: scope)
            case .notFound: throw Problem(slug: "not-found", title: "Not found", status: 404, detail: "no such active API key of yours")
            case .unavailable: throw .unavailable("the account database")
            case .internalError(let why):
                logger.error("api key operation failed", metadata: ["error": "\(why)"])
                throw .internalError
            }
        }
    }
}
