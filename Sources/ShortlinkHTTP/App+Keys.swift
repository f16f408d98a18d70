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
        let value = try call(body)
        return try json(status, value)
    }
}
