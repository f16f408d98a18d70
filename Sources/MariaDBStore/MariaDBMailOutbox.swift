import Foundation
import ShortlinkCore

/// The mail outbox on MariaDB.
public final class MariaDBMailOutbox: MailOutbox {
    private let db: MariaDBConnection

    /// Creates the outbox over a connection.
    public init(connection: MariaDBConnection) { db = connection }

    /// Queues `mail` on `db` (inside the caller's transaction); returns its id.
    static func insert(_ mail: OutgoingMail, now: Date, on db: MariaDBConnection) throws(StoreError) -> Int64 {
        try db.execute(
            """
            INSERT INTO mail_outbox (recipient, subject, body, html, attachment_name, attachment_type, attachment, created_at, next_attempt_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.text(mail.to), .text(mail.subject), .text(mail.body), mail.html.map(DBValue.text) ?? .null,
             mail.attachment.map { .text($0.name) } ?? .null, mail.attachment.map { .text($0.contentType) } ?? .null,
             mail.attachment.map { .text($0.content) } ?? .null, .date(now), .date(now)]).insertID
    }

    public func unsent(id: Int64) throws(StoreError) -> QueuedMail? {
        try db.execute("SELECT \(Self.columns) FROM mail_outbox WHERE id = ? AND sent_at IS NULL",
                       [.int(id)]).rows.first.map(Self.decode)
    }

    public func due(now: Date, limit: Int) throws(StoreError) -> [QueuedMail] {
        try db.execute(
            "SELECT \(Self.columns) FROM mail_outbox WHERE sent_at IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?",
            [.date(now), .int(Int64(limit))]).rows.map(Self.decode)
    }

    public func markSent(id: Int64, now: Date) throws(StoreError) {
        try db.execute("UPDATE mail_outbox SET sent_at = ?, body = '', html = NULL, attachment = NULL, attempts = attempts + 1, last_error = NULL WHERE id = ?",
                       [.date(now), .int(id)])
    }

    public func markFailed(id: Int64, error: String, nextAttempt: Date) throws(StoreError) {
        try db.execute("UPDATE mail_outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
                       [.text(error), .date(nextAttempt), .int(id)])
    }

    static let columns = "id, recipient, subject, body, attempts, html, attachment_name, attachment_type, attachment"

    private static func decode(_ row: [DBValue]) -> QueuedMail {
        var attachment: MailAttachment?
        if let name = row[6].text, let type = row[7].text, let content = row[8].text {
            attachment = MailAttachment(name: name, contentType: type, content: content)
        }
        return QueuedMail(id: row[0].int ?? 0, to: row[1].text ?? "", subject: row[2].text ?? "", body: row[3].text ?? "",
                          attempts: Int(row[4].int ?? 0), html: row[5].text, attachment: attachment)
    }
}
