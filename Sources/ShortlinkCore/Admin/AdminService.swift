import Foundation
import LinkDomain

/// A user as administrators see it.
public struct UserSummary: Sendable, Equatable {
    public var id: Int64
    public var publicID: String
    public var email: String
    public var role: String
    public var isActive: Bool
    public var plan: String
    public var createdAt: Date

    /// Creates a summary.
    public init(id: Int64, publicID: String, email: String, role: String, isActive: Bool, plan: String, createdAt: Date) {
        self.id = id
        self.publicID = publicID
        self.email = email
        self.role = role
        self.isActive = isActive
        self.plan = plan
        self.createdAt = createdAt
    }
}

/// What administrators read and change about users.
public protocol AdminStore: AnyObject {
    /// Users whose email contains `search` (all when nil), by descending id before `beforeID`.
    func users(search: String?, beforeID: Int64?, limit: Int) throws(StoreError) -> [UserSummary]
    /// One user by public id.
    func user(publicID: String) throws(StoreError) -> UserSummary?
    /// One user by row id.
    func user(id: Int64) throws(StoreError) -> UserSummary?
    /// Enables or disables a user (a disabled user's keys stop working), with the audit entry.
    func setActive(userID: Int64, isActive: Bool, audit: AuditEntry) throws(StoreError)
    /// System counts: users, links, keys, subscriptions by plan.
    func counts() throws(StoreError) -> [String: Int]
}

/// Why an administrator's request was refused.
public enum AdminError: Error, Equatable, Sendable {
    case notAdmin
    case validation(ValidationError)
    case notFound
    case unavailable(String)
    case internalError(String)
}

/// Creates users for the operator (`shortlinkctl`): no password, so they sign in after a reset.
public protocol AccountProvisioning: AnyObject {
    /// The id of the user with `email` (normalised), creating it without a password and with `role` if absent.
    func ensureUser(email: String, role: String, now: Date) throws(StoreError) -> Int64
}

/// Finds links by code across every domain, for the operator's reports.
public protocol LinkCensus: AnyObject {
    /// The links whose code is one of `codes`, exactly, with their owner's email.
    func links(holdingCodes codes: [String]) throws(StoreError) -> [(link: Link, ownerEmail: String?)]
}

/// The administrator's endpoints: list and search users, disable/enable, change a user's plan, counts; and the
/// operator's plan grants and reports from `shortlinkctl`, by the same rules.
public final class AdminService {
    private let store: AdminStore
    private let subscriptions: SubscriptionStore
    private let plans: PlanStore
    private let accounts: AccountProvisioning
    private let links: LinkCensus
    private let clock: Clock

    /// Creates the service.
    public init(store: AdminStore, subscriptions: SubscriptionStore, plans: PlanStore, accounts: AccountProvisioning,
                links: LinkCensus, clock: Clock) {
        self.store = store
        self.subscriptions = subscriptions
        self.plans = plans
        self.accounts = accounts
        self.links = links
        self.clock = clock
    }

    /// Only administrators holding the `admin` scope pass.
    public func authorize(_ principal: Principal) throws(AdminError) {
        guard principal.isAdmin, principal.has(scope: "admin") else { throw .notAdmin }
    }

    /// A page of users.
    public func users(search: String?, beforeID: Int64?, limit: Int, by principal: Principal) throws(AdminError) -> [UserSummary] {
        try authorize(principal)
        return try run { try store.users(search: search, beforeID: beforeID, limit: limit) }
    }

    /// Changes a user's active flag and/or plan; returns the user afterwards.
    public func update(userPublicID: String, isActive: Bool?, planCode: String?, by principal: Principal) throws(AdminError) -> UserSummary {
        try authorize(principal)
        let now = clock.now
        return try run {
            guard let user = try store.user(publicID: userPublicID) else { throw AdminError.notFound }
            if let planCode {
                try requireKnownPlan(planCode)
                try grant(planCode, to: user, audit: .by(principal, at: now, "plan.change", "user", user.publicID,
                                                         details: ["from": user.plan, "to": planCode, "by": "admin"]), now: now)
            }
            if let isActive, isActive != user.isActive {
                try store.setActive(userID: user.id, isActive: isActive,
                                    audit: .by(principal, at: now, isActive ? "user.enable" : "user.disable", "user", user.publicID))
            }
            guard let after = try store.user(publicID: userPublicID) else { throw AdminError.notFound }
            return after
        }
    }

    /// The operator puts the user with `email` (created with `role` if absent) on `planCode`, with an audit entry
    /// naming the user by public id and `shortlinkctl` as the way it was done.
    public func grantPlanByOperator(email rawEmail: String, role: String, planCode: String) throws(AdminError) -> UserSummary {
        var errors: [FieldError] = []
        var email = ""
        do { email = try EmailAddress.parse(rawEmail) } catch { errors += error.errors }
        if role != "user" && role != "admin" { errors.append(FieldError(field: "role", code: "role.invalid", message: "must be user or admin")) }
        guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
        let now = clock.now
        return try run {
            try requireKnownPlan(planCode)
            let id = try accounts.ensureUser(email: email, role: role, now: now)
            guard let user = try store.user(id: id) else { throw AdminError.notFound }
            try grant(planCode, to: user, audit: AuditEntry(occurredAt: now, actorUserID: nil, actorKeyID: nil, actorIP: "",
                                                            action: "plan.change", objectType: "user", objectID: user.publicID,
                                                            details: ["from": user.plan, "to": planCode, "via": "shortlinkctl"]),
                      now: now)
            guard let after = try store.user(id: id) else { throw AdminError.notFound }
            return after
        }
    }

    /// The links whose alias is exactly one of the product's own paths: the product answers those paths, so
    /// such a link (made before its alias was reserved) no longer redirects. For `shortlinkctl migrate` and
    /// `shortlinkctl reserved-links`.
    public func linksShadowedByProductPaths() throws(AdminError) -> [(link: Link, ownerEmail: String?)] {
        try run { try links.links(holdingCodes: ProductPaths.entries.map(\.segment)) }
    }

    private func requireKnownPlan(_ planCode: String) throws {
        guard try plans.catalog().contains(where: { $0.code == planCode }) else {
            throw AdminError.validation(.field("plan", "plan.unknown", "is not a plan"))
        }
    }

    /// A manual subscription to `planCode`, saved with its audit entry in one transaction.
    private func grant(_ planCode: String, to user: UserSummary, audit: AuditEntry, now: Date) throws {
        let sub = Subscription(planCode: planCode, status: "active", trialEndsAt: nil, currentPeriodEnd: nil,
                               cancelAtPeriodEnd: false, provider: "manual", providerRef: nil)
        try subscriptions.save(sub, forUser: user.id, startsTrial: false, audit: audit, now: now)
    }

    /// System counts.
    public func counts(by principal: Principal) throws(AdminError) -> [String: Int] {
        try authorize(principal)
        return try run { try store.counts() }
    }

    private func run<T>(_ body: () throws -> T) throws(AdminError) -> T {
        do { return try body() } catch let error as AdminError {
            throw error
        } catch let error as StoreError {
            switch error {
            case .unavailable(let why): throw .unavailable(why)
            case .duplicate: throw .internalError("duplicate")
            case .failed(let why): throw .internalError(why)
            }
        } catch {
            throw .internalError("\(error)")
        }
    }
}
