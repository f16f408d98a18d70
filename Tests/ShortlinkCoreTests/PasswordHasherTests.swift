import Foundation
import LinkDomain
import Testing
@testable import ShortlinkCore

@Suite struct PasswordHasherTests {
    /// A cheap cost for the round-trip tests; `standard` is timed separately.
    let cheap = PasswordHasher(opsLimit: 1, memLimit: 8 << 20)

    init() { Secrets.initialize() }

    @Test func hashesAreArgon2idPHCStringsWithFreshSalts() throws {
        let a = try #require(cheap.hash("correct horse battery"))
        let b = try #require(cheap.hash("correct horse battery"))
        #expect(a.hasPrefix("$argon2id$v=19$m=8192,t=1,p=1$"))
        #expect(a != b)
        #expect(PasswordHasher.verify("correct horse battery", against: a))
        #expect(PasswordHasher.verify("correct horse battery", against: b))
        #expect(!PasswordHasher.verify("correct horse batterY", against: a))
        #expect(!PasswordHasher.verify("", against: a))
        #expect(!PasswordHasher.verify("correct horse battery", against: "not a hash"))
    }

    @Test func aRaisedCostAsksForARehash() throws {
        let old = try #require(cheap.hash("correct horse battery"))
        #expect(!cheap.needsRehash(old))
        #expect(PasswordHasher.standard.needsRehash(old))
    }

    @Test func theStandardCostTakesAPerceptibleButBoundedTime() throws {
        let start = ContinuousClock.now
        let hash = try #require(PasswordHasher.standard.hash("correct horse battery"))
        let hashing = ContinuousClock.now - start
        let verifyStart = ContinuousClock.now
        #expect(PasswordHasher.verify("correct horse battery", against: hash))
        let verifying = ContinuousClock.now - verifyStart
        print("argon2id t=3 m=64MiB: hash \(hashing), verify \(verifying)")
        #expect(hash.hasPrefix("$argon2id$v=19$m=65536,t=3,p=1$"))
        #expect(verifying < .seconds(3))
    }
}

@Suite struct PasswordPolicyTests {
    @Test(arguments: ["correct horse battery", "Tr0ub4dor&3xyz", "ñandú-pingüino-42"])
    func acceptsReasonablePasswords(_ password: String) throws {
        try PasswordPolicy.validate(password, email: "alice@example.com")
    }

    @Test(arguments: [
        ("short1", "password.length"), ("aaaaaaaaaaaa", "password.weak"), ("abababababab", "password.weak"),
        ("Password123", "password.common"), ("1234567890", "password.common"),
        ("alice.smith-2026!", "password.email"), (String(repeating: "ab1cd", count: 210), "password.length"),
    ])
    func rejectsWeakPasswords(_ password: String, _ code: String) {
        var got: String?
        do { try PasswordPolicy.validate(password, email: "alice.smith@example.com") } catch { got = error.errors.first?.code }
        #expect(got == code)
    }
}
