import Foundation
import LinkDomain
import Logging

/// Why a link use case refused or failed; the HTTP layer maps each case to one problem type.
public enum LinkServiceError: Error, Equatable, Sendable {
    /// Input broke a rule (HTTP 422).
    case validation(ValidationError)
    /// A query parameter is malformed or out of range (HTTP 400, naming it).
    case invalidParameter(FieldError)
    /// No such link visible to the caller (HTTP 404).
    case notFound
    /// The caller lacks the scope for this (HTTP 403).
    case forbidden(String)
    /// The alias is taken (HTTP 409).
    case aliasTaken(String)
    /// No free random code after the bounded retries (HTTP 503).
    case codeSpaceExhausted
    /// The caller's plan does not include this (HTTP 403, naming the plan that does).
    case planRefusal(Entitlements.Refusal)
    /// The caller's role in the link's team does not allow it; the least role that does (HTTP 403).
    case teamRole(TeamRole?)
    /// The database is unreachable (HTTP 503).
    case unavailable(String)
    /// Something unexpected on the server (HTTP 500).
    case internalError(String)
}

extension LinkServiceError {
    /// A store's failure as the API answers it: unavailable (503), or unexpected (500).
    init(_ error: StoreError) {
        switch error {
        case .unavailable(let why): self = .unavailable(why)
        case .duplicate: self = .internalError("unexpected duplicate key")
        case .failed(let why): self = .internalError(why)
        }
    }
}

/// What `POST /api/urls` asks for.
public struct CreateLinkRequest: Sendable, Equatable {
    public var longURL: String
    public var customAlias: String?
    public var expirationDate: String?
    public var redirectType: Int?
    /// The team (public id) the link is created for; nil for a personal link.
    public var teamID: String?
    /// Let search engines index the short URL (off by default).
    public var allowIndexing: Bool
    /// The destination's rewriting (UTM builder, query parameters); nil: the default.
    public var rewrite: RewriteRules?

    /// Creates a request.
    public init(longURL: String, customAlias: String? = nil, expirationDate: String? = nil, redirectType: Int? = nil,
                teamID: String? = nil, allowIndexing: Bool = false, rewrite: RewriteRules? = nil) {
        self.teamID = teamID
        self.allowIndexing = allowIndexing
        self.rewrite = rewrite
        self.longURL = longURL
        self.customAlias = customAlias
        self.expirationDate = expirationDate
        self.redirectType = redirectType
    }
}

/// A field of a PATCH: absent, set to null, or set to a value.
public enum PatchField<Value: Sendable & Equatable>: Sendable, Equatable {
    case absent
    case null
    case value(Value)
}

/// What `PATCH /api/urls/:alias` asks for.
public struct UpdateLinkRequest: Sendable, Equatable {
    public var longURL: PatchField<String> = .absent
    public var expirationDate: PatchField<String> = .absent
    public var isActive: PatchField<Bool> = .absent
    public var redirectType: PatchField<Int> = .absent
    public var allowIndexing: PatchField<Bool> = .absent
    /// The UTM builder (its `utm` and `overrideUTM`), replaced whole; null removes it.
    public var utmBuilder: PatchField<RewriteRules> = .absent
    /// The query rules (pass-through, injected, removed), replaced whole; null restores the defaults.
    public var queryParams: PatchField<RewriteRules> = .absent

    /// Creates an empty patch.
    public init() {}

    /// True when the patch names no field: a change of nothing, refused like the other PATCH routes do.
    public var isEmpty: Bool {
        longURL == .absent && expirationDate == .absent && isActive == .absent && redirectType == .absent && allowIndexing == .absent
            && utmBuilder == .absent && queryParams == .absent
    }
}

/// The link use cases: create, read, change, delete, and the redirect lookup.
///
/// Writes go to the store first and then replace the cache entry, so the next request on any worker sees
/// the change. The redirect reads the cache, then the store, and remembers a miss briefly.
public final class LinkService {
    private let store: LinkStore
    private let plans: PlanStore
    private let teams: TeamDirectory
    private let cache: LinkCache
    private let clock: Clock
    private let logger: Logger
    /// The default domain's row id.
    public let domainID: Int64
    /// Hosts that are ours (a link to them would loop).
    public let ownHosts: Set<URLHost>

    /// Creates the service.
    public init(store: LinkStore, plans: PlanStore, teams: TeamDirectory, cache: LinkCache, clock: Clock, domainID: Int64,
                ownHosts: Set<URLHost>, logger: Logger) {
        self.teams = teams
        self.store = store
        self.plans = plans
        self.cache = cache
        self.clock = clock
        self.domainID = domainID
        self.ownHosts = ownHosts
        self.logger = logger
    }

    // MARK: The redirect

    /// The snapshot for `code`, from the cache or the store; nil when there is no such link.
    /// Throws `.unavailable` only when the cache does not know and the store cannot be asked.
    public func resolve(code: String) throws(LinkServiceError) -> LinkSnapshot? {
        switch cache.lookup(domainID: domainID, code: code) {
        case .hit(let snapshot): return snapshot
        case .negative: return nil
        case .miss, .unavailable: break
        }
        do {
            let snapshot = try store.snapshot(domainID: domainID, code: code)
            cache.fill(snapshot, domainID: domainID, code: code)
            return snapshot
        } catch {
            throw Self.map(error)
        }
    }

    // MARK: Use cases

    /// Creates a link for `principal`, with a custom alias or a random code.
    public func create(_ request: CreateLinkRequest, by principal: Principal) throws(LinkServiceError) -> Link {
        guard principal.has(scope: "links:write") else { throw .forbidden("links:write") }
        let now = clock.now
        var errors: [FieldError] = []
        var longURL = ""
        do { longURL = try DestinationURL.validate(request.longURL, ownHosts: ownHosts) } catch { errors += error.errors }
        var expiresAt: Date?
        if let text = request.expirationDate {
            do { expiresAt = try ExpiryRules.validate(text, now: now) } catch { errors += error.errors }
        }
        var type = RedirectType.default
        if let raw = request.redirectType {
            if let t = RedirectType(rawValue: raw) { type = t } else {
                errors.append(FieldError(field: "redirectType", code: "redirect.type", message: "must be 301, 302, 307 or 308"))
            }
        }
        if let alias = request.customAlias {
            do { try AliasRules.validateCustom(alias) } catch { errors += error.errors }
        }
        if let rules = request.rewrite {
            do { try rules.validate() } catch { errors += error.errors }
        }
        let rewrite = request.rewrite.flatMap { $0.isDefault ? nil : $0 }
        guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
        var team: TeamRef?
        if let teamID = request.teamID {
            var found: (TeamRef, TeamRole?)?
            if teamID.utf8.count == 36 {
                do { found = try teams.team(publicID: teamID, userID: principal.userID) } catch { throw Self.map(error) }
            }
            guard let (ref, role) = found, role != nil || principal.isAdmin else {
                throw .validation(.field("teamId", "team.unknown", "is not a team of yours"))
            }
            if let role, !principal.isAdmin, !TeamPermissions.allows(role, isOwner: false, .writeLinks) {
                throw .teamRole(TeamPermissions.leastRole(for: .writeLinks))
            }
            team = ref
        }
        try checkPlan(for: team.map { .team($0) } ?? .user(principal.userID), principal: principal, now: now,
                      customAlias: request.customAlias != nil, expiry: expiresAt != nil, newLink: true)

        func attempt(code: String) throws(StoreError) -> Link {
            let publicID = Secrets.uuid()
            var details = ["code": code, "longUrl": longURL, "redirectType": String(type.rawValue)]
            if request.allowIndexing { details["allowIndexing"] = "true" }
            if let rewrite { details["rewrite"] = rewrite.encoded }
            if let expiresAt { details["expirationDate"] = Timestamp.format(expiresAt) }
            var audit = AuditEntry.by(principal, at: now, "link.create", "link", publicID, details: details)
            audit.teamID = team?.id
            return try store.insert(NewLink(publicID: publicID, domainID: domainID, code: code, longURL: longURL,
                                            redirectType: type, expiresAt: expiresAt, ownerUserID: principal.userID, createdAt: now,
                                            team: team.map { ($0.id, $0.publicID) }, allowIndexing: request.allowIndexing,
                                            rewrite: rewrite),
                                    audit: audit)
        }
        let link: Link
        if let alias = request.customAlias {
            do { link = try attempt(code: alias) } catch {
                if error == .duplicate { throw .aliasTaken(alias) }
                throw Self.map(error)
            }
        } else {
            var random = SystemRandom()
            var created: Link?
            for n in 0..<CodeGenerator.maxAttempts {
                let code = CodeGenerator.make(length: CodeGenerator.length(forAttempt: n), using: &random)
                if AliasRules.reserved.contains(code.lowercased()) { continue }
                do {
                    created = try attempt(code: code)
                    break
                } catch {
                    if error == .duplicate {
                        logger.notice("random code collided", metadata: ["attempt": "\(n + 1)"])
                        continue
                    }
                    throw Self.map(error)
                }
            }
            guard let made = created else { throw .codeSpaceExhausted }
            link = made
        }
        publish(link)
        return link
    }

    /// The link `code` if `principal` may read it.
    public func get(code: String, by principal: Principal) throws(LinkServiceError) -> Link {
        guard principal.has(scope: "links:read") || principal.has(scope: "links:write") else { throw .forbidden("links:read") }
        return try visibleLink(code: code, to: principal, for: .view)
    }

    /// The link `code` if `principal` may read its analytics (scope `analytics:read`; the same visibility as
    /// reading the link), and the refusal of detailed analytics by the plan that governs it, if any.
    public func analyticsAccess(code: String, by principal: Principal) throws(LinkServiceError) -> (Link, Plan, Entitlements.Refusal?) {
        guard principal.has(scope: "analytics:read") else { throw .forbidden("analytics:read") }
        let link = try visibleLink(code: code, to: principal, for: .view)
        return try run {
            let subject = link.teamID.map(PlanSubject.teamID) ?? .user(link.ownerUserID ?? principal.userID)
            let plan = try governingPlan(subject, principal: principal, now: clock.now).plan
            do {
                try Entitlements.require(.detailedAnalytics, plan: plan, catalog: try plans.catalog())
                return (link, plan, nil)
            } catch let refusal as Entitlements.Refusal {
                return (link, plan, refusal)
            }
        }
    }

    /// Whose links `principal` may see the analytics of: their own personal links, or the team `teamPublicID`
    /// (any member; administrators too); with the plan that governs them and its refusal of details, if any.
    public func summaryAccess(team teamPublicID: String?, by principal: Principal) throws(LinkServiceError) -> (ClickOwner, Plan, Entitlements.Refusal?) {
        guard principal.has(scope: "analytics:read") else { throw .forbidden("analytics:read") }
        return try run {
            let owner: ClickOwner
            let subject: PlanSubject
            if let teamPublicID {
                // Non-members are told the team does not exist.
                guard let (team, role) = try teams.team(publicID: teamPublicID, userID: principal.userID),
                      role != nil || principal.isAdmin else { throw LinkServiceError.notFound }
                (owner, subject) = (.team(team.id), .team(team))
            } else {
                (owner, subject) = (.user(principal.userID), .user(principal.userID))
            }
            let plan = try governingPlan(subject, principal: principal, now: clock.now).plan
            do {
                try Entitlements.require(.detailedAnalytics, plan: plan, catalog: try plans.catalog())
                return (owner, plan, nil)
            } catch let refusal as Entitlements.Refusal {
                return (owner, plan, refusal)
            }
        }
    }

    /// Applies a patch to `code` for `principal`.
    public func update(code: String, _ patch: UpdateLinkRequest, by principal: Principal) throws(LinkServiceError) -> Link {
        guard principal.has(scope: "links:write") else { throw .forbidden("links:write") }
        var link = try visibleLink(code: code, to: principal, for: .writeLinks)
        let before = link
        let now = clock.now
        var errors: [FieldError] = []
        switch patch.longURL {
        case .absent: break
        case .null: errors.append(FieldError(field: "longUrl", code: "url.required", message: "must not be null"))
        case .value(let raw):
            do { link.longURL = try DestinationURL.validate(raw, ownHosts: ownHosts) } catch { errors += error.errors }
        }
        switch patch.expirationDate {
        case .absent: break
        case .null: link.expiresAt = nil
        case .value(let text):
            do { link.expiresAt = try ExpiryRules.validate(text, now: now) } catch { errors += error.errors }
        }
        switch patch.isActive {
        case .absent: break
        case .null: errors.append(FieldError(field: "isActive", code: "bool.required", message: "must be true or false"))
        case .value(let v): link.isActive = v
        }
        switch patch.redirectType {
        case .absent: break
        case .null: errors.append(FieldError(field: "redirectType", code: "redirect.type", message: "must be 301, 302, 307 or 308"))
        case .value(let raw):
            if let t = RedirectType(rawValue: raw) { link.redirectType = t } else {
                errors.append(FieldError(field: "redirectType", code: "redirect.type", message: "must be 301, 302, 307 or 308"))
            }
        }
        switch patch.allowIndexing {
        case .absent: break
        case .null: errors.append(FieldError(field: "allowIndexing", code: "type.boolean", message: "must be true or false"))
        case .value(let allow): link.allowIndexing = allow
        }
        if patch.utmBuilder != .absent || patch.queryParams != .absent {
            var rules = link.rewrite ?? RewriteRules()
            switch patch.utmBuilder {
            case .absent: break
            case .null: (rules.utm, rules.overrideUTM) = ([], false)
            case .value(let part): (rules.utm, rules.overrideUTM) = (part.utm, part.overrideUTM)
            }
            switch patch.queryParams {
            case .absent: break
            case .null: (rules.passVisitorQuery, rules.inject, rules.remove) = (true, [], [])
            case .value(let part): (rules.passVisitorQuery, rules.inject, rules.remove) = (part.passVisitorQuery, part.inject, part.remove)
            }
            do { try rules.validate() } catch { errors += error.errors }
            link.rewrite = rules.isDefault ? nil : rules
        }
        guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
        if case .value = patch.expirationDate {
            try checkPlan(for: link.teamID.map { .teamID($0) } ?? .user(principal.userID), principal: principal, now: now,
                          customAlias: false, expiry: true, newLink: false)
        }
        link.updatedAt = now
        var changes: [String: String] = [:]
        if link.longURL != before.longURL { changes["longUrl"] = link.longURL }
        if link.expiresAt != before.expiresAt { changes["expirationDate"] = link.expiresAt.map(Timestamp.format) ?? "null" }
        if link.isActive != before.isActive { changes["isActive"] = String(link.isActive) }
        if link.redirectType != before.redirectType { changes["redirectType"] = String(link.redirectType.rawValue) }
        if link.allowIndexing != before.allowIndexing { changes["allowIndexing"] = String(link.allowIndexing) }
        if link.rewrite != before.rewrite { changes["rewrite"] = link.rewrite?.encoded ?? "default" }
        changes["code"] = link.code
        var audit = AuditEntry.by(principal, at: now, "link.update", "link", link.publicID, details: changes)
        audit.teamID = link.teamID
        do { try store.update(link, audit: audit) } catch {
            throw Self.map(error)
        }
        publish(link)
        return link
    }

    /// Deletes `code` for `principal`.
    public func delete(code: String, by principal: Principal) throws(LinkServiceError) {
        guard principal.has(scope: "links:write") else { throw .forbidden("links:write") }
        let link = try visibleLink(code: code, to: principal, for: .writeLinks)
        var audit = AuditEntry.by(principal, at: clock.now, "link.delete", "link", link.publicID,
                                  details: ["code": link.code, "longUrl": link.longURL])
        audit.teamID = link.teamID
        do { try store.delete(id: link.id, audit: audit) } catch { throw Self.map(error) }
        if !cache.storeNegative(domainID: domainID, code: code) { cache.remove(domainID: domainID, code: code) }
    }

    // MARK: Helpers

    /// The entitlement checks of a link write: custom alias, expiry, links per month (004: the free tier
    /// can set neither an alias nor an expiry).
    /// Whose plan governs a link: its creator's for a personal link, the team owner's for a team's.
    enum PlanSubject {
        case user(Int64)
        case team(TeamRef)
        case teamID(Int64)
    }

    private func checkPlan(for subject: PlanSubject, principal: Principal, now: Date, customAlias: Bool, expiry: Bool,
                           newLink: Bool) throws(LinkServiceError) {
        try run {
            let (payer, teamID, plan) = try governingPlan(subject, principal: principal, now: now)
            var catalog: [Plan] { (try? plans.catalog()) ?? [] }
            do {
                if customAlias { try Entitlements.require(.customAlias, plan: plan, catalog: catalog) }
                if expiry { try Entitlements.require(.expirationDate, plan: plan, catalog: catalog) }
                if newLink, plan.linksPerMonth != nil {
                    let since = Self.startOfMonth(now)
                    let used = try teamID.map { id throws(StoreError) in try plans.linksCreated(byTeam: id, since: since) }
                        ?? plans.linksCreated(byUser: payer, since: since)
                    try Entitlements.require(.linksPerMonth, used: used, plan: plan, catalog: catalog)
                }
            } catch let refusal as Entitlements.Refusal {
                throw LinkServiceError.planRefusal(refusal)
            }
        }
    }

    /// The first instant of `date`'s calendar month, in UTC.
    static func startOfMonth(_ date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: calendar.dateComponents([.year, .month], from: date))!
    }

    /// The link if the caller may do `action` to it: administrators always; a personal link its owner; a
    /// team's link the members whose role allows it (TeamPermissions).
    private func visibleLink(code: String, to principal: Principal, for action: TeamAction) throws(LinkServiceError) -> Link {
        guard AliasRules.isPlausibleCode(code.utf8[...]) else { throw .notFound }
        let found: Link?
        do { found = try store.link(domainID: domainID, code: code) } catch { throw Self.map(error) }
        guard let link = found else { throw .notFound }
        if principal.isAdmin { return link }
        if let teamID = link.teamID {
            let role: TeamRole?
            do { role = try teams.role(teamID: teamID, userID: principal.userID) } catch { throw Self.map(error) }
            // Non-members are told the link does not exist, so codes of others cannot be probed.
            guard let role else { throw .notFound }
            guard TeamPermissions.allows(role, isOwner: false, action) else { throw .teamRole(TeamPermissions.leastRole(for: action)) }
            return link
        }
        guard link.ownerUserID == principal.userID else { throw .notFound }
        return link
    }

    /// Replaces the cache entry after a store write. If that fails the entry is deleted instead; if that
    /// fails too it is logged (a memcached that is down holds nothing stale: it restarts empty).
    private func publish(_ link: Link) {
        if !cache.store(link.snapshot, domainID: link.domainID, code: link.code),
           !cache.remove(domainID: link.domainID, code: link.code) {
            logger.warning("cache not updated after write", metadata: ["link_id": "\(link.id)"])
        }
    }

    /// Who pays for `subject` (the creator of a personal link, a team's owner), the team if any, and the plan in
    /// force: the caller's own came with the credential.
    private func governingPlan(_ subject: PlanSubject, principal: Principal, now: Date) throws -> (payer: Int64, teamID: Int64?, plan: Plan) {
        let payer: Int64
        var teamID: Int64?
        switch subject {
        case .user(let id): payer = id
        case .team(let team): payer = team.ownerUserID; teamID = team.id
        case .teamID(let id):
            guard let owner = try teams.owner(teamID: id) else { throw LinkServiceError.notFound }
            payer = owner
            teamID = id
        }
        let plan = try (payer == principal.userID ? principal.plan : nil) ?? plans.plan(forUser: payer, now: now)
        return (payer, teamID, plan)
    }

    /// Runs a body that throws the store's, the service's or a refusal's errors, as the service's.
    private func run<T>(_ body: () throws -> T) throws(LinkServiceError) -> T {
        do { return try body() } catch let error as StoreError {
            throw Self.map(error)
        } catch let error as LinkServiceError {
            throw error
        } catch {
            throw .internalError("\(error)")
        }
    }

    private static func map(_ error: StoreError) -> LinkServiceError { LinkServiceError(error) }
}
