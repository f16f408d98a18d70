import Foundation
import LinkDomain
import ShortlinkCore

/// The JSON shape of a link (004 §6.2, plus the fields the richer API adds).
struct LinkBody: Encodable {
    let link: Link
    let baseURL: String

    enum Keys: String, CodingKey {
        case id, alias, shortUrl, longUrl, expirationDate, createdAt, updatedAt, isActive, redirectType, teamId, allowIndexing, utmBuilder,
             queryParams
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(link.publicID, forKey: .id)
        try c.encode(link.code, forKey: .alias)
        try c.encode("\(baseURL)/\(link.code)", forKey: .shortUrl)
        try c.encode(link.longURL, forKey: .longUrl)
        try c.encode(link.expiresAt.map(Timestamp.format), forKey: .expirationDate)
        try c.encode(Timestamp.format(link.createdAt), forKey: .createdAt)
        try c.encode(Timestamp.format(link.updatedAt), forKey: .updatedAt)
        try c.encode(link.isActive, forKey: .isActive)
        try c.encode(link.redirectType.rawValue, forKey: .redirectType)
        try c.encode(link.teamPublicID, forKey: .teamId)
        try c.encode(link.allowIndexing, forKey: .allowIndexing)
        try c.encode(RewriteJSON.utmBody(link.rewrite), forKey: .utmBuilder)  // null when none
        try c.encode(RewriteJSON.queryBody(link.rewrite), forKey: .queryParams)
    }
}

/// Reads request bodies: a JSON object, with typed field access that tells absent from null.
///
/// A member that is present with the wrong type is a field error. `null` is accepted only where the caller
/// says the field is nullable (where the API documents null as "none" or "remove"); elsewhere it is the
/// wrong type, as the spec says.
struct JSONObject: Equatable, Sendable {
    let fields: [String: JSONValue]

    /// A nested object's members.
    init(fields: [String: JSONValue]) { self.fields = fields }

    /// Parses `bytes` as a JSON object or throws a 400 problem.
    init(parsing bytes: [UInt8]) throws(Problem) {
        guard !bytes.isEmpty else { throw .malformedJSON("the request body is empty") }
        let value: JSONValue
        do { value = try StrictJSONParser.parse(bytes) } catch {
            throw .malformedJSON("the request body is not valid JSON: \(error.description)")
        }
        guard case .object(let object) = value else { throw .malformedJSON("the request body must be a JSON object") }
        fields = object
    }

    /// The member `key`: `.absent`, `.null` (only when `nullable`), or the value `convert` makes of it; any
    /// other value is the field error `code`.
    private func member<T>(_ key: String, nullable: Bool, errors: inout [FieldError], code: String, message: String,
                           _ convert: (JSONValue) -> T?) -> PatchField<T> {
        switch fields[key] {
        case nil: return .absent
        case .null? where nullable: return .null
        case let value?:
            if let converted = convert(value) { return .value(converted) }
            errors.append(FieldError(field: key, code: code, message: nullable ? "\(message) or null" : message))
            return .absent
        }
    }

    /// A string field.
    func string(_ key: String, nullable: Bool = false, errors: inout [FieldError]) -> PatchField<String> {
        member(key, nullable: nullable, errors: &errors, code: "type.string", message: "must be a string") {
            if case .string(let s) = $0 { return s }
            return nil
        }
    }

    /// An integer field.
    func int(_ key: String, nullable: Bool = false, errors: inout [FieldError]) -> PatchField<Int> {
        member(key, nullable: nullable, errors: &errors, code: "type.integer", message: "must be an integer") {
            if case .number(let d) = $0, d == d.rounded(), abs(d) < 1e15 { return Int(d) }
            return nil
        }
    }

    /// An array of strings.
    func strings(_ key: String, nullable: Bool = false, errors: inout [FieldError]) -> PatchField<[String]> {
        member(key, nullable: nullable, errors: &errors, code: "type.strings", message: "must be an array of strings") {
            guard case .array(let items) = $0 else { return nil }
            var out: [String] = []
            for item in items {
                guard case .string(let s) = item else { return nil }
                out.append(s)
            }
            return out
        }
    }

    /// A boolean field.
    func bool(_ key: String, nullable: Bool = false, errors: inout [FieldError]) -> PatchField<Bool> {
        member(key, nullable: nullable, errors: &errors, code: "type.boolean", message: "must be true or false") {
            if case .bool(let b) = $0 { return b }
            return nil
        }
    }

    /// An object field.
    func object(_ key: String, nullable: Bool = false, errors: inout [FieldError]) -> PatchField<JSONObject> {
        member(key, nullable: nullable, errors: &errors, code: "type.object", message: "must be an object") {
            if case .object(let o) = $0 { return JSONObject(fields: o) }
            return nil
        }
    }

    /// An object of strings (`{"name": "value"}`).
    func stringMap(_ key: String, errors: inout [FieldError]) -> PatchField<[String: String]> {
        member(key, nullable: false, errors: &errors, code: "type.strings", message: "must be an object of strings") {
            guard case .object(let o) = $0 else { return nil }
            var out: [String: String] = [:]
            for (name, value) in o {
                guard case .string(let s) = value else { return nil }
                out[name] = s
            }
            return out
        }
    }

    /// A field error for each member not in `known` (named `<prefix>.<member>`, or `<member>` at the top).
    func rejectUnknown(_ known: Set<String>, prefix: String = "", errors: inout [FieldError]) {
        for key in fields.keys.sorted() where !known.contains(key) {
            errors.append(FieldError(field: prefix.isEmpty ? key : "\(prefix).\(key)", code: "member.unknown",
                                     message: prefix.isEmpty ? "is not a member of this body" : "is not a member of \(prefix)"))
        }
    }
}

/// The link's rewriting rules in and out of the API (001's `utm_builder` and `query_params`, camelCase).
enum RewriteJSON {
    /// The UTM builder's `params` member names and the parameters they set.
    static let utmParams = [("source", "utm_source"), ("medium", "utm_medium"), ("campaign", "utm_campaign"), ("term", "utm_term"),
                            ("content", "utm_content")]

    /// `{enabled?, params: {source, medium, campaign, term, content}, overrideExisting?}` as rules holding only the
    /// builder (`enabled: false` is no builder).
    static func utmBuilder(_ o: JSONObject, _ errors: inout [FieldError]) -> RewriteRules {
        o.rejectUnknown(["enabled", "params", "overrideExisting"], prefix: "utmBuilder", errors: &errors)
        var rules = RewriteRules()
        let enabled = o.bool("enabled", errors: &errors).valueOrNil ?? true
        rules.overrideUTM = o.bool("overrideExisting", errors: &errors).valueOrNil ?? false
        if case .value(let params) = o.object("params", errors: &errors) {
            params.rejectUnknown(Set(utmParams.map(\.0)), prefix: "utmBuilder.params", errors: &errors)
            for (member, name) in utmParams {
                if let value = params.string(member, errors: &errors).valueOrNil, !value.isEmpty { rules.utm.append((name, value)) }
            }
        }
        if !enabled { (rules.utm, rules.overrideUTM) = ([], false) }
        return rules
    }

    /// `{passThrough?, inject?: {name: value}, remove?: [name or glob]}` as rules holding only those.
    static func queryParams(_ o: JSONObject, _ errors: inout [FieldError]) -> RewriteRules {
        o.rejectUnknown(["passThrough", "inject", "remove"], prefix: "queryParams", errors: &errors)
        var rules = RewriteRules()
        rules.passVisitorQuery = o.bool("passThrough", errors: &errors).valueOrNil ?? true
        rules.inject = (o.stringMap("inject", errors: &errors).valueOrNil ?? [:]).sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        rules.remove = o.strings("remove", errors: &errors).valueOrNil ?? []
        return rules
    }

    struct UTMBody: Encodable {
        let enabled = true
        let params: [String: String]
        let overrideExisting: Bool
    }

    struct QueryBody: Encodable {
        let passThrough: Bool
        let inject: [String: String]
        let remove: [String]
    }

    /// The builder as the API shows it; nil when the link has none.
    static func utmBody(_ rules: RewriteRules?) -> UTMBody? {
        guard let rules, !rules.utm.isEmpty else { return nil }
        var params: [String: String] = [:]
        for (member, name) in utmParams { if let v = rules.utm.first(where: { $0.name == name })?.value { params[member] = v } }
        return UTMBody(params: params, overrideExisting: rules.overrideUTM)
    }

    static func queryBody(_ rules: RewriteRules?) -> QueryBody {
        let r = rules ?? RewriteRules()
        var inject: [String: String] = [:]
        for (name, value) in r.inject { inject[name] = value }
        return QueryBody(passThrough: r.passVisitorQuery, inject: inject, remove: r.remove)
    }
}

/// One audit entry as JSON.
struct AuditItem: Encodable {
    let occurredAt: String
    let actorUserId: String?
    let actorEmail: String?
    let actorKeyId: String?
    let actorIp: String
    let action: String
    let objectType: String
    let objectId: String
    let teamId: String?
    let details: [String: String]

    /// Public ids only: row ids never leave the server.
    init(_ e: AuditEntry) {
        occurredAt = Timestamp.format(e.occurredAt)
        actorUserId = e.actorUserPublicID
        actorEmail = e.actorEmail
        actorKeyId = e.actorKeyPublicID
        actorIp = e.actorIP
        action = e.action
        objectType = e.objectType
        objectId = e.objectID
        teamId = e.teamPublicID
        details = e.details
    }
}

/// `GET/POST/PATCH /api/subscriptions`.
struct SubscriptionBody: Encodable {
    let subscription: Subscription
    let plan: Plan

    enum Keys: String, CodingKey {
        case plan, planInForce, status, trialEndsAt, currentPeriodEnd, cancelAtPeriodEnd, provider, providerRef
    }
    enum PlanKeys: String, CodingKey {
        case code, name, linksPerMonth, customAliases, expirationDates, detailedAnalytics, analyticsRetentionDays,
             apiRequestsPerMinute, customDomains, teamSeats, webhooks, targetingRules
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(subscription.planCode, forKey: .plan)
        try c.encode(subscription.status, forKey: .status)
        try c.encode(subscription.trialEndsAt.map(Timestamp.format), forKey: .trialEndsAt)
        try c.encode(subscription.currentPeriodEnd.map(Timestamp.format), forKey: .currentPeriodEnd)
        try c.encode(subscription.cancelAtPeriodEnd, forKey: .cancelAtPeriodEnd)
        try c.encode(subscription.provider, forKey: .provider)
        try c.encode(subscription.providerRef, forKey: .providerRef)
        var p = c.nestedContainer(keyedBy: PlanKeys.self, forKey: .planInForce)
        try p.encode(plan.code, forKey: .code)
        try p.encode(plan.name, forKey: .name)
        try p.encode(plan.linksPerMonth, forKey: .linksPerMonth)
        try p.encode(plan.customAliases, forKey: .customAliases)
        try p.encode(plan.expirationDates, forKey: .expirationDates)
        try p.encode(plan.detailedAnalytics, forKey: .detailedAnalytics)
        try p.encode(plan.analyticsRetentionDays, forKey: .analyticsRetentionDays)
        try p.encode(plan.apiRequestsPerMinute, forKey: .apiRequestsPerMinute)
        try p.encode(plan.customDomains, forKey: .customDomains)
        try p.encode(plan.teamSeats, forKey: .teamSeats)
        try p.encode(plan.webhooks, forKey: .webhooks)
        try p.encode(plan.targetingRules, forKey: .targetingRules)
    }
}

/// An API key as JSON; `key` (the secret) only in the answer to its creation.
struct APIKeyBody: Encodable {
    let info: APIKeyInfo
    let secret: String?

    enum Keys: String, CodingKey { case id, name, prefix, scopes, createdAt, lastUsedAt, revokedAt, key }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(info.publicID, forKey: .id)
        try c.encode(info.name, forKey: .name)
        try c.encode(info.prefix, forKey: .prefix)
        try c.encode(info.scopes, forKey: .scopes)
        try c.encode(Timestamp.format(info.createdAt), forKey: .createdAt)
        try c.encode(info.lastUsedAt.map(Timestamp.format), forKey: .lastUsedAt)
        try c.encode(info.revokedAt.map(Timestamp.format), forKey: .revokedAt)
        if let secret { try c.encode(secret, forKey: .key) }
    }
}

/// A list of keys.
struct APIKeyList: Encodable {
    let items: [APIKeyBody]
}
