/// Roles in a team (workspace) and what each may do: the written permission matrix, in one place.
///
/// | action                                   | viewer | editor | admin | owner |
/// |------------------------------------------|:------:|:------:|:-----:|:-----:|
/// | see the team, its members, its links     |   ✓    |   ✓    |   ✓   |   ✓   |
/// | create, change, delete the team's links  |        |   ✓    |   ✓   |   ✓   |
/// | invite, remove members, change roles     |        |        |   ✓   |   ✓   |
/// | rename the team, read its audit log      |        |        |   ✓   |   ✓   |
/// | transfer ownership, delete the team      |        |        |       |   ✓   |
/// | leave the team                           |   ✓    |   ✓    |   ✓   | (transfer first) |
///
/// The owner is always an admin member. System administrators see and change every team's links (as they do
/// every link) but manage a team only as its members may.
public enum TeamRole: String, Sendable, CaseIterable, Codable {
    case admin, editor, viewer
}

/// Something done in or to a team.
public enum TeamAction: String, Sendable, CaseIterable {
    case view
    case writeLinks
    case manageMembers
    case manageTeam
    case readAudit
    case transferOwnership
    case deleteTeam
}

/// The permission matrix.
public enum TeamPermissions {
    /// True when a member with `role` (and `isOwner`) may do `action`.
    public static func allows(_ role: TeamRole, isOwner: Bool, _ action: TeamAction) -> Bool {
        switch action {
        case .view: return true
        case .writeLinks: return role == .admin || role == .editor
        case .manageMembers, .manageTeam, .readAudit: return role == .admin
        case .transferOwnership, .deleteTeam: return isOwner
        }
    }

    /// The least role that may do `action` (nil when only the owner may), for error messages.
    public static func leastRole(for action: TeamAction) -> TeamRole? {
        [TeamRole.viewer, .editor, .admin].first { allows($0, isOwner: false, action) }
    }
}

/// A team name: the `TextRule.name` rule (1 to 100 code points after trimming and NFC, no controls).
public enum TeamName {
    /// The stored form of field `name`.
    public static func validate(_ name: String) throws(ValidationError) -> String {
        try TextRule.name.validate(name, field: "name")
    }
}
