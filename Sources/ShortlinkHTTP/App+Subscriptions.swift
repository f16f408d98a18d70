import Foundation
import LinkDomain
import ShortlinkCore

extension ShortlinkApp {
    /// `POST /api/subscriptions` `{plan, trial?}`: subscribe, upgrade (trial or administrator), downgrade.
    func changeSubscription(_ request: HTTPRequest, _ principal: Principal) throws(Problem) -> HTTPResponse {
        let body = try jsonBody(request)
        var errors: [FieldError] = []
        let plan = body.string("plan", errors: &errors)
        let trial = body.bool("trial", errors: &errors)
        guard case .value(let code) = plan else {
            if !errors.contains(where: { $0.field == "plan" }) {
                errors.append(FieldError(field: "plan", code: "plan.required", message: "is required"))
            }
            throw .validation(ValidationError(errors))
        }
        guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
        return try subscriptionResponse(201) { () throws(SubscriptionError) in
            try subscriptions.change(to: code, trial: trial.valueOrNil ?? false, by: principal)
        }
    }

    /// `PATCH /api/subscriptions` `{plan?, cancelAtPeriodEnd?}`.
    func patchSubscription(_ request: HTTPRequest, _ principal: Principal) throws(Problem) -> HTTPResponse {
        let body = try jsonBody(request)
        var errors: [FieldError] = []
        let plan = body.string("plan", errors: &errors)
        let cancel = body.bool("cancelAtPeriodEnd", errors: &errors)
        if plan == .null { errors.append(FieldError(field: "plan", code: "plan.required", message: "must not be null")) }
        if cancel == .null { errors.append(FieldError(field: "cancelAtPeriodEnd", code: "bool.required", message: "must be true or false")) }
        if plan == .absent && cancel == .absent {
            errors.append(FieldError(field: "plan", code: "patch.empty", message: "give plan or cancelAtPeriodEnd"))
        }
        guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
        if case .value(let code) = plan {
            _ = try subscriptionResponse(200) { () throws(SubscriptionError) in try subscriptions.change(to: code, trial: false, by: principal) }
        }
        if case .value(let flag) = cancel {
            return try subscriptionResponse(200) { () throws(SubscriptionError) in try subscriptions.setCancelAtPeriodEnd(flag, by: principal) }
        }
        return try subscriptionResponse(200) { () throws(SubscriptionError) in try subscriptions.current(for: principal) }
    }

    func subscriptionResponse(_ status: Int, _ body: () throws(SubscriptionError) -> (Subscription, Plan)) throws(Problem) -> HTTPResponse {
        let (subscription, plan) = try call(body)
        return try json(status, SubscriptionBody(subscription: subscription, plan: plan))
    }
}
