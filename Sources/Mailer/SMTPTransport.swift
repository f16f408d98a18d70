import CCurl
import Foundation
import ShortlinkCore

/// Hands messages to an SMTP server with libcurl: STARTTLS when the server offers it on `smtp://`, TLS from
/// the start on `smtps://`, AUTH when a user is configured, and short timeouts so a dead server cannot hold a
/// worker for long.
public final class SMTPTransport: MailTransport {
    private let url: String
    private let user: String
    private let password: String
    private let timeoutSeconds: Int

    /// Creates the transport; call `SMTPTransport.globalInit()` once per process first.
    public init(url: String, user: String, password: String, timeoutSeconds: Int = 10) {
        self.url = url
        self.user = user
        self.password = password
        self.timeoutSeconds = timeoutSeconds
    }

    /// libcurl's process-wide setup; call before any thread starts.
    public static func globalInit() { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }

    /// The upload position in the message, read by libcurl's callback.
    private final class Reader {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    public func send(from: String, to: String, message: [UInt8]) throws(MailTransportError) {
        guard let curl = curl_easy_init() else { throw MailTransportError("libcurl could not start") }
        defer { curl_easy_cleanup(curl) }
        let reader = Reader(message)
        let unmanaged = Unmanaged.passRetained(reader)
        defer { unmanaged.release() }
        let recipients: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "<\(to)>")
        defer { curl_slist_free_all(recipients) }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        let callback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { buffer, size, count, user in
            guard let buffer, let user else { return 0 }
            let reader = Unmanaged<Reader>.fromOpaque(user).takeUnretainedValue()
            let n = min(size * count, reader.bytes.count - reader.offset)
            if n > 0 {
                reader.bytes.withUnsafeBufferPointer { src in
                    UnsafeMutableRawPointer(buffer).copyMemory(from: src.baseAddress! + reader.offset, byteCount: n)
                }
                reader.offset += n
            }
            return n
        }
        _ = sl_curl_set_str(curl, CURLOPT_URL, url)
        _ = sl_curl_set_str(curl, CURLOPT_MAIL_FROM, "<\(from)>")
        _ = sl_curl_set_ptr(curl, CURLOPT_MAIL_RCPT, recipients)
        _ = sl_curl_set_read(curl, callback)
        _ = sl_curl_set_ptr(curl, CURLOPT_READDATA, unmanaged.toOpaque())
        _ = sl_curl_set_long(curl, CURLOPT_UPLOAD, 1)
        _ = sl_curl_set_long(curl, CURLOPT_INFILESIZE, message.count)
        _ = sl_curl_set_long(curl, CURLOPT_USE_SSL, Int(CURLUSESSL_TRY.rawValue))
        _ = sl_curl_set_long(curl, CURLOPT_CONNECTTIMEOUT, timeoutSeconds)
        _ = sl_curl_set_long(curl, CURLOPT_TIMEOUT, timeoutSeconds * 3)
        _ = sl_curl_set_long(curl, CURLOPT_NOSIGNAL, 1)
        if !user.isEmpty {
            _ = sl_curl_set_str(curl, CURLOPT_USERNAME, user)
            _ = sl_curl_set_str(curl, CURLOPT_PASSWORD, password)
        }
        let rc = errorBuffer.withUnsafeMutableBufferPointer { buf -> CURLcode in
            _ = sl_curl_set_ptr(curl, CURLOPT_ERRORBUFFER, buf.baseAddress)
            return curl_easy_perform(curl)
        }
        guard rc == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw MailTransportError(detail.isEmpty ? String(cString: curl_easy_strerror(rc)) : detail)
        }
    }
}
