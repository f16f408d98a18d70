import Foundation
import LinkDomain
import ShortlinkCore

/// `/reports…` and the report settings: opt in to daily or weekly click reports (for the caller's links, or a
/// team's), and download the reports made (HTML as mailed, or CSV).
public struct ReportRoutes: APIResource {
    let reports: ReportService

    /// The report handlers over `reports`.
    public init(reports: ReportService) { self.reports = reports }

    public static var routes: [Route<ReportRoutes>] {
        [
            Route("GET", "/me/reports/settings", "getReportSettings", .scope(["analytics:read"]), getSetting),
            Route("PUT", "/me/reports/settings", "updateReportSettings", .scope(["analytics:read"]), putSetting),
            Route("GET", "/teams/{team}/reports/settings", "getTeamReportSettings", .scope(["analytics:read"]), getSetting),
            Route("PUT", "/teams/{team}/reports/settings", "updateTeamReportSettings", .scope(["analytics:read"]), putSetting),
            Route("GET", "/reports", "listReports", .scope(["analytics:read"]), list),
            Route("GET", "/teams/{team}/reports", "listTeamReports", .scope(["analytics:read"]), list),
            Route("GET", "/reports/{id}", "getReport", .scope(["analytics:read"]), read),
        ]
    }

    /// The `{team}` of a team route, nil on the caller's own.
    private func team(_ c: RequestContext) -> String? {
        let team = c.parameter("team")
        return team.isEmpty ? nil : team
    }

    func getSetting(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let frequency = try call { () throws(LinkServiceError) in try reports.setting(team: team(c), by: caller) }
        return try .json(200, SettingBody(frequency: frequency?.rawValue ?? "off"))
    }

    /// `PUT … {frequency: off | daily | weekly}`.
    func putSetting(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let choice = try c.fields { body, errors -> String? in
            body.rejectUnknown(["frequency"], errors: &errors)
            guard case .value(let v) = body.string("frequency", errors: &errors) else {
                if !errors.contains(where: { $0.field == "frequency" }) {
                    errors.append(FieldError(field: "frequency", code: "frequency.required", message: "is required"))
                }
                return nil
            }
            guard v == "off" || ReportFrequency(rawValue: v) != nil else {
                errors.append(FieldError(field: "frequency", code: "frequency.invalid", message: "must be off, daily or weekly"))
                return nil
            }
            return v
        }
        let frequency = choice.flatMap(ReportFrequency.init(rawValue:))
        try call { () throws(LinkServiceError) in try reports.setSetting(team: team(c), frequency, by: caller) }
        return try .json(200, SettingBody(frequency: frequency?.rawValue ?? "off"))
    }

    func list(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let items = try call { () throws(LinkServiceError) in try reports.reports(team: team(c), by: caller) }
        return try .json(200, ReportList(items: items.map(ReportBody.init)))
    }

    /// `GET /reports/{id}?format=html|csv|json`: the report as mailed (HTML, default), its figures (CSV), or
    /// what it is (JSON).
    func read(_ c: RequestContext) throws(Problem) -> HTTPResponse {
        let caller = try c.caller()
        let format = try LinkRoutes.enumParameter(c, "format", default: Format.html)
        let report = try call { () throws(LinkServiceError) in try reports.report(id: c.parameter("id"), by: caller) }
        switch format {
        case .json:
            return try .json(200, ReportBody(report))
        case .csv:
            return HTTPResponse(status: 200, headers: [("Content-Type", "text/csv; charset=utf-8"),
                                                       ("Content-Disposition", "attachment; filename=\"report-\(report.publicID).csv\"")],
                                body: Array(report.csv.utf8))
        case .html:
            // The page holds only escaped text and an inline SVG: nothing may load or run.
            return HTTPResponse(status: 200, headers: [("Content-Type", "text/html; charset=utf-8"),
                                                       ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")],
                                body: Array(report.html.utf8))
        }
    }

    enum Format: String, CaseIterable { case html, csv, json }
}

struct SettingBody: Encodable {
    let frequency: String
}

struct ReportBody: Encodable {
    let id: String
    let scope: String
    let frequency: String
    let periodStart: String
    let periodEnd: String
    let clicks: Int64
    let createdAt: String

    init(_ r: StoredReport) {
        id = r.publicID
        if case .team = r.owner { scope = "team" } else { scope = "account" }
        frequency = r.frequency.rawValue
        periodStart = String(Timestamp.format(r.periodStart).prefix(10))
        periodEnd = String(Timestamp.format(r.periodEnd).prefix(10))
        clicks = r.clicks
        createdAt = Timestamp.format(r.createdAt)
    }
}

struct ReportList: Encodable {
    let items: [ReportBody]
}
