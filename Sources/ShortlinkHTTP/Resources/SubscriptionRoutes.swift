import Foundation
import LinkDomain
import ShortlinkCore

/// `/subscriptions`: the caller's plan; changed from a session (or by an administrator's key).
public struct SubscriptionRoutes: APIResource {
    let subscriptions: SubscriptionService

    /// The subscription handlers over `subscriptions`.
    public init(subscriptions: SubscriptionService) { self.subscriptions = subscriptions }

    static let change = Access.sessionOrAdmin("plan changes")

    public static var routes: [Route<SubscriptionRoutes>] {
        [
            Route("GET", "/subscriptions", "getSubscription", .caller, current),
            Route("POST", "/subscriptions", "changeSubscription", change, subscribe),
            Route("PATCH", "/subscriptions", "updateSubscription", change, update),
        ]
    }

    func current(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        return try Self.body(200, try call { () throws(SubscriptionError) in try subscriptions.current(for: caller) })
    }

    /// `POST /subscriptions {plan, trial?}`: subscribe, upgrade (trial or administrator), downgrade.
    func subscribe(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let body = try c.jsonBody()
        var errors: [FieldError] = []
        let plan = body.string("plan", errors: &errors)
        let trial = body.bool("trial", errors: &errors)
        guard case .value(let code) = plan else {
            if !errors.contains(where: { $0.field == "plan" }) {
                errors.append(FieldError(field: "plan", code: "plan.required", message: "is required"))
            }
            throw .validation(ValidationError(errors))
        }
        try validate(errors)
        return try Self.body(201, try call { () throws(SubscriptionError) in
            try subscriptions.change(to: code, trial: trial.valueOrNil ?? false, by: caller)
        })
    }

    /// `PATCH /subscriptions {plan?, cancelAtPeriodEnd?}`.
    func update(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let (plan, cancel) = try c.fields { body, errors in
            let plan = body.string("plan", errors: &errors)
            let cancel = body.bool("cancelAtPeriodEnd", errors: &errors)
            if plan == .null { errors.append(FieldError(field: "plan", code: "plan.required", message: "must not be null")) }
            if cancel == .null { errors.append(FieldError(field: "cancelAtPeriodEnd", code: "bool.required", message: "must be true or false")) }
            if plan == .absent && cancel == .absent {
                errors.append(FieldError(field: "plan", code: "patch.empty", message: "give plan or cancelAtPeriodEnd"))
            }
            return (plan, cancel)
        }
        let result = try call { () throws(SubscriptionError) in
            var result: (Subscription, Plan)?
            if case .value(let code) = plan { result = try subscriptions.change(to: code, trial: false, by: caller) }
            if case .value(let flag) = cancel { result = try subscriptions.setCancelAtPeriodEnd(flag, by: caller) }
            if let result { return result }
            return try subscriptions.current(for: caller)
        }
        return try Self.body(200, result)
    }

    static func body(_ status: Int, _ current: (Subscription, Plan)) throws(Problem) -> HTTPResponse {
        try .json(status, SubscriptionBody(subscription: current.0, plan: current.1))
    }
}
