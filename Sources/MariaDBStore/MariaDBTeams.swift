import Foundation
import LinkDomain
import ShortlinkCore

/// Teams, members and invitations on MariaDB.
public final class MariaDBTeams: TeamStore {
    private let db: MariaDBConnection

    /// Creates the repository over a connection.
    public init(connection: MariaDBConnection) { db = connection }

    private static func decodeTeam(_ row: [DBValue]) -> TeamRef {
        TeamRef(id: row[0].int ?? 0, publicID: row[1].text ?? "", name: row[2].text ?? "", ownerUserID: row[3].int ?? 0,
                createdAt: row[4].date ?? Date(timeIntervalSince1970: 0))
    }

    public func team(publicID: String, userID: Int64) throws(StoreError) -> (TeamRef, TeamRole?)? {
        let r = try db.execute(
            """
            SELECT t.id, t.public_id, t.name, t.owner_user_id, t.created_at, m.role
            FROM teams t LEFT JOIN team_members m ON m.team_id = t.id AND m.user_id = ? WHERE t.public_id = ?
            """, [.int(userID), .text(publicID)], isRead: true)
        guard let row = r.rows.first else { return nil }
        return (Self.decodeTeam(row), row[5].text.flatMap(TeamRole.init(rawValue:)))
    }

    public func role(teamID: Int64, userID: Int64) throws(StoreError) -> TeamRole? {
        try db.execute("SELECT role FROM team_members WHERE team_id = ? AND user_id = ?", [.int(teamID), .int(userID)], isRead: true)
            .rows.first?[0].text.flatMap(TeamRole.init(rawValue:))
    }

    public func owner(teamID: Int64) throws(StoreError) -> Int64? {
        try db.execute("SELECT owner_user_id FROM teams WHERE id = ?", [.int(teamID)], isRead: true).rows.first?[0].int
    }

    public func create(name: String, ownerUserID: Int64, now: Date, audit: AuditEntry) throws(StoreError) -> TeamRef {
        let publicID = Secrets.uuid()
        return try db.transaction { () throws(StoreError) -> TeamRef in
            let id = try db.execute(
                "INSERT INTO teams (public_id, name, owner_user_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                [.text(publicID), .text(name), .int(ownerUserID), .date(now), .date(now)]).insertID
            try db.execute("INSERT INTO team_members (team_id, user_id, role, joined_at) VALUES (?, ?, 'admin', ?)",
                           [.int(id), .int(ownerUserID), .date(now)])
            var entry = audit
            entry.teamID = id
            entry.objectID = publicID
            try MariaDBAudit.insert(entry, on: db)
            return TeamRef(id: id, publicID: publicID, name: name, ownerUserID: ownerUserID, createdAt: now)
        }
    }

    public func teams(ofUser userID: Int64) throws(StoreError) -> [(TeamRef, TeamRole, Int)] {
        try db.execute(
            """
            SELECT t.id, t.public_id, t.name, t.owner_user_id, t.created_at, m.role,
                   (SELECT COUNT(*) FROM team_members c WHERE c.team_id = t.id)
            FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.user_id = ? ORDER BY t.id
            """, [.int(userID)], isRead: true).rows.map {
                (Self.decodeTeam($0), TeamRole(rawValue: $0[5].text ?? "") ?? .viewer, Int($0[6].int ?? 0))
            }
    }

    public func members(teamID: Int64) throws(StoreError) -> [TeamMember] {
        try db.execute(
            """
            SELECT u.public_id, u.email, u.display_name, m.role, t.owner_user_id = u.id, m.joined_at
            FROM team_members m JOIN users u ON u.id = m.user_id JOIN teams t ON t.id = m.team_id
            WHERE m.team_id = ? ORDER BY m.joined_at, u.id
            """, [.int(teamID)], isRead: true).rows.map {
                TeamMember(userPublicID: $0[0].text ?? "", email: $0[1].text ?? "", name: $0[2].text ?? "",
                           role: TeamRole(rawValue: $0[3].text ?? "") ?? .viewer, isOwner: $0[4].int == 1,
                           joinedAt: $0[5].date ?? Date(timeIntervalSince1970: 0))
            }
    }

    public func invitations(teamID: Int64, now: Date) throws(StoreError) -> [TeamInvitation] {
        try db.execute(
            """
            SELECT public_id, email, role, created_at, expires_at FROM team_invitations
            WHERE team_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ? ORDER BY id
            """, [.int(teamID), .date(now)], isRead: true).rows.map(Self.decodeInvitation)
    }

    private static func decodeInvitation(_ row: [DBValue]) -> TeamInvitation {
        TeamInvitation(publicID: row[0].text ?? "", email: row[1].text ?? "", role: TeamRole(rawValue: row[2].text ?? "") ?? .viewer,
                       createdAt: row[3].date ?? Date(timeIntervalSince1970: 0), expiresAt: row[4].date ?? Date(timeIntervalSince1970: 0))
    }

    public func rename(teamID: Int64, name: String, now: Date, audit: AuditEntry) throws(StoreError) {
        try db.transaction { () throws(StoreError) in
            try db.execute("UPDATE teams SET name = ?, updated_at = ? WHERE id = ?", [.text(name), .date(now), .int(teamID)])
            try MariaDBAudit.insert(audit, on: db)
        }
    }

    public func seatsTaken(teamID: Int64, now: Date) throws(StoreError) -> Int {
        Int(try db.execute(
            """
            SELECT (SELECT COUNT(*) FROM team_members WHERE team_id = ?)
                 + (SELECT COUNT(*) FROM team_invitations WHERE team_id = ? AND accepted_at IS NULL AND revoked_at IS NULL
                    AND expires_at > ?)
            """, [.int(teamID), .int(teamID), .date(now)], isRead: true).rows.first?[0].int ?? 0)
    }

    public func invite(teamID: Int64, email: String, role: TeamRole, tokenHash: [UInt8], invitedBy: Int64, now: Date, expiresAt: Date,
                       mail: OutgoingMail, audit: AuditEntry) throws(StoreError) -> (TeamInvitation, Int64) {
        let publicID = Secrets.uuid()
        return try db.transaction { () throws(StoreError) -> (TeamInvitation, Int64) in
            // A new invitation to the same address replaces the pending one.
            try db.execute("UPDATE team_invitations SET revoked_at = ? WHERE team_id = ? AND email = ? AND accepted_at IS NULL AND revoked_at IS NULL",
                           [.date(now), .int(teamID), .text(email)])
            try db.execute(
                """
                INSERT INTO team_invitations (public_id, team_id, email, role, token_hash, invited_by, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(publicID), .int(teamID), .text(email), .text(role.rawValue), .bytes(tokenHash), .int(invitedBy),
                      .date(now), .date(expiresAt)])
            let outbox = try MariaDBMailOutbox.insert(mail, now: now, on: db)
            try MariaDBAudit.insert(audit, on: db)
            return (TeamInvitation(publicID: publicID, email: email, role: role, createdAt: now, expiresAt: expiresAt), outbox)
        }
    }

    public func revokeInvitation(teamID: Int64, publicID: String, now: Date, audit: AuditEntry) throws(StoreError) -> Bool {
        try db.transaction { () throws(StoreError) -> Bool in
            let r = try db.execute(
                "UPDATE team_invitations SET revoked_at = ? WHERE team_id = ? AND public_id = ? AND accepted_at IS NULL AND revoked_at IS NULL",
                [.date(now), .int(teamID), .text(publicID)])
            guard r.affectedRows == 1 else { return false }
            try MariaDBAudit.insert(audit, on: db)
            return true
        }
    }

    public func invitationTeam(tokenHash: [UInt8], now: Date) throws(StoreError) -> TeamRef? {
        try db.execute(
            """
            SELECT t.id, t.public_id, t.name, t.owner_user_id, t.created_at FROM team_invitations i JOIN teams t ON t.id = i.team_id
            WHERE i.token_hash = ? AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ?
            """, [.bytes(tokenHash), .date(now)], isRead: true).rows.first.map(Self.decodeTeam)
    }

    public func accept(tokenHash: [UInt8], userID: Int64, email: String, now: Date, audit: AuditEntry) throws(StoreError) -> InvitationOutcome {
        try db.transaction { () throws(StoreError) -> InvitationOutcome in
            let r = try db.execute(
                """
                SELECT i.id, i.email, i.role, i.token_hash, t.id, t.public_id, t.name, t.owner_user_id, t.created_at
                FROM team_invitations i JOIN teams t ON t.id = i.team_id
                WHERE i.token_hash = ? AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ? FOR UPDATE
                """, [.bytes(tokenHash), .date(now)])
            guard let row = r.rows.first, let invitationID = row[0].int, let stored = row[3].bytes,
                  Secrets.constantTimeEqual(stored, tokenHash), let role = TeamRole(rawValue: row[2].text ?? "") else { return .invalid }
            guard (row[1].text ?? "") == email else { return .otherEmail }
            let team = Self.decodeTeam(Array(row[4...8]))
            if try self.role(teamID: team.id, userID: userID) != nil { return .alreadyMember }
            try db.execute("INSERT INTO team_members (team_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)",
                           [.int(team.id), .int(userID), .text(role.rawValue), .date(now)])
            try db.execute("UPDATE team_invitations SET accepted_at = ? WHERE id = ?", [.date(now), .int(invitationID)])
            var entry = audit
            entry.teamID = team.id
            entry.objectID = team.publicID
            entry.details["role"] = role.rawValue
            try MariaDBAudit.insert(entry, on: db)
            return .joined(team, role)
        }
    }

    public func setRole(teamID: Int64, userID: Int64, role: TeamRole, audit: AuditEntry) throws(StoreError) -> Bool {
        try db.transaction { () throws(StoreError) -> Bool in
            guard try self.role(teamID: teamID, userID: userID) != nil else { return false }
            try db.execute("UPDATE team_members SET role = ? WHERE team_id = ? AND user_id = ?",
                           [.text(role.rawValue), .int(teamID), .int(userID)])
            try MariaDBAudit.insert(audit, on: db)
            return true
        }
    }

    public func removeMember(teamID: Int64, userID: Int64, audit: AuditEntry) throws(StoreError) -> Bool {
        try db.transaction { () throws(StoreError) -> Bool in
            let r = try db.execute("DELETE FROM team_members WHERE team_id = ? AND user_id = ?", [.int(teamID), .int(userID)])
            guard r.affectedRows == 1 else { return false }
            try MariaDBAudit.insert(audit, on: db)
            return true
        }
    }

    public func transfer(teamID: Int64, to userID: Int64, now: Date, audit: AuditEntry) throws(StoreError) -> Bool {
        try db.transaction { () throws(StoreError) -> Bool in
            guard try role(teamID: teamID, userID: userID) != nil else { return false }
            try db.execute("UPDATE team_members SET role = 'admin' WHERE team_id = ? AND user_id = ?", [.int(teamID), .int(userID)])
            try db.execute("UPDATE teams SET owner_user_id = ?, updated_at = ? WHERE id = ?", [.int(userID), .date(now), .int(teamID)])
            try MariaDBAudit.insert(audit, on: db)
            return true
        }
    }

    public func delete(teamID: Int64, audit: AuditEntry) throws(StoreError) {
        try db.transaction { () throws(StoreError) in
            try db.execute("UPDATE links l JOIN teams t ON t.id = l.team_id SET l.owner_user_id = t.owner_user_id, l.team_id = NULL WHERE l.team_id = ?",
                           [.int(teamID)])
            try db.execute("DELETE FROM teams WHERE id = ?", [.int(teamID)])
            var entry = audit
            entry.teamID = nil  // the team is gone; the entry stays in the system log
            try MariaDBAudit.insert(entry, on: db)
        }
    }

    public func userID(publicID: String) throws(StoreError) -> Int64? {
        try db.execute("SELECT id FROM users WHERE public_id = ?", [.text(publicID)], isRead: true).rows.first?[0].int
    }
}
