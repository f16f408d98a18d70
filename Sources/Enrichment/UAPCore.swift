import Foundation
import Yams

/// uap-core's User-Agent patterns (`regexes.yaml`, Debian's `uap-core` package), applied as its specification
/// says: for each of the three lists the first pattern that matches decides; a replacement may name groups as
/// `$1`…`$9`; without one, the groups give the values in order.
final class UAPCore {
    /// What the patterns make of one user agent (empty strings: unknown).
    struct Parsed: Equatable {
        var agent = "Other", agentMajor = ""
        var os = "Other", osMajor = ""
        var device = "Other", brand = "", model = ""
    }

    /// Where one value of a match comes from.
    private enum Source {
        /// A replacement template (`$1`…`$9` name groups).
        case template(String)
        /// A capture group, as it is.
        case group(Int)
        /// Nowhere: the value is unknown unless a replacement gives it.
        case nothing
    }

    private struct Rule {
        let pattern: PCRE2Pattern
        /// The source of each value the rule gives, in order.
        let values: [Source]
    }

    private let agents: [Rule]
    private let systems: [Rule]
    private let devices: [Rule]

    /// Why the patterns file could not be used.
    struct LoadError: Error, CustomStringConvertible {
        let description: String
    }

    private struct File: Decodable {
        let user_agent_parsers: [Entry]
        let os_parsers: [Entry]
        let device_parsers: [Entry]
    }

    private struct Entry: Decodable {
        let regex: String
        let regex_flag: String?
        let family_replacement, v1_replacement: String?
        let os_replacement, os_v1_replacement: String?
        let device_replacement, brand_replacement, model_replacement: String?
    }

    /// Loads the patterns from `path`; a pattern PCRE2 cannot compile is left out and named in `skipped`.
    init(path: String) throws(LoadError) {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw LoadError(description: "cannot read \(path): \(error.localizedDescription)")
        }
        let file: File
        do { file = try YAMLDecoder().decode(File.self, from: text) } catch {
            throw LoadError(description: "\(path) is not uap-core's regexes.yaml: \(error)")
        }
        var skipped: [String] = []
        func rules(_ entries: [Entry], _ values: (Entry) -> [Source]) -> [Rule] {
            entries.compactMap { e in
                do {
                    return Rule(pattern: try PCRE2Pattern(e.regex, caseless: e.regex_flag == "i"), values: values(e))
                } catch {
                    skipped.append("\(e.regex): \(error)")
                    return nil
                }
            }
        }
        func source(_ replacement: String?, else fallback: Source) -> Source { replacement.map(Source.template) ?? fallback }
        agents = rules(file.user_agent_parsers) { [source($0.family_replacement, else: .group(1)), source($0.v1_replacement, else: .group(2))] }
        systems = rules(file.os_parsers) { [source($0.os_replacement, else: .group(1)), source($0.os_v1_replacement, else: .group(2))] }
        // A device's model defaults to the first group, like its family; its brand only comes from a replacement.
        devices = rules(file.device_parsers) {
            [source($0.device_replacement, else: .group(1)), source($0.brand_replacement, else: .nothing),
             source($0.model_replacement, else: .group(1))]
        }
        self.skipped = skipped
        guard !agents.isEmpty, !systems.isEmpty, !devices.isEmpty else {
            throw LoadError(description: "\(path) holds no usable patterns")
        }
    }

    /// Patterns left out because PCRE2 refused them.
    let skipped: [String]

    /// The three parses of `userAgent`.
    func parse(_ userAgent: String) -> Parsed {
        var out = Parsed()
        var bytes = Array(userAgent.utf8)
        bytes.withUnsafeMutableBufferPointer { raw in
            let ua = UnsafeBufferPointer(raw)
            if let v = Self.first(agents, in: ua) {
                out.agent = v[0] ?? "Other"
                out.agentMajor = v[1] ?? ""
            }
            if let v = Self.first(systems, in: ua) {
                out.os = v[0] ?? "Other"
                out.osMajor = v[1] ?? ""
            }
            if let v = Self.first(devices, in: ua) {
                out.device = v[0] ?? "Other"
                out.brand = v[1] ?? ""
                out.model = v[2] ?? ""
            }
        }
        return out
    }

    /// The values given by the first rule that matches (each nil when empty), or nil when none matches.
    private static func first(_ rules: [Rule], in ua: UnsafeBufferPointer<UInt8>) -> [String?]? {
        for rule in rules {
            guard let groups = rule.pattern.firstMatch(ua) else { continue }
            func group(_ n: Int) -> String? {
                guard n < groups.count, let r = groups[n] else { return nil }
                return String(decoding: UnsafeBufferPointer(rebasing: ua[r]), as: UTF8.self)
            }
            return rule.values.map { source in
                let value: String?
                switch source {
                case .template(let template): value = substitute(template, group)
                case .group(let n): value = group(n)
                case .nothing: value = nil
                }
                guard let trimmed = value?.trimmingCharacters(in: .whitespaces), !trimmed.isEmpty else { return nil }
                return trimmed
            }
        }
        return nil
    }

    /// `template` with `$1`…`$9` replaced by those groups (a group that did not take part gives nothing).
    static func substitute(_ template: String, _ group: (Int) -> String?) -> String {
        guard template.contains("$") else { return template }
        var out = ""
        var chars = template.makeIterator()
        while let c = chars.next() {
            guard c == "$" else { out.append(c); continue }
            guard let d = chars.next() else { out.append(c); break }
            if let n = d.wholeNumberValue, (1...9).contains(n) { out += group(n) ?? "" } else { out.append(c); out.append(d) }
        }
        return out
    }
}
