import Foundation
import LinkDomain

/// Teams: create, invite by email (token, 7 days), accept, change roles, remove, leave, transfer ownership,
/// rename, delete. Seats are the owner's plan's `team_seats`; pending invitations take a seat.
public final class TeamService {
    static let invitationTTL: TimeInterval = 7 * 86_400

    private let store: TeamStore
    private let plans: PlanStore
    private let accounts: AccountStore
    private let mail: MailDispatch
    private let clock: Clock
    private let webURL: String

    /// Creates the service.
    public init(store: TeamStore, plans: PlanStore, accounts: AccountStore, mail: MailDispatch, clock: Clock, webURL: String) {
        self.store = store
        self.plans = plans
        self.accounts = accounts
        self.mail = mail
        self.clock = clock
        self.webURL = webURL
    }

    public func create(name raw: String, by principal: Principal) throws(TeamError) -> TeamView {
        try requireScope(principal, "links:write")
        let name: String
        do { name = try TeamName.validate(raw) } catch { throw .validation(error) }
        let now = clock.now
        let team = try call { () throws(StoreError) in
            try store.create(name: name, ownerUserID: principal.userID, now: now,
                             audit: .by(principal, at: now, "team.create", "team", "", details: ["name": name]))
        }
        return try view(team.publicID, by: principal)
    }

    public func list(by principal: Principal) throws(TeamError) -> [TeamView] {
        try requireScope(principal, "links:read")
        return try call { () throws(StoreError) in
            try store.teams(ofUser: principal.userID).map {
                TeamView(team: $0.0, role: $0.1, isOwner: $0.0.ownerUserID == principal.userID, members: [], invitations: [],
                         memberCount: $0.2)
            }
        }
    }

    /// The team with its members (and, for admins, pending invitations).
    public func view(_ teamID: String, by principal: Principal) throws(TeamError) -> TeamView {
        try requireScope(principal, "links:read")
        let (team, role) = try membership(teamID, principal, .view)
        let members = try call { () throws(StoreError) in try store.members(teamID: team.id) }
        let invitations = role == .admin ? try call { () throws(StoreError) in try store.invitations(teamID: team.id, now: clock.now) } : []
        return TeamView(team: team, role: role, isOwner: team.ownerUserID == principal.userID, members: members,
                        invitations: invitations, memberCount: members.count)
    }

    public func rename(_ teamID: String, name raw: String, by principal: Principal) throws(TeamError) -> TeamView {
        try requireScope(principal, "links:write")
        let (team, _) = try membership(teamID, principal, .manageTeam)
        let name: String
        do { name = try TeamName.validate(raw) } catch { throw .validation(error) }
        let now = clock.now
        try call { () throws(StoreError) in
            try store.rename(teamID: team.id, name: name, now: now, audit: audit(principal, now, "team.rename", team, ["name": name]))
        }
        return try view(teamID, by: principal)
    }

    /// Invites `email` with `role`; mails a link with a one-time token.
    public func invite(_ teamID: String, email raw: String, role: TeamRole, by principal: Principal) throws(TeamError) -> TeamInvitation {
        try requireScope(principal, "links:write")
        let (team, _) = try membership(teamID, principal, .manageMembers)
        let email = EmailAddress.normalize(raw)
        do { try EmailAddress.validate(email) } catch { throw .validation(error) }
        let now = clock.now
        if try call({ () throws(StoreError) in try store.members(teamID: team.id) }).contains(where: { $0.email == email }) {
            throw .conflict("\(email) is already a member")
        }
        try checkSeats(team, now: now, counting: 0)
        let secret = "sli_" + Secrets.hex(Secrets.randomBytes(20))
        let message = MailTemplates.teamInvitation(to: email, team: team.name, role: role, secret: secret, webURL: webURL)
        let (invitation, outbox) = try call { () throws(StoreError) in
            try store.invite(teamID: team.id, email: email, role: role, tokenHash: Secrets.sha256(secret), invitedBy: principal.userID,
                             now: now, expiresAt: now.addingTimeInterval(Self.invitationTTL), mail: message,
                             audit: audit(principal, now, "team.invite", team, ["email": email, "role": role.rawValue]))
        }
        mail.sendQueued(id: outbox)
        return invitation
    }

    public func revokeInvitation(_ teamID: String, invitation: String, by principal: Principal) throws(TeamError) {
        try requireScope(principal, "links:write")
        let (team, _) = try membership(teamID, principal, .manageMembers)
        let now = clock.now
        let done = try call { () throws(StoreError) in
            try store.revokeInvitation(teamID: team.id, publicID: invitation, now: now,
                                       audit: audit(principal, now, "team.invitation_revoke", team, ["invitation": invitation]))
        }
        if !done { throw .invalidInvitation }
    }

    /// Joins the team of an invitation sent to the caller's own address.
    public func accept(token: String, by principal: Principal) throws(TeamError) -> TeamView {
        try requireScope(principal, "links:write")
        let user = try call { () throws(StoreError) in try accounts.user(id: principal.userID) }
        guard let user else { throw .notFound }
        let now = clock.now
        // The invitation held a seat since it was made; if the owner moved to a smaller plan meanwhile, the
        // seats may be gone.
        if let team = try call({ () throws(StoreError) in try store.invitationTeam(tokenHash: Secrets.sha256(token), now: now) }) {
            try checkSeats(team, now: now, counting: -1)
        }
        let outcome = try call { () throws(StoreError) in
            try store.accept(tokenHash: Secrets.sha256(token), userID: user.id, email: user.email, now: now,
                             audit: .by(principal, at: now, "team.member_join", "team", ""))
        }
        switch outcome {
        case .joined(let team, _): return try view(team.publicID, by: principal)
        case .invalid: throw .invalidInvitation
        case .otherEmail: throw .forbidden("this invitation was sent to another email address")
        case .alreadyMember: throw .conflict("you are already a member of this team")
        }
    }

    public func setRole(_ teamID: String, member: String, role: TeamRole, by principal: Principal) throws(TeamError) -> TeamView {
        try requireScope(principal, "links:write")
        let (team, _) = try membership(teamID, principal, .manageMembers)
        let userID = try memberID(member, of: team, inPath: true)
        guard userID != team.ownerUserID || role == .admin else { throw .conflict("the owner stays an admin; transfer ownership first") }
        let now = clock.now
        let done = try call { () throws(StoreError) in
            try store.setRole(teamID: team.id, userID: userID, role: role,
                              audit: audit(principal, now, "team.member_role", team, ["member": member, "role": role.rawValue]))
        }
        if !done { throw .notFound }
        return try view(teamID, by: principal)
    }

    /// Removes a member (admins), or leaves when `member` is the caller (any member but the owner).
    public func remove(_ teamID: String, member: String, by principal: Principal) throws(TeamError) {
        try requireScope(principal, "links:write")
        let (team, _) = try membership(teamID, principal, .view)
        let userID = try memberID(member, of: team, inPath: true)
        let leaving = userID == principal.userID
        if !leaving { _ = try membership(teamID, principal, .manageMembers) }
        guard userID != team.ownerUserID else { throw .conflict("the owner cannot leave or be removed; transfer ownership first") }
        let now = clock.now
        let done = try call { () throws(StoreError) in
            try store.removeMember(teamID: team.id, userID: userID,
                                   audit: audit(principal, now, leaving ? "team.member_leave" : "team.member_remove", team, ["member": member]))
        }
        if !done { throw .notFound }
    }

    /// Hands the team to another member, who becomes its owner (and an admin); the old owner stays an admin.
    public func transfer(_ teamID: String, to member: String, by principal: Principal) throws(TeamError) -> TeamView {
        try requireScope(principal, "links:write")
        let (team, _) = try membership(teamID, principal, .transferOwnership)
        let userID = try memberID(member, of: team)
        guard userID != principal.userID else { throw .conflict("you already own this team") }
        let now = clock.now
        let done = try call { () throws(StoreError) in
            try store.transfer(teamID: team.id, to: userID, now: now, audit: audit(principal, now, "team.transfer", team, ["newOwner": member]))
        }
        if !done { throw .validation(.field("userId", "member.required", "must be a member of the team")) }
        return try view(teamID, by: principal)
    }

    public func delete(_ teamID: String, by principal: Principal) throws(TeamError) {
        try requireScope(principal, "links:write")
        let (team, _) = try membership(teamID, principal, .deleteTeam)
        let now = clock.now
        try call { () throws(StoreError) in try store.delete(teamID: team.id, audit: audit(principal, now, "team.delete", team, ["name": team.name])) }
    }

    /// The team's row id for reading its audit log (team admins only).
    public func auditScope(_ teamID: String, by principal: Principal) throws(TeamError) -> Int64 {
        try requireScope(principal, "links:read")
        return try membership(teamID, principal, .readAudit).0.id
    }

    // MARK: Helpers

    /// Refuses when the seats taken (members and pending invitations, plus `counting`) leave none free under
    /// the owner's plan.
    private func checkSeats(_ team: TeamRef, now: Date, counting: Int) throws(TeamError) {
        do {
            let plan = try plans.plan(forUser: team.ownerUserID, now: now)
            let taken = try store.seatsTaken(teamID: team.id, now: now) + counting
            try Entitlements.require(.teamSeats, used: taken, plan: plan, catalog: (try? plans.catalog()) ?? [])
        } catch let refusal as Entitlements.Refusal {
            throw .planRefusal(refusal)
        } catch let error as StoreError {
            throw Self.map(error)
        } catch {
            throw .internalError("\(error)")
        }
    }

    private func membership(_ teamID: String, _ principal: Principal, _ action: TeamAction) throws(TeamError) -> (TeamRef, TeamRole) {
        guard teamID.utf8.count == 36 else { throw .notFound }
        let found = try call { () throws(StoreError) in try store.team(publicID: teamID, userID: principal.userID) }
        guard let (team, role) = found, let role else { throw .notFound }
        guard TeamPermissions.allows(role, isOwner: team.ownerUserID == principal.userID, action) else {
            throw .roleRequired(TeamPermissions.leastRole(for: action))
        }
        return (team, role)
    }

    /// The row id of member `publicID`; not a member is 404 when the member is the resource in the path,
    /// a field error when it is named in the body.
    private func memberID(_ publicID: String, of team: TeamRef, inPath: Bool = false) throws(TeamError) -> Int64 {
        let id = try call { () throws(StoreError) in try store.userID(publicID: publicID) }
        guard let id, try call({ () throws(StoreError) in try store.role(teamID: team.id, userID: id) }) != nil else {
            if inPath { throw .memberNotFound }
            throw .validation(.field("userId", "member.unknown", "is not a member of the team"))
        }
        return id
    }

    private func requireScope(_ principal: Principal, _ scope: String) throws(TeamError) {
        guard principal.has(scope: scope) else { throw .scopeRequired(scope) }
    }

    private func audit(_ principal: Principal, _ now: Date, _ action: String, _ team: TeamRef, _ details: [String: String]) -> AuditEntry {
        var entry = AuditEntry.by(principal, at: now, action, "team", team.publicID, details: details)
        entry.teamID = team.id
        return entry
    }

    private func call<T>(_ body: () throws(StoreError) -> T) throws(TeamError) -> T {
        do { return try body() } catch { throw Self.map(error) }
    }

    static func map(_ error: StoreError) -> TeamError {
        switch error {
        case .unavailable(let why): return .unavailable(why)
        case .duplicate: return .conflict("already exists")
        case .failed(let why): return .internalError(why)
        }
    }
}
