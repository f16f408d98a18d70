import Testing
@testable import LinkDomain

@Suite struct AliasRulesTests {
    @Test(arguments: ["abc", "my-link", "Summer_2026", "A1b2C3", String(repeating: "x", count: 64)])
    func acceptsValidAliases(_ alias: String) throws {
        try AliasRules.validateCustom(alias)
    }

    @Test(arguments: [
        ("ab", "alias.length"), (String(repeating: "x", count: 65), "alias.length"),
        ("has space", "alias.charset"), ("emoji😀", "alias.charset"), ("a/b", "alias.charset"),
        ("-dash", "alias.charset"), ("_under", "alias.charset"), ("a.b", "alias.charset"),
        ("api", "alias.reserved"), ("API", "alias.reserved"), ("Admin", "alias.reserved"),
        ("static", "alias.reserved"), ("health", "alias.reserved"),
    ])
    func rejectsInvalidAliases(_ alias: String, _ code: String) {
        var got: FieldError?
        do { try AliasRules.validateCustom(alias) } catch { got = error.errors.first }
        #expect(got?.field == "customAlias")
        #expect(got?.code == code)
    }

    @Test func plausibleCodesOnlyUseTheCodeAlphabet() {
        #expect(AliasRules.isPlausibleCode("abc123"[...].utf8))
        #expect(AliasRules.isPlausibleCode("a-b_c"[...].utf8))
        #expect(!AliasRules.isPlausibleCode(""[...].utf8))
        #expect(!AliasRules.isPlausibleCode("a b"[...].utf8))
        #expect(!AliasRules.isPlausibleCode("a/b"[...].utf8))
        #expect(!AliasRules.isPlausibleCode(String(repeating: "a", count: 65)[...].utf8))
    }

    @Test func codesAreCaseSensitiveDistinct() {
        // "Abc" and "abc" are different codes: nothing folds case on the redirect path.
        #expect(AliasRules.isPlausibleCode("Abc"[...].utf8) && AliasRules.isPlausibleCode("abc"[...].utf8))
    }
}

/// A deterministic source for tests: a linear congruential generator.
struct SeededRandom: RandomSource {
    var state: UInt64
    mutating func uniform(below upperBound: UInt32) -> UInt32 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt32(truncatingIfNeeded: state >> 33) % upperBound
    }
}

@Suite struct CodeGeneratorTests {
    @Test func codesHaveTheRequestedLengthAndAlphabet() {
        var random = SeededRandom(state: 42)
        for length in [1, 7, 12] {
            let code = CodeGenerator.make(length: length, using: &random)
            #expect(code.utf8.count == length)
            #expect(code.utf8.allSatisfy { AliasRules.generatedAlphabet.contains($0) })
        }
    }

    @Test func retriesAreBoundedAndLengthen() {
        let lengths = (0..<CodeGenerator.maxAttempts).map(CodeGenerator.length(forAttempt:))
        #expect(lengths.first == CodeGenerator.defaultLength)
        #expect(lengths == lengths.sorted())
        #expect(lengths.last! > CodeGenerator.defaultLength)
        #expect(CodeGenerator.maxAttempts <= 10)
    }

    @Test func codesSpreadOverTheAlphabet() {
        var random = SeededRandom(state: 7)
        var seen = Set<String>()
        for _ in 0..<1000 { seen.insert(CodeGenerator.make(length: 7, using: &random)) }
        #expect(seen.count == 1000)
    }
}

@Suite struct EmailAddressTests {
    @Test(arguments: ["ann@example.com", "a.b+tag@sub.example.co.uk", "x@xn--bcher-kva.example", "admin@localhost",
                      "o'brien@example.ie", "user_1-x@mail-server.example"])
    func valid(_ address: String) { #expect(EmailAddress.isValid(address)) }

    @Test(arguments: ["", "ann", "ann@", "@example.com", "ann@.example.com", "ann@example.com.", "ann@-example.com",
                      "ann example@example.com", "ann@exa mple.com", "ann@example.com\r\nBcc: x@y.z", "<ann@example.com>",
                      "a,b@example.com", "ann@exam_ple.com", "ann@b@example.com", "ann@ex..ample.com", "ännä@example.com",
                      "ann@bücher.example", "a\"b@example.com", String(repeating: "a", count: 65) + "@example.com",
                      "a@" + String(repeating: "b", count: 64) + ".example",
                      "a@" + Array(repeating: String(repeating: "b", count: 60), count: 5).joined(separator: ".")])
    func invalid(_ address: String) { #expect(!EmailAddress.isValid(address)) }

    @Test func normalizes() { #expect(EmailAddress.normalize("  Ann@Example.COM \n") == "ann@example.com") }

    @Test func parseNormalizesThenValidates() throws {
        #expect(try EmailAddress.parse(" Admin@LOCALHOST ") == "admin@localhost")
        #expect(throws: ValidationError.self) { try EmailAddress.parse("nobody") }
    }
}

@Suite struct TeamPermissionsTests {
    /// The written matrix of TeamRoles.swift, row by row: viewer, editor, admin, owner.
    static let matrix: [(TeamAction, [Bool])] = [
        (.view, [true, true, true, true]),
        (.writeLinks, [false, true, true, true]),
        (.manageMembers, [false, false, true, true]),
        (.manageTeam, [false, false, true, true]),
        (.readAudit, [false, false, true, true]),
        (.transferOwnership, [false, false, false, true]),
        (.deleteTeam, [false, false, false, true]),
    ]

    @Test func everyActionFollowsTheWrittenMatrix() {
        #expect(Set(Self.matrix.map(\.0)) == Set(TeamAction.allCases))
        for (action, expected) in Self.matrix {
            let got = [TeamPermissions.allows(.viewer, isOwner: false, action), TeamPermissions.allows(.editor, isOwner: false, action),
                       TeamPermissions.allows(.admin, isOwner: false, action), TeamPermissions.allows(.admin, isOwner: true, action)]
            #expect(got == expected, "\(action)")
        }
    }

    @Test func leastRoleNamesTheRoleOrTheOwner() {
        #expect(TeamPermissions.leastRole(for: .view) == .viewer)
        #expect(TeamPermissions.leastRole(for: .writeLinks) == .editor)
        #expect(TeamPermissions.leastRole(for: .readAudit) == .admin)
        #expect(TeamPermissions.leastRole(for: .deleteTeam) == nil)
    }

    @Test func teamNames() throws {
        #expect(try TeamName.validate("  Campaigns 2026 ") == "Campaigns 2026")
        #expect(throws: ValidationError.self) { try TeamName.validate("") }
        #expect(throws: ValidationError.self) { try TeamName.validate(String(repeating: "x", count: 101)) }
        #expect(throws: ValidationError.self) { try TeamName.validate("bad\u{7}name") }
    }
}
