import FacegateTestSupport
import Foundation
import Testing

/// `docs/PRIVACY.md` names, for each privacy requirement, the tests that prove it: it
/// must name tests that exist, and cover every requirement, so that the matrix a DPO
/// reads cannot silently rot.
@Suite("Privacy traceability matrix", .perTestLimit)
struct PrivacyMatrixTests {
    /// Every `@Suite("…")` name with the `@Test("…")` names of its file.
    static func declaredTests() throws -> [String: Set<String>] {
        let root = TestResources.repositoryRoot + "/Tests"
        let suitePattern = try NSRegularExpression(pattern: #"@Suite\(\s*"((?:[^"\\]|\\.)*)""#)
        let testPattern = try NSRegularExpression(pattern: #"@Test\(\s*"((?:[^"\\]|\\.)*)""#)
        func names(_ pattern: NSRegularExpression, in text: String) -> [String] {
            pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
                Range(match.range(at: 1), in: text).map { String(text[$0]).replacingOccurrences(of: "\\\"", with: "\"") }
            }
        }
        var tests: [String: Set<String>] = [:]
        for file in FileManager.default.enumerator(atPath: root)?.compactMap({ $0 as? String }) ?? [] where file.hasSuffix(".swift") {
            let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
            for suite in names(suitePattern, in: text) { tests[suite, default: []].formUnion(names(testPattern, in: text)) }
        }
        return tests
    }

    /// The `Suite › test` references of each requirement row of the matrix, by number.
    static func matrix() throws -> [Int: [(suite: String, test: String)]] {
        let text = try String(contentsOfFile: TestResources.repositoryRoot + "/docs/PRIVACY.md", encoding: .utf8)
        var rows: [Int: [(String, String)]] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count > 2, let number = Int(cells[1]) else { continue }
            let references = line.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
            rows[number] = references.compactMap { reference in
                let parts = reference.components(separatedBy: " › ")
                return parts.count == 2 ? (parts[0], parts[1]) : nil
            }
        }
        return rows
    }

    @Test("every requirement of the research list has a row, and every row names at least one test")
    func everyRequirement() throws {
        let rows = try Self.matrix()
        #expect(Set(rows.keys) == Set(1...27))
        for (number, references) in rows { #expect(!references.isEmpty, "requirement \(number) names no test") }
    }

    @Test("every test the matrix names exists, in the suite it names")
    func namedTestsExist() throws {
        let declared = try Self.declaredTests()
        for (number, references) in try Self.matrix().sorted(by: { $0.key < $1.key }) {
            for (suite, test) in references {
                #expect(declared[suite]?.contains(test) == true, "requirement \(number): no test '\(test)' in suite '\(suite)'")
            }
        }
    }
}
