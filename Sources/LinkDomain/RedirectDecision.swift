/// What the redirect endpoint answers for one request: a pure function of the link and the time.
public enum RedirectDecision: Sendable, Equatable {
    /// Send the visitor to `location` with `type`'s status.
    case redirect(RedirectType, location: String, linkID: Int64)
    /// No such link: 404.
    case notFound
    /// The link exists but no longer redirects: 410.
    case gone(GoneReason)

    /// Why a link answers 410.
    public enum GoneReason: String, Sendable, Equatable {
        case expired
        /// Paused by its owner (`isActive` false).
        case deactivated = "disabled"
    }

    /// Decides the answer for `snapshot` (nil when unknown) at `nowMillis` (ms since the Unix epoch).
    /// A link expires at its expiry instant: from then on it is gone.
    public static func decide(_ snapshot: LinkSnapshot?, nowMillis: Int64) -> RedirectDecision {
        guard let link = snapshot else { return .notFound }
        if !link.isActive { return .gone(.deactivated) }
        if let expires = link.expiresAtMillis, nowMillis >= expires { return .gone(.expired) }
        return .redirect(link.redirectType, location: link.longURL, linkID: link.id)
    }
}
