import Consent
import Foundation
import Testing

/// The documents' Markdown as HTML: every text escaped, the forms they use rendered.
@Suite("Documents as HTML")
struct DocumentHTMLTests {
    @Test("a name or note written as markup is shown as text, never run")
    func escapes() {
        let page = DocumentHTML.page(
            title: "<title>", markdown: "# Dear <script>alert(1)</script>,\n\n- **Note**: \"a\" & 'b' <img src=x onerror=alert(1)>\n")
        #expect(!page.contains("<script>") && !page.contains("<img"))
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && page.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(page.contains("<title>&lt;title&gt;</title>"))
        #expect(page.contains("<strong>Note</strong>: &quot;a&quot; &amp; &#39;b&#39;"))
    }

    @Test("headings, hard breaks, nested lists, strong, em and code become their elements")
    func forms() {
        let markdown = [
            "# Letter", "", "**From**: us  ", "**To**: you", "", "## Consent", "- **Purposes**:", "  - entry", "  - `attendance-analytics`",
            "-",
            "  - **At**: *today*", "- (none)", "",
        ].joined(separator: "\n")
        let html = DocumentHTML.body(markdown)
        #expect(html.contains("<h1>Letter</h1>") && html.contains("<h2>Consent</h2>"))
        #expect(html.contains("<p><strong>From</strong>: us<br>\n<strong>To</strong>: you</p>"), "\(html)")
        #expect(
            html.contains("<li><strong>Purposes</strong>:<ul>\n<li>entry</li>\n<li><code>attendance-analytics</code></li></ul>"), "\(html)")
        #expect(html.contains("<li><ul>\n<li><strong>At</strong>: <em>today</em></li></ul>\n</li>\n<li>(none)</li></ul>"), "\(html)")
        #expect(html.components(separatedBy: "<ul>").count == html.components(separatedBy: "</ul>").count)
        #expect(DocumentHTML.body("# Notice", headingOffset: 1) == "<h2>Notice</h2>\n")
    }
}
