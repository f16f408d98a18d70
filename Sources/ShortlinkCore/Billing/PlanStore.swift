import Foundation
import LinkDomain

/// Plans and what users have used of them.
public protocol PlanStore: AnyObject {
    /// The plan in force for `userID` at `now`: its subscription's plan while active, trialing or paid up
    /// after cancelling; otherwise `free`.
    func plan(forUser userID: Int64, now: Date) throws(StoreError) -> Plan
    /// Every plan, for naming the one that unlocks a feature.
    func catalog() throws(StoreError) -> [Plan]
    /// Personal links (not a team's) `userID` created since `since`.
    func linksCreated(byUser userID: Int64, since: Date) throws(StoreError) -> Int
    /// Links created for team `teamID` since `since`.
    func linksCreated(byTeam teamID: Int64, since: Date) throws(StoreError) -> Int
}
