import Foundation
import LinkDomain

/// One message for the outbox.
public struct OutgoingMail: Sendable, Equatable {
    public var to: String
    public var subject: String
    /// The plain-text body (every message has one).
    public var body: String
    /// An HTML alternative of the body, if any.
    public var html: String?
    /// A file sent with it, if any.
    public var attachment: MailAttachment?

    /// Creates a message.
    public init(to: String, subject: String, body: String, html: String? = nil, attachment: MailAttachment? = nil) {
        self.to = to
        self.subject = subject
        self.body = body
        self.html = html
        self.attachment = attachment
    }
}

/// A text file attached to a message (a report's CSV).
public struct MailAttachment: Sendable, Equatable {
    /// The file name offered to the reader.
    public var name: String
    /// Its media type (`text/csv`).
    public var contentType: String
    public var content: String

    /// Creates an attachment.
    public init(name: String, contentType: String, content: String) {
        self.name = name
        self.contentType = contentType
        self.content = content
    }
}

/// The copy of every message shortlink mails, in one place: the services say which message, to whom and with
/// which token; the words live here (and, later, their translations and HTML forms).
public enum MailTemplates {
    /// Confirms a new (or changed) address: the link to the web page and the token for the API.
    public static func verification(to email: String, secret: String, webURL: String) -> OutgoingMail {
        OutgoingMail(to: email, subject: "Confirm your email address for shortlink",
                     body: "Confirm that \(email) is your address by opening\n\(webURL)/verify-email?token=\(secret)\n"
                         + "within 48 hours, or send the token to POST /api/auth/verify-email.\n\nToken: \(secret)\n")
    }

    /// Tells the owner of an address that someone tried to register it again (no account is revealed to the caller).
    public static func signUpAttempt(to email: String, webURL: String) -> OutgoingMail {
        OutgoingMail(
            to: email, subject: "Someone tried to sign up with your address",
            body: "Someone (perhaps you) tried to create a shortlink account with \(email), which already has one.\n\n"
                + "If it was you, sign in instead, or reset your password at \(webURL)/reset-password.\n"
                + "If not, you can ignore this message.\n")
    }

    /// A password reset link, valid an hour.
    public static func passwordReset(to email: String, secret: String, webURL: String) -> OutgoingMail {
        OutgoingMail(
            to: email, subject: "Reset your shortlink password",
            body: "A password reset was asked for your shortlink account.\n\n"
                + "Open \(webURL)/reset-password?token=\(secret) within an hour to choose a new password,\n"
                + "or send the token to POST /api/auth/password-reset.\n\nToken: \(secret)\n\n"
                + "If you did not ask for it, ignore this message: your password stays as it is.\n")
    }

    /// An invitation to a team, valid 7 days.
    public static func teamInvitation(to email: String, team: String, role: TeamRole, secret: String, webURL: String) -> OutgoingMail {
        OutgoingMail(
            to: email, subject: "You are invited to the team \(team) on shortlink",
            body: "You were invited to join the team \"\(team)\" on shortlink as \(role.rawValue).\n\n"
                + "Sign in (or create an account with this address) and open\n\(webURL)/invitations/accept?token=\(secret)\n"
                + "within 7 days, or send the token to POST /api/invitations/accept.\n\nToken: \(secret)\n")
    }
}
