import FacegateCore
import FacegateTestSupport
import FacegateTools
import Testing

/// Reading pair lists (`file_a,file_b,same`) and label lists (`file,person`).
@Suite("Pair and label lists", .perTestLimit)
struct PairListTests {
    @Test(
        "both accepted headers, and no header",
        arguments: ["file_a,file_b,same\n", "file_a,file_b,same_person\n", "FILE_A,File_B,Same\n", ""])
    func headers(header: String) throws {
        let list = try PairList(csv: header + "a.jpg,b.jpg,1\na.jpg,c.jpg,0\n", source: "pairs.csv")
        #expect(list.pairs == [VerificationPair("a.jpg", "b.jpg", same: true), VerificationPair("a.jpg", "c.jpg", same: false)])
    }

    @Test("CRLF line ends, a byte-order mark, blank lines, spaces and quoted fields")
    func tolerantParsing() throws {
        let text = "\u{FEFF}file_a,file_b,same\r\n\r\n \"dir, with comma/a.jpg\" , b.jpg ,1\r\n\"say \"\"hi\"\".jpg\",c.jpg,0\r\n"
        let list = try PairList(csv: text, source: "pairs.csv")
        #expect(
            list.pairs == [
                VerificationPair("dir, with comma/a.jpg", "b.jpg", same: true),
                VerificationPair("say \"hi\".jpg", "c.jpg", same: false),
            ])
    }

    @Test(
        "a malformed line is an error naming the file and its line number",
        arguments: [
            ("file_a,file_b,same\na.jpg,b.jpg,1\na.jpg,b.jpg\n", "line 3", "expected 3 fields"),
            ("file_a,file_b,same\na.jpg,b.jpg,1\n\na.jpg,b.jpg,yes\n", "line 4", "1 (same person) or 0"),
            ("a.jpg,,1\n", "line 1", "a file name is empty"),
            ("file_a,file_b,same\n\"a.jpg,b.jpg,1\n", "line 2", "not closed"),
        ])
    func malformedLine(text: String, line: String, reason: String) {
        let error = #expect(throws: EvaluationError.self) { try PairList(csv: text, source: "pairs.csv") }
        #expect(error?.code == .malformedList)
        #expect(error?.message.contains("pairs.csv \(line):") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
        #expect(error?.exitStatus == .dataError)
    }

    @Test("a list with a header and nothing else has no pairs")
    func emptyList() {
        let error = #expect(throws: EvaluationError.self) { try PairList(csv: "file_a,file_b,same\n", source: "p.csv") }
        #expect(error?.code == .noPairs)
    }

    @Test("a missing list file is named")
    func missingFile() {
        let error = #expect(throws: EvaluationError.self) { try PairList(file: "/nonexistent/pairs.csv") }
        #expect(error?.code == .fileNotFound)
        #expect(error?.message.contains("/nonexistent/pairs.csv") == true)
        #expect(error?.exitStatus == .noInput)
    }

    @Test("a label list makes every pair once, same when the labels match")
    func labelsToPairs() throws {
        let labels = try LabelList(csv: "file,person,source\na.jpg,ann,x\nb.jpg,bob,x\nc.jpg,ann,y\nd.jpg,cid,y\n", source: "labels.csv")
        let pairs = labels.allPairs
        #expect(pairs.count == 6)  // 4 * 3 / 2
        #expect(pairs.filter(\.same) == [VerificationPair("a.jpg", "c.jpg", same: true)])
        #expect(Set(pairs.map { [$0.fileA, $0.fileB].sorted() }).count == 6, "no pair twice")
        #expect(!pairs.contains { $0.fileA == $0.fileB })
    }

    @Test("a label list needs its header, two fields a line and each file once")
    func badLabels() {
        let noHeader = #expect(throws: EvaluationError.self) { try LabelList(csv: "a.jpg,ann\nb.jpg,bob\n", source: "l.csv") }
        #expect(noHeader?.message.contains("l.csv line 1") == true)
        let short = #expect(throws: EvaluationError.self) { try LabelList(csv: "file,person\na.jpg,ann\nb.jpg\n", source: "l.csv") }
        #expect(short?.message.contains("l.csv line 3") == true)
        let twice = #expect(throws: EvaluationError.self) { try LabelList(csv: "file,person\na.jpg,ann\na.jpg,bob\n", source: "l.csv") }
        #expect(twice?.message.contains("l.csv line 3") == true)
        let single = #expect(throws: EvaluationError.self) { try LabelList(csv: "file,person\na.jpg,ann\n", source: "l.csv") }
        #expect(single?.code == .noPairs)
    }
}
