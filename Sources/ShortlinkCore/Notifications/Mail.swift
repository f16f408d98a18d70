import Foundation
import LinkDomain
import Logging

/// A message in the outbox, not yet sent.
public struct QueuedMail: Sendable, Equatable {
    public var id: Int64
    public var to: String
    public var subject: String
    public var body: String
    public var attempts: Int
    public var html: String?
    public var attachment: MailAttachment?

    /// Creates a queued message.
    public init(id: Int64, to: String, subject: String, body: String, attempts: Int, html: String? = nil, attachment: MailAttachment? = nil) {
        self.id = id
        self.to = to
        self.subject = subject
        self.body = body
        self.attempts = attempts
        self.html = html
        self.attachment = attachment
    }
}

/// The mail outbox (MariaDB).
public protocol MailOutbox: AnyObject {
    /// The unsent message `id`, or nil.
    func unsent(id: Int64) throws(StoreError) -> QueuedMail?
    /// Unsent messages whose next attempt is due, oldest first.
    func due(now: Date, limit: Int) throws(StoreError) -> [QueuedMail]
    /// Marks a message sent and erases its body (it may hold a one-time token).
    func markSent(id: Int64, now: Date) throws(StoreError)
    /// Records a failed attempt and when to try again.
    func markFailed(id: Int64, error: String, nextAttempt: Date) throws(StoreError)
}

/// Delivers one message to the SMTP server (libcurl in production).
public protocol MailTransport: AnyObject {
    /// Sends `message` (CRLF lines, headers included) from `from` to `to`; throws a short reason on failure.
    func send(from: String, to: String, message: [UInt8]) throws(MailTransportError)
}

/// Why a message could not be handed to the SMTP server.
public struct MailTransportError: Error, Sendable, CustomStringConvertible {
    public var description: String
    /// Creates the error.
    public init(_ description: String) { self.description = description }
}

/// Sends outbox entries: at once after the transaction that queued them, and again later (with back-off)
/// when the SMTP server did not take them.
public final class MailDispatcher: MailDispatch {
    private let outbox: MailOutbox
    private let transport: MailTransport?
    private let from: String
    private let clock: Clock
    private let logger: Logger
    /// After an attempt that failed slowly (a timeout, not a refusal), immediate sends are skipped for a while
    /// and the timer's run delivers: an unreachable SMTP server then costs one timeout per minute per process,
    /// not one per request.
    private var pausedUntil: Date?
    static let pauseAfterFailure: TimeInterval = 60

    /// Creates the dispatcher; without a transport, mail stays queued.
    public init(outbox: MailOutbox, transport: MailTransport?, from: String, clock: Clock, logger: Logger) {
        self.outbox = outbox
        self.transport = transport
        self.from = from
        self.clock = clock
        self.logger = logger
    }

    public func sendQueued(id: Int64) {
        guard transport != nil else { return }
        if let until = pausedUntil, clock.now < until { return }
        do {
            if let mail = try outbox.unsent(id: id) { attempt(mail) }
        } catch {
            logger.warning("mail stays queued: outbox unavailable", metadata: ["id": "\(id)", "error": "\(error)"])
        }
    }

    /// Sends every due message; returns how many were sent and how many failed.
    @discardableResult
    public func drain(limit: Int = 500) throws(StoreError) -> (sent: Int, failed: Int) {
        guard transport != nil else { return (0, 0) }
        var sent = 0, failed = 0
        for mail in try outbox.due(now: clock.now, limit: limit) {
            if attempt(mail) { sent += 1 } else { failed += 1 }
        }
        return (sent, failed)
    }

    @discardableResult
    private func attempt(_ mail: QueuedMail) -> Bool {
        guard let transport else { return false }
        let now = clock.now
        let message = MailMessage.render(from: from, to: mail.to, subject: mail.subject, body: mail.body, date: now,
                                         messageID: "<\(Secrets.uuid())@\(from.split(separator: "@").last ?? "localhost")>",
                                         html: mail.html, attachment: mail.attachment)
        do {
            try transport.send(from: from, to: mail.to, message: message)
            try? outbox.markSent(id: mail.id, now: now)
            pausedUntil = nil
            logger.info("mail sent", metadata: ["id": "\(mail.id)"])
            return true
        } catch {
            let delay = min(3600.0, 60.0 * pow(2.0, Double(min(mail.attempts, 10))))
            logger.warning("mail not sent; will retry", metadata: ["id": "\(mail.id)", "error": "\(error)", "retry_in_s": "\(Int(delay))"])
            try? outbox.markFailed(id: mail.id, error: TextRule.clipped(error.description, maxLength: 255), nextAttempt: now.addingTimeInterval(delay))
            if clock.now.timeIntervalSince(now) > 1 { pausedUntil = clock.now.addingTimeInterval(Self.pauseAfterFailure) }
            return false
        }
    }
}

/// Internet Message Format rendering of a message: plain text, or with an HTML alternative and an attachment
/// as MIME multipart.
public enum MailMessage {
    /// The message with its headers; lines end in CRLF. Header values lose any CR/LF (no header injection);
    /// a non-ASCII subject is RFC 2047-encoded. With `html` the body becomes multipart/alternative (text, then
    /// HTML); with `attachment`, multipart/mixed with the file base64-encoded.
    public static func render(from: String, to: String, subject: String, body: String, date: Date, messageID: String,
                              html: String? = nil, attachment: MailAttachment? = nil) -> [UInt8] {
        // By scalar: "\r\n" is one Character, so a Character filter would let it through.
        func clean(_ s: String) -> String { String(String.UnicodeScalarView(s.unicodeScalars.filter { $0 != "\r" && $0 != "\n" })) }
        let subjectLine = clean(subject).allSatisfy(\.isASCII)
            ? clean(subject) : "=?UTF-8?B?\(Data(clean(subject).utf8).base64EncodedString())?="
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        var text = "From: shortlink <\(clean(from))>\r\nTo: <\(clean(to))>\r\nSubject: \(subjectLine)\r\n"
        text += "Date: \(formatter.string(from: date))\r\nMessage-ID: \(clean(messageID))\r\nMIME-Version: 1.0\r\n"
        func crlf(_ s: String) -> String { s.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n") }
        /// Base64 in lines of 76 (RFC 2045).
        func base64(_ s: String) -> String {
            let all = Data(s.utf8).base64EncodedString()
            return stride(from: 0, to: all.count, by: 76).map { i in
                let start = all.index(all.startIndex, offsetBy: i)
                return String(all[start..<(all.index(start, offsetBy: 76, limitedBy: all.endIndex) ?? all.endIndex)])
            }.joined(separator: "\r\n")
        }
        guard html != nil || attachment != nil else {
            text += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + crlf(body)
            return Array(text.utf8)
        }
        // Boundaries that cannot occur in base64 or in the parts (they are random and the parts are encoded).
        let seed = Secrets.hex(Secrets.randomBytes(12))
        let mixed = "mixed-\(seed)", alternative = "alt-\(seed)"
        var content = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n\(base64(crlf(body)))\r\n"
        if let html {
            content = "Content-Type: multipart/alternative; boundary=\"\(alternative)\"\r\n\r\n"
                + "--\(alternative)\r\n" + content
                + "--\(alternative)\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n\(base64(crlf(html)))\r\n"
                + "--\(alternative)--\r\n"
        }
        guard let attachment else { return Array((text + content).utf8) }
        let name = clean(attachment.name).replacingOccurrences(of: "\"", with: "")
        text += "Content-Type: multipart/mixed; boundary=\"\(mixed)\"\r\n\r\n--\(mixed)\r\n" + content
        text += "--\(mixed)\r\nContent-Type: \(clean(attachment.contentType)); charset=utf-8; name=\"\(name)\"\r\n"
        text += "Content-Disposition: attachment; filename=\"\(name)\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        text += base64(attachment.content) + "\r\n--\(mixed)--\r\n"
        return Array(text.utf8)
    }
}
