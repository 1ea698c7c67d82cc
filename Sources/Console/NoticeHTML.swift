import FacegateCore
import Logging

/// A consent notice's Markdown as HTML, for the enrolment page: headings, paragraphs,
/// lists, emphasis and code, nothing else. Everything is escaped first, so a notice
/// can never inject markup into the console, and the person reads the words the
/// consent record's SHA-256 covers (the file is not rewritten, only displayed).
enum NoticeHTML {
    static func render(_ markdown: String) -> String {
        var html = ""
        var paragraph: [String] = []
        var list: [String] = []
        func flush() {
            if !paragraph.isEmpty { html += "<p>\(inline(paragraph.joined(separator: " ")))</p>\n" }
            if !list.isEmpty { html += "<ul>\n" + list.map { "<li>\(inline($0))</li>\n" }.joined() + "</ul>\n" }
            paragraph = []
            list = []
        }
        for raw in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw.trimmingWhiteSpace)
            if line.isEmpty {
                flush()
            } else if let level = heading(line) {
                flush()
                let text = line.drop { $0 == "#" }.trimmingWhiteSpace
                html += "<h\(level + 1)>\(inline(String(text)))</h\(level + 1)>\n"
            } else if line.hasPrefix("- ") || line.hasPrefix("* ") {
                if !paragraph.isEmpty { flush() }
                list.append(String(line.dropFirst(2)))
            } else if !list.isEmpty && raw.hasPrefix("  ") {
                list[list.count - 1] += " " + line
            } else {
                if !list.isEmpty { flush() }
                paragraph.append(line)
            }
        }
        flush()
        return html
    }

    private static func heading(_ line: String) -> Int? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...5).contains(hashes), line.dropFirst(hashes).first == " " else { return nil }
        return hashes
    }

    /// Escapes, then `**strong**`, `*em*`/`_em_` and `` `code` ``.
    static func inline(_ text: String) -> String {
        var out = escape(text)
        out = replacePairs(out, marker: "**", open: "<strong>", close: "</strong>")
        out = replacePairs(out, marker: "`", open: "<code>", close: "</code>")
        out = replacePairs(out, marker: "*", open: "<em>", close: "</em>")
        return out
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    private static func replacePairs(_ text: String, marker: String, open: String, close: String) -> String {
        let pieces = text.split(separator: marker, omittingEmptySubsequences: false).map(String.init)
        guard pieces.count >= 3 else { return text }
        var out = pieces[0]
        var index = 1
        while index < pieces.count {
            if index + 1 < pieces.count {
                out += open + pieces[index] + close + pieces[index + 1]
                index += 2
            } else {
                out += marker + pieces[index]
                index += 1
            }
        }
        return out
    }
}
