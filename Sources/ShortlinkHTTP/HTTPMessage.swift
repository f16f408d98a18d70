import Foundation

/// A request as the application sees it, whatever transport carried it.
public struct HTTPRequest {
    /// `GET`, `POST`…
    public var method: String
    /// The path without the query string, e.g. `/api/urls/abc`.
    public var path: String
    /// The raw query string (without `?`).
    public var query: String = ""
    /// Request headers the application reads, by lower-case name (`accept`, `authorization`, …).
    public var header: (String) -> String?
    /// The client's address as nginx saw it.
    public var remoteAddress: String
    /// The declared body length, if any.
    public var contentLength: Int?
    /// Reads the body, at most `limit` bytes; nil when longer.
    public var readBody: (Int) -> [UInt8]?

    /// The first value of query parameter `name`, percent-decoded.
    public func queryValue(_ name: String) -> String? {
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if kv[0] == name {
                let raw = kv.count > 1 ? String(kv[1]) : ""
                return raw.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? raw
            }
        }
        return nil
    }

    /// Creates a request.
    public init(method: String, path: String, query: String = "", remoteAddress: String, contentLength: Int?,
                header: @escaping (String) -> String?, readBody: @escaping (Int) -> [UInt8]?) {
        self.method = method
        self.path = path
        self.query = query
        self.remoteAddress = remoteAddress
        self.contentLength = contentLength
        self.header = header
        self.readBody = readBody
    }
}

/// An answer: status, headers, body.
public struct HTTPResponse: Equatable {
    /// The status code.
    public var status: Int
    /// Header fields in order.
    public var headers: [(String, String)]
    /// The body bytes.
    public var body: [UInt8]
    /// True for HEAD: headers only.
    public var omitBody = false

    /// Creates a response.
    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Equal when status, headers and body match.
    public static func == (a: HTTPResponse, b: HTTPResponse) -> Bool {
        a.status == b.status && a.body == b.body && a.headers.elementsEqual(b.headers, by: { $0 == $1 })
    }

    /// The first value of header `name` (case-insensitive).
    public func headerValue(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// The CGI wire form: `Status:` line, headers, `Content-Length`, blank line, body.
    public func cgiBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + body.count)
        out.append(contentsOf: "Status: \(status) \(HTTPStatus.reason(status))\r\n".utf8)
        for (name, value) in headers {
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: value.utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        out.append(contentsOf: "Content-Length: \(body.count)\r\n\r\n".utf8)
        if !omitBody { out.append(contentsOf: body) }
        return out
    }
}

/// Reason phrases.
public enum HTTPStatus {
    /// The standard phrase for `code`.
    public static func reason(_ code: Int) -> String {
        switch code {
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 307: return "Temporary Redirect"
        case 308: return "Permanent Redirect"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 406: return "Not Acceptable"
        case 409: return "Conflict"
        case 410: return "Gone"
        case 413: return "Content Too Large"
        case 415: return "Unsupported Media Type"
        case 422: return "Unprocessable Content"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        default: return "Status \(code)"
        }
    }
}
