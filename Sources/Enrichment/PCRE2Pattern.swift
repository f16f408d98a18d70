import CPCRE2

/// One compiled PCRE2 pattern (JIT-compiled where the platform allows), matched against bytes.
///
/// Matching is byte-wise (no UTF mode), so any input is accepted; a match that would exceed the backtracking
/// limit counts as no match, so no input can make a pattern run away. Not thread-safe: it owns its match data.
final class PCRE2Pattern {
    private let code: OpaquePointer
    private let matchData: OpaquePointer
    private let context: OpaquePointer?

    /// Why a pattern did not compile.
    struct CompileError: Error, CustomStringConvertible {
        let message: String
        let offset: Int
        var description: String { "\(message) at offset \(offset)" }
    }

    /// Compiles `pattern`; `caseless` matches letters without regard to case.
    init(_ pattern: String, caseless: Bool = false) throws(CompileError) {
        var errorCode: Int32 = 0
        var errorOffset = 0
        let bytes = Array(pattern.utf8)
        let compiled = bytes.withUnsafeBufferPointer { p in
            pcre2_compile_8(p.baseAddress, p.count, caseless ? PCRE2_CASELESS : 0, &errorCode, &errorOffset, nil)
        }
        guard let compiled else {
            var text = [UInt8](repeating: 0, count: 256)
            let n = pcre2_get_error_message_8(errorCode, &text, text.count)
            throw CompileError(message: String(decoding: text.prefix(max(0, Int(n))), as: UTF8.self), offset: errorOffset)
        }
        code = compiled
        _ = pcre2_jit_compile_8(compiled, PCRE2_JIT_COMPLETE)  // when JIT is unavailable, the interpreter runs
        matchData = pcre2_match_data_create_from_pattern_8(compiled, nil)
        context = pcre2_match_context_create_8(nil)
        if let context { pcre2_set_match_limit_8(context, 200_000) }
    }

    deinit {
        pcre2_match_data_free_8(matchData)
        if let context { pcre2_match_context_free_8(context) }
        pcre2_code_free_8(code)
    }

    /// True when the pattern matches somewhere in `subject`.
    func matches(_ subject: UnsafeBufferPointer<UInt8>) -> Bool {
        run(subject) > 0
    }

    /// The byte ranges of the whole match (index 0) and each group (nil: the group did not take part), or nil
    /// when the pattern does not match.
    func firstMatch(_ subject: UnsafeBufferPointer<UInt8>) -> [Range<Int>?]? {
        let count = run(subject)
        guard count > 0 else { return nil }
        let ovector = pcre2_get_ovector_pointer_8(matchData)!
        var groups: [Range<Int>?] = []
        groups.reserveCapacity(Int(count))
        for i in 0..<Int(count) {
            let start = ovector[2 * i], end = ovector[2 * i + 1]
            // Unset groups hold PCRE2_UNSET (all bits set), which Swift reads as -1.
            groups.append(start >= 0 && end >= start ? start..<end : nil)
        }
        return groups
    }

    /// pcre2_match's result: the number of captured pairs, or ≤ 0 for no match (or a limit hit).
    private func run(_ subject: UnsafeBufferPointer<UInt8>) -> Int32 {
        // An empty buffer may have no base address; PCRE2 wants a valid pointer even for length 0.
        guard let base = subject.baseAddress else {
            return withUnsafePointer(to: UInt8(0)) { pcre2_match_8(code, $0, 0, 0, 0, matchData, context) }
        }
        return pcre2_match_8(code, base, subject.count, 0, 0, matchData, context)
    }
}
