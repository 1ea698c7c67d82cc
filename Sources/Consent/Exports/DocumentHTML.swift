/// The Markdown that facegate's documents are written in (the Art. 15 letter, the record
/// of processing, the impact assessment, consent notices) as HTML: a standalone page for
/// a person to read in a browser or print, or the body the console shows a notice in.
/// Only the forms those documents use: headings, paragraphs, hard line breaks (two
/// trailing spaces), nested `- `/`* ` lists (two spaces a level, a bare `-` opening a
/// nested item), `**strong**`, `*em*` and `` `code` ``. Every text is escaped first: a
/// name, a note or a notice cannot become markup.
public enum DocumentHTML {
    public static func page(title: String, markdown: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>\(escaped(title))</title></head>
        <body>
        \(body(markdown))</body>
        </html>

        """
    }

    /// The HTML of `markdown`'s blocks; `headingOffset` moves headings down (a notice's
    /// `#` under the console page's own heading).
    public static func body(_ markdown: String, headingOffset: Int = 0) -> String {
        var out = ""
        var paragraph: [String] = []
        var lists: [Int] = []  // the indent of each open list
        func flushParagraph() {
            guard !paragraph.isEmpty else { return }
            out += "<p>" + paragraph.joined(separator: "\n") + "</p>\n"
            paragraph.removeAll()
        }
        func closeLists(deeperThan indent: Int) {
            while let last = lists.last, last > indent {
                out += "</li></ul>\n"
                lists.removeLast()
            }
        }
        for raw in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            let hardBreak = line.hasSuffix("  ")
            let trimmed = line.drop { $0 == " " }
            let indent = line.count - trimmed.count
            if trimmed.isEmpty {
                flushParagraph()
                closeLists(deeperThan: -1)
            } else if let level = headingLevel(trimmed), indent == 0 {
                flushParagraph()
                closeLists(deeperThan: -1)
                let text = trimmed.dropFirst(level + 1)
                let shown = min(6, level + headingOffset)
                out += "<h\(shown)>\(inline(String(text)))</h\(shown)>\n"
            } else if trimmed == "-" || trimmed.hasPrefix("- ") || trimmed.hasPrefix("* ") {
                flushParagraph()
                closeLists(deeperThan: indent)
                if lists.last == indent {
                    out += "</li>\n<li>"
                } else {
                    out += "<ul>\n<li>"
                    lists.append(indent)
                }
                out += inline(String(trimmed.dropFirst(trimmed == "-" ? 1 : 2)))
            } else if !lists.isEmpty {
                out += " " + inline(String(trimmed))
            } else {
                paragraph.append(inline(String(trimmed)) + (hardBreak ? "<br>" : ""))
            }
        }
        flushParagraph()
        closeLists(deeperThan: -1)
        return out
    }

    private static func headingLevel(_ line: Substring) -> Int? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...5).contains(hashes), line.dropFirst(hashes).first == " " else { return nil }
        return hashes
    }

    /// Escapes the text, then makes `**strong**`, `` `code` `` and `*em*` spans of it
    /// (a marker without its pair stays as it is).
    static func inline(_ text: String) -> String {
        var out = escaped(text.hasSuffix("  ") ? String(text.dropLast(2)) : text)
        out = spans(out, marker: "**", tag: "strong")
        out = spans(out, marker: "`", tag: "code")
        return spans(out, marker: "*", tag: "em")
    }

    private static func spans(_ text: String, marker: String, tag: String) -> String {
        let pieces = text.split(separator: marker, omittingEmptySubsequences: false).map(String.init)
        guard pieces.count >= 3 else { return text }
        var out = pieces[0]
        var index = 1
        while index < pieces.count {
            if index + 1 < pieces.count {
                out += "<\(tag)>" + pieces[index] + "</\(tag)>" + pieces[index + 1]
                index += 2
            } else {
                out += marker + pieces[index]
                index += 1
            }
        }
        return out
    }

    public static func escaped(_ text: String) -> String {
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
}
