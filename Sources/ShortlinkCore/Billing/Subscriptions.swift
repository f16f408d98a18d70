import Foundation
import LinkDomain

/// A user's subscription as stored.
public struct Subscription: Sendable, Equatable {
    public var planCode: String
    /// `trialing`, `active`, `canceled` or `expired`.
    public var status: String
    public var trialEndsAt: Date?
    public var currentPeriodEnd: Date?
    public var cancelAtPeriodEnd: Bool
    public var provider: String?
    public var providerRef: String?

    /// Creates a subscription value.
    public init(planCode: String, status: String, trialEndsAt: Date?, currentPeriodEnd: Date?, cancelAtPeriodEnd: Bool,
                provider: String?, providerRef: String?) {
        self.planCode = planCode
        self.status = status
        self.trialEndsAt = trialEndsAt
        self.currentPeriodEnd = currentPeriodEnd
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.provider = provider
        self.providerRef = providerRef
    }
}

/// Stored subscriptions.
public protocol SubscriptionStore: AnyObject {
    /// The user's subscription row, if any.
    func subscription(forUser userID: Int64) throws(StoreError) -> Subscription?
    /// Writes the user's subscription (insert or replace) and its audit entry in one transaction; when
    /// `startsTrial`, also marks the user's one trial as used.
    func save(_ subscription: Subscription, forUser userID: Int64, startsTrial: Bool, audit: AuditEntry, now: Date) throws(StoreError)
    /// True once the user has had a trial.
    func hasUsedTrial(userID: Int64) throws(StoreError) -> Bool
}

/// Why a subscription change was refused.
public enum SubscriptionError: Error, Equatable, Sendable {
    case validation(ValidationError)
    /// A paid plan without a trial needs a payment (no billing provider is configured): HTTP 402.
    case paymentRequired(String)
    /// The one free trial was used already: HTTP 409.
    case trialUsed
    /// Plan changes are made from a signed-in session (or with an administrator's `admin` key), never with
    /// an ordinary API key.
    case sessionRequired
    case unavailable(String)
    case internalError(String)
}

/// Subscribe, upgrade, downgrade, cancel at period end, trials. Without a billing integration, paid plans
/// are granted by administrators (or, later, by the provider's webhook); users may start one trial and
/// move down or cancel on their own.
public final class SubscriptionService {
    /// Days of a trial.
    public static let trialDays = 14
    /// Length of a billing period for manual grants.
    public static let periodDays = 30

    private let store: SubscriptionStore
    private let plans: PlanStore
    private let clock: Clock

    /// Creates the service.
    public init(store: SubscriptionStore, plans: PlanStore, clock: Clock) {
        self.store = store
        self.plans = plans
        self.clock = clock
    }

    /// The caller's subscription and plan in force (free, active, when there is none).
    public func current(for principal: Principal) throws(SubscriptionError) -> (Subscription, Plan) {
        do {
            let plan = try plans.plan(forUser: principal.userID, now: clock.now)
            let sub = try store.subscription(forUser: principal.userID)
                ?? Subscription(planCode: "free", status: "active", trialEndsAt: nil, currentPeriodEnd: nil,
                                cancelAtPeriodEnd: false, provider: nil, providerRef: nil)
            return (sub, plan)
        } catch { throw Self.map(error) }
    }

    /// Moves the caller to `planCode`: down (or to free) at once; up only as a trial or by an administrator.
    public func change(to planCode: String, trial: Bool, by principal: Principal) throws(SubscriptionError) -> (Subscription, Plan) {
        try Self.requireSessionOrAdmin(principal)
        let now = Timestamp.date(millis: Timestamp.millis(clock.now))  // stored with millisecond precision
        return try run {
            let catalog = try plans.catalog()
            guard let target = catalog.first(where: { $0.code == planCode }) else {
                throw SubscriptionError.validation(.field("plan", "plan.unknown",
                                                          "must be one of \(catalog.map(\.code).joined(separator: ", "))"))
            }
            let current = try plans.plan(forUser: principal.userID, now: now)
            var sub = Subscription(planCode: target.code, status: "active", trialEndsAt: nil, currentPeriodEnd: nil,
                                   cancelAtPeriodEnd: false, provider: nil, providerRef: nil)
            var startsTrial = false
            if trial {
                guard target.rank > 0 else {
                    throw SubscriptionError.validation(.field("trial", "trial.free", "the free plan has no trial"))
                }
                if try store.hasUsedTrial(userID: principal.userID) { throw SubscriptionError.trialUsed }
                sub.status = "trialing"
                sub.trialEndsAt = now.addingTimeInterval(Double(Self.trialDays) * 86_400)
                startsTrial = true
            } else if target.rank > current.rank && !principal.isAdmin {
                throw SubscriptionError.paymentRequired(target.code)
            } else if target.rank > 0 {
                sub.provider = principal.isAdmin && target.rank > current.rank ? "manual" : nil
                sub.currentPeriodEnd = now.addingTimeInterval(Double(Self.periodDays) * 86_400)
            }
            let audit = AuditEntry.by(principal, at: now, "plan.change", "subscription", String(principal.userID),
                                      details: ["from": current.code, "to": target.code, "status": sub.status])
            try store.save(sub, forUser: principal.userID, startsTrial: startsTrial, audit: audit, now: now)
            return (sub, target)
        }
    }

    /// Cancels at the end of the period (or trial), or takes the cancellation back.
    public func setCancelAtPeriodEnd(_ cancel: Bool, by principal: Principal) throws(SubscriptionError) -> (Subscription, Plan) {
        try Self.requireSessionOrAdmin(principal)
        let now = clock.now
        return try run {
            guard var sub = try store.subscription(forUser: principal.userID), sub.planCode != "free" else {
                throw SubscriptionError.validation(.field("cancelAtPeriodEnd", "subscription.none",
                                                          "there is no paid subscription to cancel"))
            }
            sub.cancelAtPeriodEnd = cancel
            if cancel {
                sub.currentPeriodEnd = sub.currentPeriodEnd ?? sub.trialEndsAt ?? now
                sub.status = "canceled"
            } else if sub.status == "canceled" {
                sub.status = sub.trialEndsAt.map { $0 > now } == true ? "trialing" : "active"
            }
            let audit = AuditEntry.by(principal, at: now, cancel ? "plan.cancel" : "plan.resume", "subscription",
                                      String(principal.userID), details: ["plan": sub.planCode])
            try store.save(sub, forUser: principal.userID, startsTrial: false, audit: audit, now: now)
            return (sub, try plans.plan(forUser: principal.userID, now: now))
        }
    }

    static func requireSessionOrAdmin(_ principal: Principal) throws(SubscriptionError) {
        guard principal.sessionID != nil || (principal.isAdmin && principal.has(scope: "admin")) else { throw .sessionRequired }
    }

    /// Runs a body that throws the service's or the store's errors, as the service's.
    private func run<T>(_ body: () throws -> T) throws(SubscriptionError) -> T {
        do { return try body() } catch let error as SubscriptionError {
            throw error
        } catch let error as StoreError {
            throw Self.map(error)
        } catch {
            throw .internalError("\(error)")
        }
    }

    private static func map(_ error: StoreError) -> SubscriptionError {
        switch error {
        case .unavailable(let why): return .unavailable(why)
        case .duplicate: return .internalError("duplicate subscription")
        case .failed(let why): return .internalError(why)
        }
    }
}
