import Foundation
import LinkDomain
import Logging

/// Click reports: the job that makes them (`shortlink-report`, daily: the daily reports of yesterday, and on
/// Mondays the weekly ones of last week), and the API's opt-in settings and downloads.
///
/// A period is reported once however often the job runs: the report and its mails are saved in one
/// transaction under a unique key (owner, frequency, period), and a run skips periods already reported.
public final class ReportService {
    private let store: ReportStore
    private let teams: TeamDirectory
    private let plans: PlanStore
    private let lock: JobLock
    private let mail: MailDispatch
    private let clock: Clock
    private let logger: Logger

    /// The lock's name.
    public static let lockName = "shortlink-report"

    /// Creates the service.
    public init(store: ReportStore, teams: TeamDirectory, plans: PlanStore, lock: JobLock, mail: MailDispatch, clock: Clock, logger: Logger) {
        self.store = store
        self.teams = teams
        self.plans = plans
        self.lock = lock
        self.mail = mail
        self.clock = clock
        self.logger = logger
    }

    /// One report made (or, dry, that would be).
    public struct Made: Sendable, Equatable {
        public var owner: ClickOwner
        public var name: String
        public var frequency: ReportFrequency
        public var periodStart: Date
        public var clicks: Int64
        public var recipients: [String]
        /// File names written by a dry run.
        public var files: [String]
    }

    /// What a run did.
    public struct Run: Sendable, Equatable {
        /// False when another run held the lock.
        public var ran = true
        public var made: [Made] = []
        /// Reports of periods already reported.
        public var skipped = 0
        /// Subscribers whose plan no longer includes detailed analytics (a report is one): not reported.
        public var refusedByPlan = 0
    }

    /// Makes the reports due as of `now`. `dryRun`: a folder to write each report's HTML and CSV into, instead of
    /// keeping and mailing them.
    public func run(now: Date, dryRun: URL? = nil) throws(StoreError) -> Run {
        var result = Run()
        guard try lock.tryLock(Self.lockName) else {
            result.ran = false
            return result
        }
        defer { lock.unlock(Self.lockName) }
        for frequency in ReportFrequency.allCases {
            let (start, end) = frequency.lastPeriod(before: now)
            for subscriber in try store.subscribers(frequency) {
                if try store.exists(subscriber.owner, frequency, periodStart: start) {
                    result.skipped += 1
                    continue
                }
                if try refusal(for: subscriber.owner, principal: nil) != nil {
                    result.refusedByPlan += 1
                    continue
                }
                let figures = try store.figures(subscriber.owner, from: start, to: end, top: 10)
                let heading = ReportRenderer.Heading(title: "\(frequency == .daily ? "Daily" : "Weekly") clicks of \(subscriber.name)",
                                                     frequency: frequency, start: start, end: end)
                let html = ReportRenderer.html(heading, figures), csv = ReportRenderer.csv(figures), text = ReportRenderer.text(heading, figures)
                var made = Made(owner: subscriber.owner, name: subscriber.name, frequency: frequency, periodStart: start, clicks: figures.clicks,
                                recipients: subscriber.recipients, files: [])
                if let folder = dryRun {
                    let base = "\(Self.slug(subscriber.owner))-\(frequency.rawValue)-\(ReportRenderer.day(start))"
                    do {
                        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                        try Data(html.utf8).write(to: folder.appendingPathComponent(base + ".html"))
                        try Data(csv.utf8).write(to: folder.appendingPathComponent(base + ".csv"))
                    } catch {
                        throw .failed("cannot write the dry run's reports into \(folder.path): \(error.localizedDescription)")
                    }
                    made.files = [base + ".html", base + ".csv"]
                    result.made.append(made)
                    continue
                }
                let report = StoredReport(publicID: Secrets.uuid(), owner: subscriber.owner, frequency: frequency, periodStart: start, periodEnd: end,
                                          clicks: figures.clicks, createdAt: now, html: html, csv: csv)
                let file = "shortlink-\(frequency.rawValue)-\(ReportRenderer.day(start)).csv"
                let mails = subscriber.recipients.map {
                    OutgoingMail(to: $0, subject: "\(heading.title): \(figures.clicks) clicks, \(heading.range)", body: text, html: html,
                                 attachment: MailAttachment(name: file, contentType: "text/csv", content: csv))
                }
                do {
                    for id in try store.save(report, mails: mails, now: now) { mail.sendQueued(id: id) }
                    result.made.append(made)
                } catch .duplicate {
                    result.skipped += 1  // another run reported this period first
                }
            }
        }
        if dryRun == nil && !result.made.isEmpty {
            logger.info("reports made", metadata: ["reports": "\(result.made.count)", "skipped": "\(result.skipped)"])
        }
        return result
    }

    static func slug(_ owner: ClickOwner) -> String {
        switch owner {
        case .user(let id): return "account-\(id)"
        case .team(let id): return "team-\(id)"
        }
    }

    // MARK: The API

    /// Who may read (any member) or change (a team admin) the reports of the caller's account or of a team.
    private func owner(team publicID: String?, by principal: Principal, change: Bool) throws(LinkServiceError) -> ClickOwner {
        guard principal.has(scope: "analytics:read") else { throw .forbidden("analytics:read") }
        guard let publicID else { return .user(principal.userID) }
        let found: (TeamRef, TeamRole?)?
        do { found = try teams.team(publicID: publicID, userID: principal.userID) } catch { throw Self.map(error) }
        guard let (team, role) = found, role != nil || principal.isAdmin else { throw .notFound }
        if change, !principal.isAdmin {
            let isOwner = team.ownerUserID == principal.userID
            guard let role, TeamPermissions.allows(role, isOwner: isOwner, .manageTeam) else { throw .teamRole(.admin) }
        }
        return .team(team.id)
    }

    /// The frequency the account (or team) gets its report at; nil: none.
    public func setting(team: String?, by principal: Principal) throws(LinkServiceError) -> ReportFrequency? {
        let owner = try owner(team: team, by: principal, change: false)
        do { return try store.setting(owner) } catch { throw Self.map(error) }
    }

    /// Opts in (`frequency`: a report shows detailed analytics, so the plan must include them) or out (nil).
    public func setSetting(team: String?, _ frequency: ReportFrequency?, by principal: Principal) throws(LinkServiceError) {
        let owner = try owner(team: team, by: principal, change: true)
        do {
            if frequency != nil, let refusal = try refusal(for: owner, principal: principal) { throw LinkServiceError.planRefusal(refusal) }
            try store.setSetting(owner, frequency, now: clock.now)
        } catch let error as LinkServiceError {
            throw error
        } catch let error as StoreError {
            throw Self.map(error)
        } catch {
            throw .internalError("\(error)")
        }
    }

    /// Why the plan that governs `owner`'s links (a team's owner's) does not include detailed analytics, if
    /// it does not; the caller's own plan came with the credential.
    private func refusal(for owner: ClickOwner, principal: Principal?) throws(StoreError) -> Entitlements.Refusal? {
        let payer: Int64
        switch owner {
        case .user(let id): payer = id
        case .team(let id):
            guard let teamOwner = try teams.owner(teamID: id) else { return nil }
            payer = teamOwner
        }
        let plan: Plan
        if principal?.userID == payer, let own = principal?.plan { plan = own } else { plan = try plans.plan(forUser: payer, now: clock.now) }
        let catalog = try plans.catalog()
        do {
            try Entitlements.require(.detailedAnalytics, plan: plan, catalog: catalog)
            return nil
        } catch {
            return error
        }
    }

    /// The account's (or team's) reports, newest first.
    public func reports(team: String?, by principal: Principal) throws(LinkServiceError) -> [StoredReport] {
        let owner = try owner(team: team, by: principal, change: false)
        do { return try store.reports(owner, limit: 100) } catch { throw Self.map(error) }
    }

    /// One report, if the caller may read its owner's reports (others are told it does not exist).
    public func report(id: String, by principal: Principal) throws(LinkServiceError) -> StoredReport {
        guard principal.has(scope: "analytics:read") else { throw .forbidden("analytics:read") }
        let found: StoredReport?
        do { found = try store.report(publicID: id) } catch { throw Self.map(error) }
        guard let report = found else { throw .notFound }
        if principal.isAdmin { return report }
        switch report.owner {
        case .user(let id): guard id == principal.userID else { throw .notFound }
        case .team(let id):
            let role: TeamRole?
            do { role = try teams.role(teamID: id, userID: principal.userID) } catch { throw Self.map(error) }
            guard role != nil else { throw .notFound }
        }
        return report
    }

    private static func map(_ error: StoreError) -> LinkServiceError { LinkServiceError(error) }
}
