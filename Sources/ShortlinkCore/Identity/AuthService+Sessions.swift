import Foundation
import LinkDomain
import Logging

/// The caller's live sessions: list, end one, end all others.
extension AuthService {
    /// The caller's live sessions.
    public func sessions(_ principal: Principal) throws(AuthError) -> [SessionInfo] {
        do { return try store.sessions(userID: principal.userID, now: clock.now) } catch { throw Self.map(error) }
    }

    /// Ends one of the caller's sessions (a stolen laptop, a forgotten browser).
    public func endSession(_ publicID: String, by principal: Principal) throws(AuthError) {
        guard principal.sessionID != nil else { throw .sessionRequired }
        let now = clock.now
        let ended = try call { () throws(StoreError) in
            try store.endSession(refreshHash: nil, sessionID: publicID, userID: principal.userID, now: now, reason: "revoked",
                                 audit: { _ in .by(principal, at: now, "auth.session_revoke", "session", publicID) })
        }
        if ended == nil { throw .notFound("no such live session of yours") }
    }

    /// Ends every session of the caller but the current one ("sign out everywhere else"); returns how many.
    public func endOtherSessions(by principal: Principal) throws(AuthError) -> Int {
        guard let current = principal.sessionID else { throw .sessionRequired }
        let now = clock.now
        do {
            return try store.endSessions(userID: principal.userID, keeping: current, now: now, reason: "revoked",
                                         audit: .by(principal, at: now, "auth.sessions_revoke_others", "session", current))
        } catch { throw Self.map(error) }
    }

    /// Unused recovery codes of the caller.
    public func recoveryCodesLeft(_ principal: Principal) throws(AuthError) -> Int {
        do { return try store.recoveryCodesLeft(userID: principal.userID) } catch { throw Self.map(error) }
    }
}
